import { invalidArgument } from "../errors.js";

/** The longest address SMTP carries (RFC 5321: a 256-octet path less its angle brackets). */
export const EMAIL_MAX = 254;

// RFC 5322 "atext" and dots: no quoted local parts, comments, display names, spaces or control
// characters, so an address can never carry a header or a second recipient.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * Checks an address a visitor typed, strictly: one `@`, a plain local part (at most 64
 * characters), a domain of at least two DNS labels whose last is not all digits (no IP literals),
 * at most 254 characters in all. Returns it trimmed; throws FIELD_INVALID (field `email`).
 */
export function checkEmail(value: string): string {
  const email = value.trim();
  if (email === "") throw invalidArgument("email", "is required");
  if (email.length > EMAIL_MAX) throw invalidArgument("email", `must be at most ${EMAIL_MAX} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\s]/.test(email)) throw invalidArgument("email", "must not contain spaces, line breaks or control characters");
  const at = email.split("@");
  if (at.length !== 2) throw invalidArgument("email", "must be one address like name@example.com (one @, no name or <>)");
  const [local, domain] = at as [string, string];
  if (local.length === 0 || local.length > 64 || !LOCAL.test(local)) throw invalidArgument("email", "the part before @ is not a plain mailbox name");
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    throw invalidArgument("email", "the part after @ must be a domain name like example.com");
  }
  return email;
}
