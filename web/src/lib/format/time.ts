import { timestampMs } from "@bufbuild/protobuf/wkt";
import type { Timestamp } from "@bufbuild/protobuf/wkt";

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 d ago": how long ago, for people. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

/** A protobuf timestamp as epoch milliseconds, or undefined when unset. */
export function toMs(timestamp: Timestamp | undefined): number | undefined {
  return timestamp ? timestampMs(timestamp) : undefined;
}

const clockFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
const clockZonedFormat = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
});
const clockShortFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
// timeStyle "long" carries the zone ("2:02:11 PM UTC").
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "long" });
const zonedTimeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" });
const zonedDateTimeFormat = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
});
const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });

/** "14:02:11": a 24-hour time, as wall clocks and logs show it. */
export function formatClock(ms: number, seconds = true): string {
  return (seconds ? clockFormat : clockShortFormat).format(ms);
}

/** "14:02:11 UTC": a 24-hour time with its zone, for a moment people compare across places. */
export function formatClockZoned(ms: number): string {
  return clockZonedFormat.format(ms);
}

/** "UTC", "GMT+1", "PST": the reader's zone, short, for a wall clock that shows no other. */
export function zoneName(ms: number): string {
  return clockZonedFormat.formatToParts(ms).find((part) => part.type === "timeZoneName")?.value ?? "";
}

/** "Mar 3, 2026, 2:02:11 PM UTC": a full date and time, with its zone, in the reader's locale. */
export function formatDateTime(ms: number): string {
  return dateTimeFormat.format(ms);
}

/**
 * "14:02 UTC" today, "28 Nov, 14:02 UTC" another day: a moment with its zone, because a status
 * page is read from many zones and "14:02" alone leaves the reader guessing whose.
 */
export function formatWhen(ms: number, now: number): string {
  return (new Date(ms).toDateString() === new Date(now).toDateString() ? zonedTimeFormat : zonedDateTimeFormat).format(ms);
}

/** "Tuesday, 3 March": today's date for a wall display. */
export function formatDay(ms: number): string {
  return dateFormat.format(ms);
}

/** An ISO 8601 string for `<time datetime>`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
