/**
 * When the webhooks page asks the server again. Delivery runs on the server after a change
 * commits, so it lands a moment after the live stream tells of the change, and its progress
 * (attempts, retries, a webhook disabled after failing for a day) writes no change-log entry the
 * stream could report. So:
 * - after a change (the stream's, or one made on the page): at once-ish (`firstMs`), then every
 *   `everyMs` while some webhook is still sending (`sending()`), for at most `forMs`;
 * - otherwise slowly (`slowMs`), for what moves without any change: retries coming due, a
 *   webhook disabled by the server, another admin's edits to webhooks (which the stream does not
 *   carry either).
 */
export interface DeliveryFollowOptions {
  /** Fetches the webhooks (and the open deliveries) again. */
  refresh: () => Promise<void>;
  /** Whether some webhook still has events it is working through (not waiting for a retry). */
  sending: () => boolean;
  firstMs?: number;
  everyMs?: number;
  forMs?: number;
  slowMs?: number;
}

export class DeliveryFollow {
  readonly #o: Required<DeliveryFollowOptions>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #until = 0;
  #stopped = false;

  constructor(options: DeliveryFollowOptions) {
    this.#o = { firstMs: 300, everyMs: 1_000, forMs: 30_000, slowMs: 30_000, ...options };
    this.#schedule(this.#o.slowMs);
  }

  /** Something changed: follow its deliveries closely for a while. */
  changed(): void {
    this.#until = Date.now() + this.#o.forMs;
    this.#schedule(this.#o.firstMs);
  }

  /** Ask now (the page came back into view), then go on as before. */
  now(): void {
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#step(), ms);
  }

  async #step(): Promise<void> {
    try {
      await this.#o.refresh();
    } finally {
      const following = Date.now() < this.#until && this.#o.sending();
      this.#schedule(following ? this.#o.everyMs : this.#o.slowMs);
    }
  }
}
