import { HTTP_ENDPOINTS, PERMISSIONS } from "./permissions.js";

/**
 * The permission table as the README shows it (a test checks the README quotes exactly this), so
 * the documentation cannot drift from the code.
 */
export function permissionTableMarkdown(): string {
  const rows = Object.entries(PERMISSIONS).map(([procedure, rule]) => {
    const who = rule.credentials
      ? "anyone, always"
      : `${rule.publicRead ? "anyone (signed in with `--private`): " : ""}${rule.role === "viewer" ? "any role" : rule.role === "editor" ? "editor, admin" : "admin"}`;
    const notes = [
      rule.refine && "see below",
      rule.itemOf && "item-limited tokens: their items only",
      !rule.itemOf && rule.scope !== "read" && !rule.credentials && "not for item-limited tokens",
    ].filter(Boolean);
    return `| \`${procedure.replace(/^statusthing\.v1\./, "")}\` | ${who} | ${rule.credentials ? "—" : `\`${rule.scope}\``} | ${notes.join("; ")} |`;
  });
  const endpoints = Object.entries(HTTP_ENDPOINTS).map(
    ([endpoint, as]) => `| \`${endpoint}\` | ${as.startsWith("statusthing.v1.") ? `as \`${as.replace(/^statusthing\.v1\./, "")}\`` : as} |`,
  );
  return ["| RPC | roles | least token scope | notes |", "|---|---|---|---|", ...rows, "", "| HTTP endpoint | rule |", "|---|---|", ...endpoints].join("\n");
}
