import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";

/**
 * Why a webhook may not connect to `address`, or undefined when it may: only public unicast
 * addresses are allowed. Loopback, private, link-local, unique-local, multicast, unspecified,
 * carrier-grade NAT, reserved and the IPv6 forms that embed an IPv4 address (mapped, NAT64,
 * 6to4, Teredo) are refused, so a webhook cannot be used to reach the server's own network (SSRF).
 */
export function refusedAddress(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === "unicast" ? undefined : `${address} is a ${range} address`;
}

/** A URL's host as an address or name: `[::1]` → `::1`. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request` that resolves the name and refuses it when any of its addresses
 * is refused. The check happens at connect time, on the addresses the socket will use, so a name
 * that resolved to a public address when the webhook was saved cannot later be rebound to a
 * private one (DNS rebinding).
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const refused = addresses.map((a) => refusedAddress(a.address)).find((reason) => reason !== undefined);
    if (refused) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${refused}`), { code: "EREFUSEDADDRESS" }), []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}

/** Why `url`'s host is refused when it is an IP literal (which never goes through `lookup`), else undefined. */
export function refusedLiteral(url: URL): string | undefined {
  const host = hostOf(url);
  return isIP(host) ? refusedAddress(host) : undefined;
}
