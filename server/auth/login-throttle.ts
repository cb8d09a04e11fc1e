import { loginThrottled } from "../errors.js";
import type { AuthStore } from "../store/auth-store.js";

/**
 * Failed-login limits. Counted per client address and per address-and-username, never per
 * username alone: a stranger who guesses wrong slows down only their own address, so they cannot
 * lock the owner out. Each step allows twice the failures of the one before in four times the
 * window, so a guesser waits longer and longer (1, 4, 16, 64 minutes with the defaults).
 */
export interface ThrottleOptions {
  /** Failures for one username from one address within `windowMs` before the first wait. */
  perAddressAndUsername: number;
  /** Failures from one address, any usernames, within `windowMs` before the first wait. */
  perAddress: number;
  /** The first step's window. */
  windowMs: number;
  /** How many longer steps follow the first (0: one fixed window). */
  steps: number;
}

export const DEFAULT_THROTTLE: ThrottleOptions = { perAddressAndUsername: 5, perAddress: 20, windowMs: 60_000, steps: 3 };

/** A login attempt counted before its password was checked. */
export interface LoginAttempt {
  username: string;
  address: string;
  at: Date;
}

/** The key prefix of one username's counters, whatever the address: what a password reset clears. */
function userPrefix(username: string): string {
  return `ua:${normalizeUsername(username)}|`;
}

function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

const userKey = (attempt: LoginAttempt, step: number) => `${userPrefix(attempt.username)}${attempt.address}|${step}`;
const addressKey = (attempt: LoginAttempt, step: number) => `a:${attempt.address}|${step}`;

/** Counts login attempts in the store (shared by replicas) and refuses them over the limits. */
export class LoginThrottle {
  readonly options: ThrottleOptions;

  constructor(
    private readonly deps: { accounts: AuthStore; now: () => Date },
    options: Partial<ThrottleOptions> = {},
  ) {
    this.options = { ...DEFAULT_THROTTLE, ...options };
  }

  /**
   * Counts an attempt at every step, or throws LOGIN_THROTTLED (resource_exhausted; the wait goes
   * in RetryInfo and a retry-after header) when a step is full. It counts before the password is
   * checked, so guesses sent at once count too; a refused attempt is taken back from the steps it had passed. The
   * longest step goes first, so the wait told is the one that binds.
   */
  async take(username: string, address: string): Promise<LoginAttempt> {
    const attempt: LoginAttempt = { username, address, at: this.deps.now() };
    const { perAddressAndUsername, perAddress } = this.options;
    for (let step = this.options.steps; step >= 0; step--) {
      const windowMs = this.windowOf(step);
      const taken = await this.deps.accounts.takeLoginAttempt(
        [
          { key: userKey(attempt, step), limit: perAddressAndUsername * 2 ** step },
          { key: addressKey(attempt, step), limit: perAddress * 2 ** step },
        ],
        attempt.at,
        new Date(attempt.at.getTime() - windowMs),
      );
      if (taken.refused !== undefined) {
        await this.forget(attempt, this.stepsAbove(step), { user: true });
        const retrySeconds = Math.max(1, Math.ceil((taken.oldest.getTime() + windowMs - attempt.at.getTime()) / 1000));
        throw loginThrottled(retrySeconds);
      }
    }
    return attempt;
  }

  /** A failed attempt stays counted; failures older than the longest window are dropped. */
  async failed(): Promise<void> {
    await this.deps.accounts.pruneLoginFailures(new Date(this.deps.now().getTime() - this.windowOf(this.options.steps)));
  }

  /** The right password: the username's count from this address starts over; the address keeps the others. */
  async succeeded(attempt: LoginAttempt): Promise<void> {
    const steps = this.stepsAbove(-1);
    await this.deps.accounts.clearLoginFailures(steps.map((step) => userKey(attempt, step)));
    await this.forget(attempt, steps, { user: false });
  }

  /** The steps longer than `step`. */
  private stepsAbove(step: number): number[] {
    return Array.from({ length: this.options.steps - step }, (_, i) => step + 1 + i);
  }

  private windowOf(step: number): number {
    return this.options.windowMs * 4 ** step;
  }

  /** Takes back the attempt from these steps. */
  private async forget(attempt: LoginAttempt, steps: readonly number[], which: { user: boolean }): Promise<void> {
    for (const step of steps) {
      if (which.user) await this.deps.accounts.forgetLoginAttempt(userKey(attempt, step), attempt.at);
      await this.deps.accounts.forgetLoginAttempt(addressKey(attempt, step), attempt.at);
    }
  }
}

/** Forgets every failed login for a username, from every address: after a password reset. */
export function clearLoginThrottle(accounts: AuthStore, username: string): Promise<void> {
  return accounts.clearLoginFailuresByPrefix([userPrefix(username)]);
}
