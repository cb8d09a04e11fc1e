/**
 * The browser's copy of the server's input rules, built from the same constants in `shared/`, so
 * a form refuses exactly what the server would, before sending. The server checks again: these
 * only save a round trip and say it sooner.
 */
import {
  charCount,
  DESCRIPTION_MAX,
  EMAIL_MAX,
  NAME_MAX,
  normalizeColor,
  NOTE_TEXT_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
  PERSON_NAME_MAX,
  URL_MAX,
  USERNAME_PATTERN,
} from "$shared/limits.js";
import { nameCharacterProblem } from "$shared/name-characters.js";
import { ACCENT_MIN_CONTRAST, accentShortfall } from "$shared/accent.js";

/** A field's problem, or undefined when it is fine. */
export type Check = string | undefined;

const tooLong = (max: number) => `At most ${max.toLocaleString("en")} characters.`;

export function checkName(value: string): Check {
  const name = value.trim();
  if (name === "") return "Required.";
  const invisible = nameCharacterProblem(name);
  if (invisible) return `No invisible or control characters (${invisible}).`;
  if (charCount(name) > NAME_MAX) return tooLong(NAME_MAX);
  return undefined;
}

export function checkDescription(value: string): Check {
  return charCount(value) > DESCRIPTION_MAX ? tooLong(DESCRIPTION_MAX) : undefined;
}

export function checkNoteText(value: string): Check {
  if (value.trim() === "") return "Required.";
  return charCount(value) > NOTE_TEXT_MAX ? tooLong(NOTE_TEXT_MAX) : undefined;
}

export function checkColor(value: string): Check {
  if (value.trim() === "") return "Required.";
  return normalizeColor(value) ? undefined : "A hex color like #1A2B3C or #ABC.";
}

export function checkUsername(value: string): Check {
  if (value.trim() === "") return "Required.";
  return USERNAME_PATTERN.test(value.trim()) ? undefined : "Use 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.";
}

export function checkNewPassword(value: string, username: string): Check {
  const length = charCount(value);
  if (length < PASSWORD_MIN) return `At least ${PASSWORD_MIN} characters.`;
  if (length > PASSWORD_MAX) return tooLong(PASSWORD_MAX);
  if (username !== "" && value.trim().toLowerCase() === username.trim().toLowerCase()) return "Must not be the username.";
  return undefined;
}

export function checkPersonName(value: string): Check {
  return charCount(value) > PERSON_NAME_MAX ? tooLong(PERSON_NAME_MAX) : undefined;
}

export function checkEmail(value: string): Check {
  const email = value.trim();
  if (charCount(email) > EMAIL_MAX) return tooLong(EMAIL_MAX);
  return email === "" || /^[^\s@]+@[^\s@]+$/.test(email) ? undefined : "Not an email address.";
}

export function checkAvatarUrl(value: string): Check {
  const url = value.trim();
  if (url === "") return undefined;
  if (charCount(url) > URL_MAX) return tooLong(URL_MAX);
  try {
    const protocol = new URL(url).protocol;
    return protocol === "https:" || protocol === "http:" ? undefined : "Must be an http or https URL.";
  } catch {
    return "Not a URL.";
  }
}

/** The problems of a form's fields that have one; empty when the form may be sent. */
export function problems(checks: Record<string, Check>): Record<string, string> {
  return Object.fromEntries(Object.entries(checks).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A link the page shows: empty, or an absolute URL with one of `schemes` (e.g. "https:"), as the server wants. */
export function checkLink(value: string, schemes: readonly string[]): Check {
  const text = value.trim();
  if (text === "") return undefined;
  if (charCount(text) > URL_MAX) return tooLong(URL_MAX);
  const want = schemes.map((s) => s.replace(/:$/, "")).join(", ");
  try {
    const url = new URL(text);
    return schemes.includes(url.protocol) ? undefined : `Must start with ${want}.`;
  } catch {
    return `A full address starting with ${want}, like https://example.com.`;
  }
}

/** The page's accent: empty (the theme's), or a hex color with 3:1 against the light and dark backgrounds. */
export function checkAccent(value: string): Check {
  if (value.trim() === "") return undefined;
  const color = normalizeColor(value);
  if (!color) return "A hex color like #1A2B3C or #ABC.";
  const short = accentShortfall(color);
  return short ? `Too faint on the ${short.theme} page (${short.ratio.toFixed(2)}:1 against ${short.background}); it needs ${ACCENT_MIN_CONTRAST}:1 on both.` : undefined;
}
