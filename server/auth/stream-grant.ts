import { authorize } from "./access-policy.js";
import type { PrincipalResolver } from "./principal.js";
import type { HeaderReader } from "./request-facts.js";
import { hashSecret } from "./secrets.js";
import { readSessionCookie } from "./session-cookie.js";

/**
 * The right to keep a stream open, as it was granted when the stream started: the check is made
 * once per request, but a stream outlives its request, so it must be asked again while it lasts
 * (a token revoked, a session ended, a user deleted since).
 */
export interface StreamGrant {
  /** Names the credential (by its hash): streams opened with one credential are checked once for all. */
  readonly key: string;
  /** Whether the credential's holder still may have the stream; rejects when that cannot be known now (database down). */
  stillAllowed(): Promise<boolean>;
}

/**
 * The grant of a stream of `procedure` opened with these request headers, which the guard has
 * just let through; undefined when the stream needs no login (a public read), so there is
 * nothing to lose.
 */
export function createStreamGrant(procedure: string, headers: HeaderReader, auth: PrincipalResolver, options: { private: boolean }): StreamGrant | undefined {
  try {
    authorize(procedure, undefined, options);
    return undefined;
  } catch {
    // Needs a login: the credential that gave it is checked again later.
  }
  // The guard accepted these headers: a well-formed bearer token, else the session cookie.
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get("authorization") ?? "")?.[1];
  const sessionToken = bearer === undefined ? readSessionCookie(headers.get("cookie")) : undefined;
  const credentials = bearer !== undefined ? { bearer } : sessionToken !== undefined ? { sessionToken } : undefined;
  if (!credentials) return undefined;
  return {
    key: bearer !== undefined ? `token:${hashSecret(bearer)}` : `session:${hashSecret(sessionToken!)}`,
    async stillAllowed() {
      const principal = await auth.currentPrincipal(credentials);
      try {
        authorize(procedure, principal, options);
        return true;
      } catch {
        return false;
      }
    },
  };
}
