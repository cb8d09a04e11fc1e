import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import { hash, randomBytes } from "node:crypto";

/**
 * Random secrets and their stored form, as the Lucia session guide describes: the client holds a
 * random token; the database holds only its SHA-256, so a leaked database opens no session.
 */

/** A new session token for the cookie: 160 random bits, base32. */
export function generateSessionToken(): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(20));
}

/** Prefix of every API token secret, so secret scanners can recognise a leaked one. */
export const API_TOKEN_PREFIX = "st_";

/** A new API token secret: "st_" and 192 random bits, base32. */
export function generateApiTokenSecret(): string {
  return API_TOKEN_PREFIX + encodeBase32LowerCaseNoPadding(randomBytes(24));
}

/**
 * The stored form of a session token or API secret: hex SHA-256 of its UTF-8 bytes. Node's native
 * one-shot hash, not a JavaScript one: every signed-in request hashes its credential.
 */
export function hashSecret(secret: string): string {
  return hash("sha256", secret, "hex");
}
