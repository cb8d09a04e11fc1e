import type { GetUptimeResponse, Uptime } from "$shared/gen/statusthing/v1/history_pb.js";
import type { Item } from "$shared/gen/statusthing/v1/types_pb.js";
import { emptyClassTime, foldWindow, uptimeRatio, worseKind, type ClassTime, type KindStep } from "$shared/history/uptime-fold.js";
import { localDay } from "$shared/history/zoned-days.js";
import { toMs } from "../format/time.js";

/** One bar: a calendar day of an item, with that day's notes. */
export interface DayBar {
  date: string;
  /** Milliseconds per uptime class. */
  time: ClassTime;
  worstKind: number | undefined;
  ratio: number | undefined;
  notes: readonly string[];
}

/** What the server said about one item's days, and how its status moved since (seen live). */
export interface ItemDays {
  /** Oldest first; the last is today, counted up to `asOf`. */
  days: DayBar[];
  /** When the server counted to. */
  asOf: number;
  /** The item's status kind at `asOf`, and each change seen since, oldest first. */
  steps: KindStep[];
}

const fromUptime = (date: string, uptime: Uptime | undefined): DayBar => ({
  date,
  time: {
    up: (uptime?.upSeconds ?? 0) * 1_000,
    degraded: (uptime?.degradedSeconds ?? 0) * 1_000,
    down: (uptime?.downSeconds ?? 0) * 1_000,
    uncounted: (uptime?.uncountedSeconds ?? 0) * 1_000,
  },
  worstKind: uptime?.worstKind,
  ratio: uptime?.ratio,
  notes: [],
});

/** The server's answer, per item, as bars to extend live. */
export function itemDaysFrom(response: GetUptimeResponse, kindOf: (itemId: string) => number | undefined): Map<string, ItemDays> {
  const asOf = toMs(response.now) ?? Date.now();
  const out = new Map<string, ItemDays>();
  for (const item of response.items) {
    const kind = kindOf(item.itemId);
    out.set(item.itemId, {
      days: item.days.map((day) => fromUptime(day.date, day.uptime)),
      asOf,
      steps: kind === undefined ? [] : [{ at: asOf, kind, present: true }],
    });
  }
  return out;
}

/** Records an item's status kind as seen now, if it differs from the last one known. */
export function withKindSeen(days: ItemDays, kind: number, at: number): ItemDays {
  const last = days.steps.at(-1);
  if (last && last.kind === kind) return days;
  return { ...days, steps: [...days.steps, { at: Math.max(at, days.asOf), kind, present: true }] };
}

/**
 * The bars as of `now`: the server's days, with today extended by what was seen live since it
 * counted, and each day's notes (from the live item) attached.
 */
export function barsAsOf(days: ItemDays, item: Item | undefined, timeZone: string, now: number): DayBar[] {
  const notesByDay = new Map<string, string[]>();
  for (const note of item?.notes ?? []) {
    const created = toMs(note.timestamps?.created);
    if (created === undefined) continue;
    const day = localDay(created, timeZone);
    notesByDay.set(day, [...(notesByDay.get(day) ?? []), note.text]);
  }
  const bars = days.days.map((bar) => ({ ...bar, notes: notesByDay.get(bar.date) ?? [] }));
  const today = bars.at(-1);
  if (today && now > days.asOf) {
    const since = foldWindow(days.steps, days.asOf, now);
    const time = emptyClassTime();
    for (const key of Object.keys(time) as (keyof ClassTime)[]) time[key] = today.time[key] + since.time[key];
    bars[bars.length - 1] = { ...today, time, worstKind: worseKind(today.worstKind, since.worstKind), ratio: uptimeRatio(time) };
  }
  return bars;
}

/** The ratio over the last `count` bars, or undefined when nothing counted. */
export function ratioOver(bars: readonly DayBar[], count: number): number | undefined {
  const time = emptyClassTime();
  for (const bar of bars.slice(-count)) for (const key of Object.keys(time) as (keyof ClassTime)[]) time[key] += bar.time[key];
  return uptimeRatio(time);
}

/** "99.95 %", with as many decimals as it takes not to round an outage away to 100 %. */
export function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined) return "no data";
  if (ratio === 1) return "100 %";
  const percent = ratio * 100;
  return `${Math.min(percent, 99.99).toFixed(2)} %`;
}

/** "2 h 5 min", "42 min", "< 1 min". */
export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return ms > 0 ? "< 1 min" : "0 min";
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}
