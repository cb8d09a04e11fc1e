import { isIP } from "node:net";
import { hostNotAllowed } from "../errors.js";

/**
 * Which `Host` names may reach the login and cookie-authenticated calls. A DNS-rebinding page
 * makes the browser send its own name (`Host: evil.example`) to this server, with a matching
 * Origin, so the Origin check alone cannot see it; the name it chose is what gives it away.
 *
 * Always allowed: IP literals (a rebinding page cannot make a browser send one: the page would be
 * on that IP, same-origin), `localhost` and `*.localhost` (they resolve to loopback only). Also
 * allowed: the names given here, exactly, or with a leading dot a domain and its subdomains
 * (`.example.com`), as Vite's `server.allowedHosts`. `*` allows every name.
 */
export class AllowedHosts {
  private readonly any: boolean;
  private readonly exact = new Set<string>();
  private readonly suffixes: string[] = [];

  constructor(names: readonly string[]) {
    this.any = names.includes("*");
    for (const raw of names) {
      const name = raw.trim().toLowerCase();
      if (name === "" || name === "*") continue;
      if (name.startsWith(".")) {
        this.exact.add(name.slice(1));
        this.suffixes.push(name);
      } else {
        this.exact.add(hostName(name));
      }
    }
  }

  /** Whether a Host header value (`name`, `name:port`, `[v6]:port`) names this server. */
  allows(host: string): boolean {
    if (this.any) return true;
    const name = hostName(host.trim().toLowerCase());
    if (name === "") return false;
    if (isIP(name) !== 0) return true;
    if (name === "localhost" || name.endsWith(".localhost")) return true;
    return this.exact.has(name) || this.suffixes.some((suffix) => name.endsWith(suffix));
  }

  /** Throws permission_denied, naming the flags, unless `host` is allowed. */
  check(host: string): void {
    if (this.allows(host)) return;
    throw hostNotAllowed(hostName(host.trim().toLowerCase()));
  }
}

/** The name in a Host value, without port or IPv6 brackets; a trailing dot is dropped. */
export function hostName(host: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  // More than one colon and no brackets: a bare IPv6 address, no port.
  const name = host.split(":").length > 2 ? host : host.replace(/:\d*$/, "");
  return name.replace(/\.$/, "");
}

/**
 * The allowed names for a server: its listen host (unless a wildcard address), the host of
 * `--public-url`, and `--allowed-hosts`.
 */
export function allowedHostNames(options: { listenHost?: string; publicUrl?: string; allowedHosts?: readonly string[] }): string[] {
  const names: string[] = [];
  const listen = options.listenHost?.toLowerCase();
  if (listen && listen !== "0.0.0.0" && listen !== "::") names.push(listen);
  if (options.publicUrl) names.push(new URL(options.publicUrl).hostname.replace(/^\[|\]$/g, ""));
  names.push(...(options.allowedHosts ?? []));
  return names;
}
