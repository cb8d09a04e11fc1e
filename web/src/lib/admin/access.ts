import { Role, TokenScope } from "$shared/gen/statusthing/v1/access_pb.js";

/** Roles and token scopes in the admin console's words. The server decides; these only explain. */

export const ROLE_OPTIONS: ReadonlyArray<{ value: Role; label: string; hint: string }> = [
  { value: Role.ADMIN, label: "Admin", hint: "everything, users and everyone's tokens included" },
  { value: Role.EDITOR, label: "Editor", hint: "items, statuses and notes; not users" },
  { value: Role.VIEWER, label: "Viewer", hint: "reads a private page; changes nothing" },
];

export const SCOPE_OPTIONS: ReadonlyArray<{ value: TokenScope; label: string; hint: string }> = [
  { value: TokenScope.READ, label: "Read", hint: "only reads" },
  { value: TokenScope.STATUS, label: "Status", hint: "sets items' statuses and adds notes" },
  { value: TokenScope.WRITE, label: "Write", hint: "changes items, statuses and notes" },
  { value: TokenScope.ADMIN, label: "Admin", hint: "whatever you may" },
];

export const roleLabel = (role: Role): string => ROLE_OPTIONS.find((o) => o.value === role)?.label ?? "Admin";
export const scopeLabel = (scope: TokenScope): string => SCOPE_OPTIONS.find((o) => o.value === scope)?.label ?? "—";

/** The widest scope a user of this role may give a token (as the server's widestScopeFor). */
export function widestScope(role: Role): TokenScope {
  return role === Role.VIEWER ? TokenScope.READ : role === Role.EDITOR ? TokenScope.WRITE : TokenScope.ADMIN;
}

/** Whether the signed-in user is an admin (users from before roles come back as admins). */
export const isAdmin = (role: Role | undefined): boolean => role === undefined || role === Role.ADMIN || role === Role.UNSPECIFIED;
