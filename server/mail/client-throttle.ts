/** Subscribe requests one client address may make per window (defaults: 5 per 10 minutes). */
export interface ClientThrottleOptions {
  perClient: number;
  windowMs: number;
}

export const DEFAULT_CLIENT_THROTTLE: ClientThrottleOptions = { perClient: 5, windowMs: 10 * 60_000 };

/** Addresses remembered at most; past it the oldest are forgotten (memory stays bounded under a flood of addresses). */
const MAX_CLIENTS = 50_000;

/**
 * Counts Subscribe requests per client address in memory (per replica: a client spread over N
 * replicas gets N times the allowance, which still bounds it). A sliding window: the wait told
 * is until the oldest request in it leaves.
 */
export class ClientThrottle {
  private readonly seen = new Map<string, number[]>();

  constructor(
    private readonly now: () => Date,
    readonly options: ClientThrottleOptions = DEFAULT_CLIENT_THROTTLE,
  ) {}

  /** Counts a request from `client`; returns 0 when it may go on, else the seconds to wait. */
  take(client: string): number {
    const now = this.now().getTime();
    const since = now - this.options.windowMs;
    const times = (this.seen.get(client) ?? []).filter((t) => t > since);
    if (times.length >= this.options.perClient) {
      this.seen.set(client, times);
      return Math.max(1, Math.ceil((times[0]! + this.options.windowMs - now) / 1000));
    }
    times.push(now);
    // Re-inserted last, so the map's order is least recently seen first.
    this.seen.delete(client);
    this.seen.set(client, times);
    while (this.seen.size > MAX_CLIENTS) this.seen.delete(this.seen.keys().next().value!);
    return 0;
  }
}
