import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import { metricsLoopbackOnly, metricsTokenRequired } from "../errors.js";

/** Whether an address is this machine's own (127.0.0.0/8, ::1, or IPv4 loopback mapped into IPv6). */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith("127.");
  return address === "::1";
}

/**
 * Who may read `/metrics`: a client on this machine (a Prometheus beside the server), or, when
 * `--metrics-token` is set, anyone sending it as `Authorization: Bearer <token>`. The client
 * address is the one `--trust-proxy` yields, so a proxy on loopback does not make everyone local.
 * Throws permission_denied (or unauthenticated for a wrong token) saying what would be allowed.
 */
export function checkMetricsAccess(clientAddress: string, authorization: string | null, metricsToken: string | undefined): void {
  if (isLoopback(clientAddress)) return;
  if (metricsToken === undefined) throw metricsLoopbackOnly();
  const sent = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
  if (sent === undefined || !sameSecret(sent, metricsToken)) {
    throw metricsTokenRequired();
  }
}

/** Compares in constant time (hashes first, so the lengths match too). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}
