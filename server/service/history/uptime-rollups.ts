import { foldWindow, type DayUptime, type KindStep } from "../../../shared/history/uptime-fold.js";
import { addDays, dayStart, localDay } from "../../../shared/history/zoned-days.js";

/**
 * Daily uptime roll-ups, kept as the history grows: a finished day is folded once and kept;
 * only today (and a day a late transition touches) is folded again. So a request for 200 items
 * by 90 days copies kept days instead of walking their transitions.
 */
export class UptimeRollups {
  private readonly days = new Map<string, Map<string, DayUptime>>();
  private readonly starts = new Map<string, number>();

  constructor(readonly timeZone: string) {}

  /** Forgets the kept days of an item from the day of a new transition on. */
  invalidate(itemId: string, at: number): void {
    const kept = this.days.get(itemId);
    if (!kept) return;
    const from = localDay(at, this.timeZone);
    for (const day of kept.keys()) if (day >= from) kept.delete(day);
  }

  /** The item's uptime for each of `days` (oldest first), counted up to `now`. */
  daysOf(itemId: string, steps: () => readonly KindStep[], days: readonly string[], now: number): DayUptime[] {
    let kept = this.days.get(itemId);
    if (!kept) this.days.set(itemId, (kept = new Map()));
    return days.map((day) => {
      const start = this.startOf(day);
      const end = this.startOf(addDays(day, 1));
      const finished = end <= now;
      const known = finished ? kept.get(day) : undefined;
      if (known) return known;
      const folded: DayUptime = { day, ...foldWindow(steps(), start, Math.max(start, Math.min(end, now))) };
      if (finished) kept.set(day, folded);
      return folded;
    });
  }

  /** When a day begins, remembered: zone arithmetic is the slow part. */
  private startOf(day: string): number {
    let start = this.starts.get(day);
    if (start === undefined) this.starts.set(day, (start = dayStart(day, this.timeZone)));
    return start;
  }
}
