import { URL_MAX, charCount } from "../../../shared/limits.js";
import { accentShortfall, ACCENT_MIN_CONTRAST } from "../../../shared/accent.js";
import { isTimeZone } from "../../../shared/history/zoned-days.js";
import { accentContrastLow, invalidArgument } from "../../errors.js";
import { requireColor, requireName } from "../validate.js";

/** A page name: empty means the default; else as item names (1-200 characters, nothing invisible). */
export function checkPageName(value: string): string {
  return value.trim() === "" ? "" : requireName("name", value);
}

/**
 * A link the page shows or loads: empty, or an absolute URL with one of `schemes`, no user name
 * or password in it, at most 2,000 characters. Returns it as the URL parser writes it (so quotes
 * and spaces are percent-encoded before it ever reaches an attribute).
 */
export function checkLink(field: string, value: string, schemes: readonly string[]): string {
  const text = value.trim();
  if (text === "") return "";
  const want = `an absolute ${schemes.map((s) => s.replace(/:$/, "")).join(", ")} URL`;
  if (charCount(text) > URL_MAX) throw invalidArgument(field, `must be at most ${URL_MAX} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidArgument(field, `must be ${want}`);
  }
  if (!schemes.includes(url.protocol)) throw invalidArgument(field, `must be ${want}, not ${url.protocol}`);
  if (url.username !== "" || url.password !== "") throw invalidArgument(field, "must not carry a user name or password");
  if (url.protocol === "mailto:" ? url.pathname.trim() === "" : url.hostname === "") throw invalidArgument(field, `must be ${want}`);
  return url.href;
}

/**
 * A time zone: empty (the --time-zone default), or an IANA name this runtime knows such as
 * "Europe/Berlin"; returned in its canonical spelling. Offsets ("+02:00") and POSIX rules are
 * refused: a page's calendar follows a place, summer time included.
 */
export function checkTimeZone(value: string): string {
  const zone = value.trim();
  if (zone === "") return "";
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone) || !isTimeZone(zone)) {
    throw invalidArgument("time_zone", 'must be an IANA time zone name such as "Europe/Berlin" or "UTC"');
  }
  return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
}

/** An accent color: empty (the theme's), or a hex color with 3:1 against every light and dark background. */
export function checkAccent(value: string): string {
  if (value.trim() === "") return "";
  const color = requireColor("accent_color", value);
  const short = accentShortfall(color);
  if (short) throw accentContrastLow(color, short.theme, short.background, short.ratio, ACCENT_MIN_CONTRAST);
  return color;
}
