import type { Logger } from "../logger.js";
import type { AuditActor } from "../store/audit-context.js";
import type { MaintenanceService } from "./maintenance.js";

/** How many due windows one tick handles (the rest wait for the next). */
const BATCH = 100;

/**
 * Drives maintenance windows through their transitions: each tick asks the store which windows
 * have one due at the clock's now, and applies each (MaintenanceService.advance, which does
 * nothing if another replica already did). It ticks once at start, so a server that was down at a
 * window's start or end catches up at once, then every `everyMs`. Tests call `tick()` themselves
 * with a pinned clock.
 */
export class MaintenanceScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;
  /** Transitions this process applied (for tests and /metrics). */
  applied = 0;

  constructor(
    private readonly maintenance: MaintenanceService,
    private readonly log: Logger,
    private readonly everyMs: number,
  ) {}

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  /** Stops ticking; resolves once a tick under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Applies every transition due now; resolves with how many this call applied. Overlapping calls share one run. */
  tick(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<number> {
    let count = 0;
    try {
      for (const id of await this.maintenance.due(BATCH)) {
        // Audited as the scheduler's; a replica that finds the transition already made writes no row.
        const audit: AuditActor = {
          actor: "scheduler",
          actorId: "",
          procedure: "scheduler maintenance transition",
          objectType: "maintenance",
          objectId: id,
          clientAddress: "",
          summary: "",
        };
        if (await this.maintenance.advance(id, audit)) count++;
      }
    } catch (error) {
      // The windows stay due: the next tick tries again.
      this.log.error({ err: error }, "applying maintenance transitions failed");
    }
    this.applied += count;
    return count;
  }
}
