import { DomainError } from "../errors.js";
import type { AuthService } from "../service/auth.js";
import { authorize } from "./access-policy.js";
import type { AllowedHosts } from "./allowed-hosts.js";
import type { RequestAuth } from "./principal.js";
import { readSessionCookie } from "./session-cookie.js";

/** How requests reach the server: directly, or through a proxy whose X-Forwarded-* headers we trust. */
export interface GuardOptions {
  private: boolean;
  trustProxy: boolean;
  /** Host names the login and cookie-authenticated calls may arrive under. */
  allowedHosts: AllowedHosts;
}

/** The parts of an HTTP request the guard looks at, from any transport. */
export interface RequestFacts {
  headers: Headers;
  remoteAddress: string;
  /** Host header (HTTP/1.1) or :authority (HTTP/2). */
  host: string;
}

/** Where the request really came from, and whether it came over HTTPS. */
export function requestOrigin(facts: RequestFacts, trustProxy: boolean): { clientAddress: string; secure: boolean; host: string } {
  const h = facts.headers;
  const forwardedFor = trustProxy ? h.get("x-forwarded-for")?.split(",")[0]?.trim() : undefined;
  const forwardedProto = trustProxy ? h.get("x-forwarded-proto")?.split(",")[0]?.trim() : undefined;
  const forwardedHost = trustProxy ? h.get("x-forwarded-host")?.split(",")[0]?.trim() : undefined;
  return {
    clientAddress: forwardedFor || facts.remoteAddress,
    secure: forwardedProto === "https",
    host: forwardedHost || facts.host,
  };
}

/**
 * Authenticates a request (session cookie or bearer token) and applies the access policy. One
 * guard serves the Connect router, the hand-written WatchItems endpoint and `/ws`.
 */
export class AccessGuard {
  constructor(
    private readonly auth: AuthService,
    private readonly options: GuardOptions,
  ) {}

  async check(procedure: string, facts: RequestFacts): Promise<RequestAuth> {
    const { clientAddress, secure, host } = requestOrigin(facts, this.options.trustProxy);
    const authorization = facts.headers.get("authorization");
    let bearer: string | undefined;
    if (authorization !== null) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw new DomainError("unauthenticated", "the Authorization header must be 'Bearer <token>'");
      bearer = match[1];
    }
    const sessionToken = bearer === undefined ? readSessionCookie(facts.headers.get("cookie")) : undefined;
    // A bearer token is never sent by a browser on its own, so only these need the Host and Origin checks.
    if (sessionToken !== undefined || procedure.endsWith("AuthService/Login")) {
      this.options.allowedHosts.check(host);
      refuseCrossSite(facts.headers, host);
    }
    const principal = await this.auth.authenticate({ sessionToken, bearer });
    authorize(procedure, principal, this.options);
    return { principal, clientAddress, secure };
  }
}

/**
 * Cookies ride along on requests other sites make; a cookie-authenticated call whose Origin is
 * not this server is refused. Tokens are unaffected: a page cannot make a browser send one.
 */
function refuseCrossSite(headers: Headers, host: string): void {
  const origin = headers.get("origin");
  if (headers.get("sec-fetch-site") === "cross-site") throw crossSite();
  if (origin === null) return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw crossSite();
  }
  if (originHost.toLowerCase() !== host.toLowerCase()) throw crossSite();
}

const crossSite = () => new DomainError("permission_denied", "cross-site request refused: the Origin is not this server");
