/**
 * Uptime arithmetic over an item's status history: the time spent in each uptime class within a
 * window, the worst kind seen, and the uptime ratio. Pure, so the server's roll-ups, the web
 * app's live "today" and the tests share one definition. Instants and durations are milliseconds.
 */
import { kindMeta, uptimeClass, type UptimeClass } from "../status-kinds.js";
import { dayStart, addDays } from "./zoned-days.js";

/** From `at` on, the item had a status of `kind` (0 for none), or did not exist (`present` false). */
export interface KindStep {
  at: number;
  kind: number;
  present: boolean;
}

/** Milliseconds spent in each uptime class. */
export type ClassTime = Record<UptimeClass, number>;

/** What a window of an item's history adds up to. */
export interface WindowUptime {
  time: ClassTime;
  /** The worst kind the item was in for any time in the window; undefined when it did not exist. */
  worstKind: number | undefined;
  /** Available (up + degraded) over counted (up + degraded + down) time; undefined when none counted. */
  ratio: number | undefined;
}

/** One calendar day of an item's history. */
export interface DayUptime extends WindowUptime {
  /** "YYYY-MM-DD" in the page's time zone. */
  day: string;
}

/** No time in any class. */
export function emptyClassTime(): ClassTime {
  return { up: 0, degraded: 0, down: 0, uncounted: 0 };
}

/** Available over counted time, or undefined when no time counted. */
export function uptimeRatio(time: ClassTime): number | undefined {
  const counted = time.up + time.degraded + time.down;
  return counted === 0 ? undefined : (time.up + time.degraded) / counted;
}

/** The worse of two kinds by severity; undefined stands for "not seen". */
export function worseKind(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return kindMeta(b).severity > kindMeta(a).severity ? b : a;
}

/** Adds windows together (e.g. days into a 30-day total). */
export function sumWindows(windows: Iterable<WindowUptime>): WindowUptime {
  const time = emptyClassTime();
  let worstKind: number | undefined;
  for (const window of windows) {
    for (const key of Object.keys(time) as UptimeClass[]) time[key] += window.time[key];
    worstKind = worseKind(worstKind, window.worstKind);
  }
  return { time, worstKind, ratio: uptimeRatio(time) };
}

/** The index of the last step at or before `instant`, or -1 (steps are oldest first). */
function stepAt(steps: readonly KindStep[], instant: number): number {
  let low = 0;
  let high = steps.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (steps[middle]!.at <= instant) low = middle + 1;
    else high = middle;
  }
  return low - 1;
}

/** Folds the steps (oldest first) over the window [from, to). */
export function foldWindow(steps: readonly KindStep[], from: number, to: number): WindowUptime {
  const time = emptyClassTime();
  let worstKind: number | undefined;
  let index = stepAt(steps, from);
  let cursor = from;
  while (cursor < to) {
    const current = index >= 0 ? steps[index] : undefined;
    const next = steps[index + 1];
    const until = next ? Math.min(next.at, to) : to;
    if (current?.present && until > cursor) {
      time[uptimeClass(current.kind)] += until - cursor;
      worstKind = worseKind(worstKind, current.kind);
    }
    cursor = Math.max(cursor, until);
    index++;
    if (!next) break;
  }
  return { time, worstKind, ratio: uptimeRatio(time) };
}

/**
 * Each of `days` (oldest first) in `timeZone`, folded up to `now`: a day that has not begun counts
 * nothing, today counts until now.
 */
export function dailyUptime(steps: readonly KindStep[], days: readonly string[], timeZone: string, now: number): DayUptime[] {
  return days.map((day) => {
    const start = dayStart(day, timeZone);
    const end = Math.min(dayStart(addDays(day, 1), timeZone), now);
    return { day, ...foldWindow(steps, start, Math.max(start, end)) };
  });
}
