import { Role as RoleEnum, TokenScope as ScopeEnum } from "../../shared/gen/statusthing/v1/access_pb.js";
import type { Role, TokenScope } from "../domain.js";
import { invalidArgument } from "../errors.js";

/** Role and TokenScope between the wire's enums and the domain's words. */

const ROLE_TO_WIRE: Record<Role, RoleEnum> = { admin: RoleEnum.ADMIN, editor: RoleEnum.EDITOR, viewer: RoleEnum.VIEWER };
const SCOPE_TO_WIRE: Record<TokenScope, ScopeEnum> = { read: ScopeEnum.READ, status: ScopeEnum.STATUS, write: ScopeEnum.WRITE, admin: ScopeEnum.ADMIN };

export const roleToWire = (role: Role | undefined): RoleEnum => ROLE_TO_WIRE[role ?? "admin"];
export const scopeToWire = (scope: TokenScope | undefined): ScopeEnum => (scope ? SCOPE_TO_WIRE[scope] : ScopeEnum.UNSPECIFIED);

/** The role a request names; undefined for ROLE_UNSPECIFIED. */
export function roleFromWire(field: string, value: RoleEnum): Role | undefined {
  if (value === RoleEnum.UNSPECIFIED) return undefined;
  const found = (Object.keys(ROLE_TO_WIRE) as Role[]).find((r) => ROLE_TO_WIRE[r] === value);
  if (!found) throw invalidArgument(field, "must be ROLE_ADMIN, ROLE_EDITOR or ROLE_VIEWER");
  return found;
}

/** The scope a request names; undefined for TOKEN_SCOPE_UNSPECIFIED. */
export function scopeFromWire(field: string, value: ScopeEnum): TokenScope | undefined {
  if (value === ScopeEnum.UNSPECIFIED) return undefined;
  const found = (Object.keys(SCOPE_TO_WIRE) as TokenScope[]).find((s) => SCOPE_TO_WIRE[s] === value);
  if (!found) throw invalidArgument(field, "must be TOKEN_SCOPE_READ, _STATUS, _WRITE or _ADMIN");
  return found;
}
