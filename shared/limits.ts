/**
 * Validation limits and rules shared by the server and the web app, so that a form in the browser
 * refuses exactly what the server would.
 */

/** Longest item or status name, in characters, after trimming. */
export const NAME_MAX = 200;
/** Longest item or status description, in characters. */
export const DESCRIPTION_MAX = 2_000;
/** Longest note text, in characters. */
export const NOTE_TEXT_MAX = 10_000;
/** Shortest and longest password, in characters. No composition rules (NIST SP 800-63B). */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
/** Usernames: letters, digits and . _ @ -, 1-64 characters, starting with a letter or digit. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** Longest first or last name, in characters. */
export const PERSON_NAME_MAX = 200;
/** Longest email address, in characters (RFC 5321's path limit). */
export const EMAIL_MAX = 254;
/** Longest avatar URL, in characters. */
export const URL_MAX = 2_000;
/** Longest API token name, in characters. */
export const TOKEN_NAME_MAX = NAME_MAX;
/** Largest request body the server reads, in bytes. */
export const REQUEST_BODY_MAX_BYTES = 1024 * 1024;

const COLOR_PATTERN = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/;

/** Counts characters as a person does (code points), not UTF-16 units. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Normalizes a color to uppercase `#RRGGBB`, or returns undefined when it is not `#RGB` or `#RRGGBB`.
 * Colors end up in styles, so nothing else may pass.
 */
export function normalizeColor(color: string): string | undefined {
  const trimmed = color.trim();
  if (!COLOR_PATTERN.test(trimmed)) return undefined;
  const hex = trimmed.slice(1).toUpperCase();
  return hex.length === 3 ? `#${[...hex].map((c) => c + c).join("")}` : `#${hex}`;
}
