import type { DescService } from "@bufbuild/protobuf";
import { ruleFor } from "./permissions.js";

/**
 * Refuses to start an app that would serve an RPC with no rule in the permission table: such an
 * RPC would be refused to everyone at run time, which is a bug to see at once, not in production.
 */
export function requireRules(services: readonly DescService[]): void {
  const missing = services.flatMap((s) => s.methods.map((m) => `${s.typeName}/${m.name}`)).filter((p) => ruleFor(p) === undefined);
  if (missing.length > 0) throw new Error(`no rule in server/auth/permissions.ts for ${missing.join(", ")}`);
}
