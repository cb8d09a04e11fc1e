import { toJson, type DescMessage, type Message } from "@bufbuild/protobuf";

/** Fields never written to the audit log, whatever message they are in. */
const SECRET_FIELD = /password|secret|token$/i;

/** Longest summary kept: the log records what changed, not whole documents. */
export const SUMMARY_MAX = 500;

/**
 * A request as the audit log shows it: its proto-JSON with every password, secret or token field
 * left out (at any depth), cut at SUMMARY_MAX characters.
 */
export function summarizeRequest(schema: DescMessage, message: Message): string {
  const json = toJson(schema, message, { alwaysEmitImplicit: false });
  const text = JSON.stringify(withoutSecrets(json));
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text;
}

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !SECRET_FIELD.test(key))
      .map(([key, v]) => [key, key === "url" && typeof v === "string" ? originOnly(v) : withoutSecrets(v)]),
  );
}

/** A webhook URL's origin only: its path or query is often the credential (a Slack webhook URL is). */
function originOnly(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname === "/" && parsed.search === "" ? parsed.origin : `${parsed.origin}/…`;
  } catch {
    return "…";
  }
}
