/** How long to wait between reconnect attempts. */
export interface BackoffOptions {
  /** The first wait, before jitter. */
  initialMs: number;
  /** The longest wait, before jitter. */
  maxMs: number;
  /** Each failed attempt multiplies the wait by this. */
  factor: number;
}

/**
 * For a page left open for weeks: quick first retries, then every 2–4 s for as long as the
 * server is away. The cap is what bounds recovery: a display is back at most ~4 s after the server
 * answers again, however long it was gone (a 30 s cap kept TVs red for up to 30 s). A refused
 * connection costs the server nothing, and the jitter spreads returning displays over those 4 s.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 4_000, factor: 2 };

/**
 * The wait before reconnect attempt `attempt` (0 for the first): exponential, capped, with
 * "equal jitter" (between half and all of the step) so that many displays that lost the same
 * server do not all come back in the same millisecond.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const step = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}
