/**
 * A token bucket per key (an API token, a heartbeat URL): `burst` calls at once, refilled at
 * `perSecond`. In memory, per process: a hook's sender talks to one replica at a time, and the
 * limit is there to keep one runaway sender from starving the rest, not to count exactly.
 */
export interface CallBudgetOptions {
  perSecond: number;
  burst: number;
}

/** Buckets idle this long are dropped, so keys that come and go hold no memory. */
const IDLE_MS = 10 * 60_000;

export class CallBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweptAt = 0;

  constructor(
    readonly options: CallBudgetOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one call from `key`'s budget: 0 when it may go on, else the seconds until it may retry. */
  take(key: string): number {
    const now = this.now();
    this.sweep(now);
    const { perSecond, burst } = this.options;
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  private sweep(now: number): void {
    if (now - this.sweptAt < IDLE_MS) return;
    this.sweptAt = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.at > IDLE_MS) this.buckets.delete(key);
  }
}
