import { createHash } from "node:crypto";
import { requestOrigin } from "../auth/guard.js";
import type { RequestFacts } from "../auth/request-facts.js";
import { DEFAULT_PAGE_NAME, type PageSettingsView } from "../page-settings-view.js";

export { DEFAULT_PAGE_NAME };

/** What every public document says about the page itself. */
export interface PageIdentity {
  /** 12 lowercase letters and digits, as Statuspage's page ids; stable for one public URL. */
  id: string;
  /** The page settings' name (default "Status"). */
  name: string;
  /** The settings' description; may be empty. */
  description: string;
  /** The page's public address, e.g. "https://status.example.com" (no trailing slash). */
  url: string;
  /** An IANA zone name: the settings', else --time-zone. Times in the documents are ISO 8601 in UTC whatever it is. */
  timeZone: string;
  /** The logo and favicon as absolute URLs, or empty. */
  logoUrl: string;
  faviconUrl: string;
}

/** A settings URL made absolute against the page's address (uploads are site-relative). */
export function absoluteUrl(origin: string, url: string): string {
  return url === "" ? "" : new URL(url, `${origin}/`).href;
}

/**
 * The identity of the page served at `origin`, named by its settings. The id is derived from
 * the address, so every replica behind one name gives the same id without storing anything.
 */
export function pageIdentity(origin: string, settings?: PageSettingsView): PageIdentity {
  const digest = createHash("sha256").update(origin).digest();
  let id = "";
  for (let i = 0; i < 12; i++) id += "abcdefghijklmnopqrstuvwxyz0123456789"[digest[i]! % 36];
  return {
    id,
    name: settings?.name ?? DEFAULT_PAGE_NAME,
    description: settings?.description ?? "",
    url: origin,
    // Statuspage names UTC "Etc/UTC".
    timeZone: !settings?.timeZone || settings.timeZone === "UTC" ? "Etc/UTC" : settings.timeZone,
    logoUrl: absoluteUrl(origin, settings?.logoUrl ?? ""),
    faviconUrl: absoluteUrl(origin, settings?.faviconUrl ?? ""),
  };
}

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The page's address for links in what is served: --public-url when set, else the host the
 * request reached (through trusted proxies); undefined when that is not a plain host name.
 */
export function pageOrigin(facts: RequestFacts, trustProxy: number, publicUrl: string | undefined): string | undefined {
  if (publicUrl !== undefined) return new URL(publicUrl).href.replace(/\/$/, "");
  const { host, secure } = requestOrigin(facts, trustProxy);
  return HOST.test(host) ? `${secure ? "https" : "http"}://${host}` : undefined;
}
