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
const clockShortFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });

/** "14:02:11": a 24-hour time, as wall clocks and logs show it. */
export function formatClock(ms: number, seconds = true): string {
  return (seconds ? clockFormat : clockShortFormat).format(ms);
}

/** "Mar 3, 2026, 2:02 PM": a full date and time in the reader's locale. */
export function formatDateTime(ms: number): string {
  return dateTimeFormat.format(ms);
}

/** "Tuesday, 3 March": today's date for a wall display. */
export function formatDay(ms: number): string {
  return dateFormat.format(ms);
}

/** An ISO 8601 string for `<time datetime>`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
