/** Delays before each retry of a failing delivery: quick at first, then every few hours. */
const DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 3_600_000, 3 * 3_600_000];

/** A destination that has failed for this long without one success is disabled. */
export const DISABLE_AFTER_MS = 24 * 3_600_000;

/**
 * How long to wait after the `failures`-th failure in a row (1 = the first), jittered by ±20%
 * so that destinations that failed together (a receiver's outage) are not retried in lockstep.
 */
export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const base = DELAYS_MS[Math.min(Math.max(failures, 1), DELAYS_MS.length) - 1]!;
  return Math.round(base * (0.8 + 0.4 * random()));
}
