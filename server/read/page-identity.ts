import { createHash } from "node:crypto";

/** What every public document says about the page itself. */
export interface PageIdentity {
  /** 12 lowercase letters and digits, as Statuspage's page ids; stable for one public URL. */
  id: string;
  name: string;
  /** The page's public address, e.g. "https://status.example.com" (no trailing slash). */
  url: string;
  /** An IANA zone name. Times in the documents are ISO 8601 in UTC whatever it is. */
  timeZone: string;
}

/** The page's name until page settings exist; the web app's title says the same. */
export const DEFAULT_PAGE_NAME = "Status";

/**
 * The identity of the page served at `origin`. The id is derived from the address, so every
 * replica behind one name gives the same id without storing anything.
 */
export function pageIdentity(origin: string, timeZone = "UTC"): PageIdentity {
  const digest = createHash("sha256").update(origin).digest();
  let id = "";
  for (let i = 0; i < 12; i++) id += "abcdefghijklmnopqrstuvwxyz0123456789"[digest[i]! % 36];
  return { id, name: DEFAULT_PAGE_NAME, url: origin, timeZone: timeZone === "UTC" ? "Etc/UTC" : timeZone };
}
