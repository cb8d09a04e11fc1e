import { emptyClassTime, foldWindow, uptimeRatio, worseKind, type DayUptime, type KindStep, type WindowUptime } from "../../../shared/history/uptime-fold.js";
import { addDays, dayStart, daysBetween, localDay } from "../../../shared/history/zoned-days.js";

/** A calendar day with its bounds in the page's zone (epoch ms; `end` is the next day's start). */
export interface CalendarDay {
  day: string;
  start: number;
  end: number;
}

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
    if (!kept || kept.size === 0) return;
    const from = localDay(at, this.timeZone);
    for (const day of kept.keys()) if (day >= from) kept.delete(day);
  }

  /** The `count` calendar days ending with the one `now` is in, oldest first, with their bounds. */
  calendar(count: number, now: number): CalendarDay[] {
    const today = localDay(now, this.timeZone);
    return daysBetween(addDays(today, 1 - count), today).map((day) => ({ day, start: this.startOf(day), end: this.startOf(addDays(day, 1)) }));
  }

  /** The item's uptime for each calendar day (oldest first), counted up to `now`. */
  daysOf(itemId: string, steps: () => readonly KindStep[], calendar: readonly CalendarDay[], now: number): DayUptime[] {
    let kept = this.days.get(itemId);
    if (!kept) this.days.set(itemId, (kept = new Map()));
    const out: DayUptime[] = new Array(calendar.length);
    for (let i = 0; i < calendar.length; i++) {
      const { day, start, end } = calendar[i]!;
      const finished = end <= now;
      let folded = finished ? kept.get(day) : undefined;
      if (!folded) {
        folded = { day, ...foldWindow(steps(), start, Math.max(start, Math.min(end, now))) };
        if (finished) kept.set(day, folded);
      }
      out[i] = folded;
    }
    return out;
  }

  /** When a day begins, remembered: zone arithmetic is the slow part. */
  private startOf(day: string): number {
    let start = this.starts.get(day);
    if (start === undefined) this.starts.set(day, (start = dayStart(day, this.timeZone)));
    return start;
  }
}

/** Adds up the last `count` days (a plain loop: this runs for every item on every request). */
export function lastDays(days: readonly DayUptime[], count: number): WindowUptime {
  const time = emptyClassTime();
  let worstKind: number | undefined;
  for (let i = Math.max(0, days.length - count); i < days.length; i++) {
    const day = days[i]!;
    time.up += day.time.up;
    time.degraded += day.time.degraded;
    time.down += day.time.down;
    time.uncounted += day.time.uncounted;
    if (day.worstKind !== undefined && day.worstKind !== worstKind) worstKind = worseKind(worstKind, day.worstKind);
  }
  return { time, worstKind, ratio: uptimeRatio(time) };
}
