import type { Interceptor } from "@connectrpc/connect";

/** Calls after which some credentials may no longer be valid: a session ended, a token revoked, a user deleted or given a new password. */
export const REVOKING_PROCEDURES: ReadonlySet<string> = new Set([
  "statusthing.v1.AuthService/Logout",
  "statusthing.v1.AuthService/ChangePassword",
  "statusthing.v1.AuthService/RevokeApiToken",
  "statusthing.v1.UsersService/UpdateUser",
  "statusthing.v1.UsersService/DeleteUser",
]);

/**
 * Calls `onRevoked` after each successful call that may have revoked credentials, so open
 * streams opened with them end at once rather than at the next periodic check.
 */
export function createRevocationInterceptor(onRevoked: () => void): Interceptor {
  return (next) => async (req) => {
    const res = await next(req);
    if (REVOKING_PROCEDURES.has(`${req.service.typeName}/${req.method.name}`)) onRevoked();
    return res;
  };
}
