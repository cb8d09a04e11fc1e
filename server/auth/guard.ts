import { authorizationHeaderInvalid, crossSiteRefused } from "../errors.js";
import { authorize } from "./access-policy.js";
import type { AllowedHosts } from "./allowed-hosts.js";
import type { PrincipalResolver, RequestAuth } from "./principal.js";
import type { HeaderReader, RequestFacts } from "./request-facts.js";
import { readSessionCookie } from "./session-cookie.js";
import { createStreamGrant, type StreamGrant } from "./stream-grant.js";

/** How requests reach the server: directly, or through proxies whose X-Forwarded-* headers we trust. */
export interface GuardOptions {
  private: boolean;
  /** How many reverse proxies stand in front of the server (0: none, X-Forwarded-* ignored). */
  trustProxy: number;
  /** Host names the login and cookie-authenticated calls may arrive under. */
  allowedHosts: AllowedHosts;
}

/**
 * Where the request really came from, and whether it came over HTTPS. Each proxy appends the
 * address it was reached from to X-Forwarded-For, and anything left of that may be the client's
 * own invention: so the client is counted from the right, `trustedHops` proxies back (as
 * SvelteKit's XFF_DEPTH). With fewer entries than hops, the left-most is the best there is.
 * X-Forwarded-Proto and -Host are set by the nearest proxy: their right-most value counts.
 */
export function requestOrigin(facts: RequestFacts, trustedHops: number): { clientAddress: string; secure: boolean; host: string } {
  if (trustedHops <= 0) return { clientAddress: facts.remoteAddress, secure: false, host: facts.host };
  const h = facts.headers;
  const chain = [...listOf(h.get("x-forwarded-for")), facts.remoteAddress];
  const forwardedProto = listOf(h.get("x-forwarded-proto")).at(-1);
  const forwardedHost = listOf(h.get("x-forwarded-host")).at(-1);
  return {
    clientAddress: chain[Math.max(0, chain.length - 1 - trustedHops)]!,
    secure: forwardedProto === "https",
    host: forwardedHost || facts.host,
  };
}

/** A comma-separated header's values (repeated headers arrive joined by ", "). */
function listOf(value: string | null): string[] {
  return (value ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/**
 * Authenticates a request (session cookie or bearer token) and applies the access policy. One
 * guard serves the Connect router, the hand-written WatchItems endpoint and `/ws`.
 */
export class AccessGuard {
  constructor(
    private readonly auth: PrincipalResolver,
    private readonly options: GuardOptions,
  ) {}

  /** Authenticates the request and checks the permission table for `procedure`; `message` is a unary call's request. */
  async check(procedure: string, facts: RequestFacts, message?: unknown): Promise<RequestAuth> {
    const auth = await this.authenticate(facts, procedure.endsWith("AuthService/Login"));
    authorize(procedure, auth.principal, this.options, message);
    return auth;
  }

  /**
   * Authenticates the request without deciding on a procedure: for endpoints that apply the
   * table per object they touch (a hook checks each alert's item with `authorize`).
   */
  async authenticate(facts: RequestFacts, login = false): Promise<RequestAuth> {
    const { clientAddress, secure, host } = requestOrigin(facts, this.options.trustProxy);
    const authorization = facts.headers.get("authorization");
    let bearer: string | undefined;
    if (authorization !== null) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
      if (!match) throw authorizationHeaderInvalid();
      bearer = match[1];
    }
    const sessionToken = bearer === undefined ? readSessionCookie(facts.headers.get("cookie")) : undefined;
    // A bearer token is never sent by a browser on its own, so only these need the Host and Origin checks.
    if (sessionToken !== undefined || login) {
      this.options.allowedHosts.check(host);
      refuseCrossSite(facts.headers, host);
    }
    const principal = await this.auth.authenticate({ sessionToken, bearer });
    return { principal, clientAddress, secure };
  }

  /** For a stream that `check` let start: how to ask again while it lasts whether its caller still may (see StreamGrant). */
  streamGrant(procedure: string, facts: RequestFacts): StreamGrant | undefined {
    return createStreamGrant(procedure, facts.headers, this.auth, this.options);
  }
}

/**
 * Cookies ride along on requests other sites make; a cookie-authenticated call whose Origin is
 * not this server is refused. Tokens are unaffected: a page cannot make a browser send one.
 */
function refuseCrossSite(headers: HeaderReader, host: string): void {
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

const crossSite = crossSiteRefused;
