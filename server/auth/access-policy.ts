import type { Principal } from "./principal.js";
import { loginRequired, noPermissionRule, passwordChangeRequired, requestNotPermitted, roleInsufficient, scopeInsufficient, tokenItemLimit } from "../errors.js";
import { PERMISSIONS, ROLE_CAN, roleRank, ruleFor, SCOPE_CAN, scopeRank, type Caller, type Role, type TokenScope } from "./permissions.js";

/**
 * Who may call what: the checks of the permission table (permissions.ts), in one function.
 * The sets below are views of the table, for the read cache and the tests.
 */

const proceduresWhere = (test: (rule: (typeof PERMISSIONS)[string]) => boolean | undefined): ReadonlySet<string> =>
  new Set(
    Object.entries(PERMISSIONS)
      .filter(([, rule]) => test(rule))
      .map(([procedure]) => procedure),
  );

/** Reads anyone may make, unless the server runs with --private. */
export const PUBLIC_READS: ReadonlySet<string> = proceduresWhere((rule) => rule.publicRead);

/**
 * Procedures that exist to get or drop credentials, so they cannot require them (even with
 * --private): signing in, what the sign-in page may say beforehand, and signing out.
 */
export const CREDENTIAL_PROCEDURES: ReadonlySet<string> = proceduresWhere((rule) => rule.credentials);

/** What a user who still has the initial password may do besides public reads. */
export const ALLOWED_BEFORE_PASSWORD_CHANGE: ReadonlySet<string> = proceduresWhere((rule) => rule.beforePasswordChange);

/** The role of a user; users from before roles existed are admins. */
export function roleOf(principal: Principal): Role {
  return principal.user.role ?? "admin";
}

/** The caller as the table's request checks see it. */
export function callerOf(principal: Principal): Caller {
  const token = principal.token;
  return {
    userId: principal.user.id,
    role: roleOf(principal),
    ...(token && { token: { scope: token.scope ?? "admin", itemIds: token.itemIds ?? [] } }),
  };
}

/**
 * Decides one call; throws unauthenticated or permission_denied (saying what the caller may do),
 * or returns when it may go on. `message` is the request, for rules that look at it (unary calls).
 */
export function authorize(procedure: string, principal: Principal | undefined, options: { private: boolean }, message?: unknown): void {
  const rule = ruleFor(procedure);
  if (!rule) throw noPermissionRule(procedure);
  if (rule.credentials) return;
  const publicRead = rule.publicRead === true && !options.private;
  if (!principal) {
    if (publicRead) return;
    throw loginRequired();
  }
  if (publicRead) return;
  if (principal.user.mustChangePassword && !rule.beforePasswordChange) {
    throw passwordChangeRequired();
  }
  const caller = callerOf(principal);
  if (roleRank(caller.role) < roleRank(rule.role)) {
    throw roleInsufficient(caller.role, ROLE_CAN[caller.role], shortName(procedure), rule.role);
  }
  const token = caller.token;
  if (token && scopeRank(token.scope) < scopeRank(rule.scope)) {
    throw scopeInsufficient(token.scope, SCOPE_CAN[token.scope], shortName(procedure), rule.scope);
  }
  const refused = rule.refine?.(message, caller);
  if (refused) throw requestNotPermitted(refused);
  if (token && token.itemIds.length > 0 && isWrite(rule.scope)) {
    const item = rule.itemOf?.(message);
    if (item === undefined || !token.itemIds.includes(item)) {
      throw tokenItemLimit(
        `this token may change only the items ${token.itemIds.join(", ")}${item === undefined ? `; ${shortName(procedure)} is not about one of them` : `, not ${item}`}`,
      );
    }
  }
}

/** Scopes above read change something. */
function isWrite(scope: TokenScope): boolean {
  return scopeRank(scope) > scopeRank("read");
}

/** "ItemsService/UpdateItem" from "statusthing.v1.ItemsService/UpdateItem". */
function shortName(procedure: string): string {
  return procedure.slice(procedure.lastIndexOf(".", procedure.indexOf("/")) + 1);
}
