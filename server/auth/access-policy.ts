import type { Principal } from "./principal.js";
import { loginRequired, passwordChangeRequired } from "../errors.js";

/**
 * Who may call what. Public procedures are an explicit allow-list: a new RPC needs a logged-in
 * caller until someone decides otherwise here.
 */

/** Reads anyone may make, unless the server runs with --private. */
export const PUBLIC_READS: ReadonlySet<string> = new Set([
  "statusthing.v1.ItemsService/GetItem",
  "statusthing.v1.ItemsService/ListItems",
  "statusthing.v1.ItemsService/WatchItems",
  "statusthing.v1.StatusService/GetStatus",
  "statusthing.v1.StatusService/ListStatus",
  "statusthing.v1.NotesService/GetNote",
  "statusthing.v1.NotesService/ListNotes",
  "statusthing.v1.HistoryService/GetItemHistory",
  "statusthing.v1.HistoryService/GetUptime",
  "statusthing.v1.HistoryService/GetPageAt",
  // Reflection (served only with --devmode) describes the API, never data.
  "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
  "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
]);

/**
 * Procedures that exist to get or drop credentials, so they cannot require them (even with
 * --private): signing in, what the sign-in page may say beforehand, and signing out.
 */
export const CREDENTIAL_PROCEDURES: ReadonlySet<string> = new Set([
  "statusthing.v1.AuthService/Login",
  "statusthing.v1.AuthService/GetSignInHints",
  "statusthing.v1.AuthService/Logout",
]);

/** What a user who still has the initial password may do besides public reads. */
export const ALLOWED_BEFORE_PASSWORD_CHANGE: ReadonlySet<string> = new Set([
  "statusthing.v1.AuthService/ChangePassword",
  "statusthing.v1.AuthService/WhoAmI",
  "statusthing.v1.AuthService/Logout",
]);

/** Decides one call; throws unauthenticated or permission_denied, or returns when it may go on. */
export function authorize(procedure: string, principal: Principal | undefined, options: { private: boolean }): void {
  if (CREDENTIAL_PROCEDURES.has(procedure)) return;
  const publicRead = PUBLIC_READS.has(procedure) && !options.private;
  if (!principal) {
    if (publicRead) return;
    throw loginRequired();
  }
  if (principal.user.mustChangePassword && !publicRead && !ALLOWED_BEFORE_PASSWORD_CHANGE.has(procedure)) {
    throw passwordChangeRequired();
  }
}
