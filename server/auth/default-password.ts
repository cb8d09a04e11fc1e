import { verifyPassword } from "./passwords.js";

/** The original's default password for the initial admin, known to everyone. */
export const DEFAULT_PASSWORD = "password";

/** Hashes remembered at most; the initial admin's is the only one that matters. */
const REMEMBERED = 16;

/**
 * Whether a password hash is of the default password. Checking means an argon2 verify, slow on
 * purpose; anonymous callers ask (the sign-in hints), so each hash is checked once and the answer
 * (a promise, so simultaneous callers share it) remembered.
 */
export class DefaultPasswordCheck {
  private readonly known = new Map<string, Promise<boolean>>();

  matches(passwordHash: string): Promise<boolean> {
    let answer = this.known.get(passwordHash);
    if (answer === undefined) {
      if (this.known.size >= REMEMBERED) this.known.clear();
      answer = verifyPassword(passwordHash, DEFAULT_PASSWORD);
      this.known.set(passwordHash, answer);
    }
    return answer;
  }
}
