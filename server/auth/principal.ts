import { createContextKey } from "@connectrpc/connect";
import type { ApiTokenRecord, UserRecord } from "../domain.js";

/** Who is calling, and how they proved it. */
export interface Principal {
  user: UserRecord;
  via: "session" | "token";
  /** The token, when authenticated by one: its scope and item limits narrow what the user may do. */
  token?: ApiTokenRecord;
  /** The session's id (hash), when authenticated by cookie. */
  sessionId?: string;
  /** Set when a session was extended: the cookie must be sent again with the new expiry. */
  renewed?: { token: string; expiresAt: Date };
}

/** What an RPC handler knows about its request beyond the message: caller, address, cookie security. */
export interface RequestAuth {
  principal: Principal | undefined;
  clientAddress: string;
  /** Whether cookies must be Secure (the client reached us over HTTPS). */
  secure: boolean;
}

export const requestAuthKey = createContextKey<RequestAuth>({ principal: undefined, clientAddress: "", secure: false }, { description: "request auth" });
