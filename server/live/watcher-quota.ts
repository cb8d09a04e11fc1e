import { watcherLimitReached, type DomainError } from "../errors.js";

/**
 * Open watch streams per client address (WatchItems over every protocol and `/ws` together), so
 * one client cannot hold thousands of them. The default leaves room for a wall of displays
 * behind one NAT address.
 */
export class WatcherQuota {
  private readonly counts = new Map<string, number>();

  constructor(readonly maxPerClient: number) {}

  /** Takes a place for `address`: its release (safe to call twice), or undefined when it has none left. */
  acquire(address: string): (() => void) | undefined {
    if (!this.take(address)) return undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.give(address);
    };
  }

  /**
   * Takes a place for `address`, as `acquire` does, for a caller that keeps the address and
   * gives the place back itself (`give`, exactly once): no closure per stream.
   */
  take(address: string): boolean {
    const count = this.counts.get(address) ?? 0;
    if (count >= this.maxPerClient) return false;
    this.counts.set(address, count + 1);
    return true;
  }

  /** Gives back a place taken with `take`. */
  give(address: string): void {
    const left = (this.counts.get(address) ?? 1) - 1;
    if (left > 0) this.counts.set(address, left);
    else this.counts.delete(address);
  }

  /** The refusal, the same on every protocol (WATCHER_LIMIT_REACHED, with RetryInfo). */
  refusal(): DomainError {
    return watcherLimitReached(this.maxPerClient);
  }
}

/** Watch streams one client address may hold at once, unless configured. */
export const DEFAULT_MAX_WATCHERS_PER_CLIENT = 500;
