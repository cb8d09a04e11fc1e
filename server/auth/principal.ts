import { createContextKey } from "@connectrpc/connect";
import type { UserRecord } from "../domain.js";

/** Who is calling, and how they proved it. */
export interface Principal {
  user: UserRecord;
  via: "session" | "token";
  /** The session's id (hash), when authenticated by cookie. */
  sessionId?: string;
  /** Set when a session was extended: the cookie must be sent again with the new expiry. */
  renewed?: { token: string; expiresAt: Date };
}

/** What a request carries to prove who it is: a session cookie's token or a bearer token. */
export interface Credentials {
  sessionToken?: string;
  bearer?: string;
}

/**
 * Finds who holds a request's credentials: what the guard needs of `service/auth.ts`'s
 * AuthService, named here so that `auth/` does not import the service layer above it.
 */
export interface PrincipalResolver {
  /** Who is calling (extending a session due for it); undefined for none or a stale session; throws on a bad API token. */
  authenticate(credentials: Credentials): Promise<Principal | undefined>;
  /** Who holds these credentials now, without side effects; undefined when they no longer count. */
  currentPrincipal(credentials: Credentials): Promise<Principal | undefined>;
}

/** What an RPC handler knows about its request beyond the message: caller, address, cookie security. */
export interface RequestAuth {
  principal: Principal | undefined;
  clientAddress: string;
  /** Whether cookies must be Secure (the client reached us over HTTPS). */
  secure: boolean;
}

export const requestAuthKey = createContextKey<RequestAuth>({ principal: undefined, clientAddress: "", secure: false }, { description: "request auth" });
