import type { Logger } from "../../logger.js";
import type { HeartbeatsService } from "./heartbeats.js";

/** How often overdue heartbeats are looked for, unless the app is told otherwise. */
export const DEFAULT_HEARTBEAT_TICK_MS = 1000;

/**
 * Drives `HeartbeatsService.checkOverdue` on a timer (every replica runs one; each transition is
 * made once, by whichever gets there first). `tick()` runs one check now, for tests with a set
 * clock; ticks never overlap. Deadlines are stored, so a restarted server catches up on its first tick.
 */
export class HeartbeatScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<string[]> | undefined;

  constructor(
    private readonly heartbeats: HeartbeatsService,
    private readonly log: Logger,
  ) {}

  /** Ticks every `everyMs` (0: never by itself; tests call `tick`). */
  start(everyMs: number): void {
    if (everyMs <= 0) return;
    this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.log.warn({ err }, "checking heartbeats failed")), everyMs).unref();
  }

  /** Turns every overdue heartbeat late now; resolves to the items turned (by this replica). */
  tick(): Promise<string[]> {
    // A tick already under way is joined rather than doubled.
    this.running ??= this.heartbeats.checkOverdue().finally(() => (this.running = undefined));
    return this.running;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
