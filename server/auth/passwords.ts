import { hash, verify } from "@node-rs/argon2";
import { charCount, PASSWORD_MAX, PASSWORD_MIN } from "../../shared/limits.js";
import { invalidArgument } from "../errors.js";

/** OWASP's recommended argon2id parameters: 19 MiB of memory, 2 iterations, 1 lane. */
// `algorithm: 2` is Algorithm.Argon2id: a const enum, which isolated modules cannot import.
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export { PASSWORD_MAX, PASSWORD_MIN };

/** Hashes a password with argon2id; the result is a PHC string with its own salt and parameters. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** Checks a password against a stored hash; false (never a throw) for a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against a throwaway hash, so a login for an unknown user takes as long as one with a
 * wrong password and timing does not tell which usernames exist.
 */
export async function verifyAgainstNothing(password: string): Promise<false> {
  dummyHash ??= hashPassword("statusthing timing equaliser");
  await verifyPassword(await dummyHash, password);
  return false;
}

/** The rules for a new password: 10-256 characters and not the username. No composition rules. */
export function checkNewPassword(field: string, password: string, username: string): string {
  const length = charCount(password);
  if (length < PASSWORD_MIN) throw invalidArgument(field, `must be at least ${PASSWORD_MIN} characters`);
  if (length > PASSWORD_MAX) throw invalidArgument(field, `must be at most ${PASSWORD_MAX} characters`);
  if (password.trim().toLowerCase() === username.trim().toLowerCase()) throw invalidArgument(field, "must not be the username");
  return password;
}
