/**
 * Calendar days in a time zone (an IANA name such as "Europe/Berlin"), with the standard library's
 * Intl only. A day runs from one local midnight to the next, so a daylight-saving day lasts 23 or
 * 25 hours. Days are named "YYYY-MM-DD"; instants are epoch milliseconds.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Whether `timeZone` is an IANA time zone name this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return timeZone.trim() !== "";
  } catch {
    return false;
  }
}

/**
 * Zones whose wall clock is UTC's: answered by arithmetic, so the default zone never loads ICU's
 * time zone data (several MB of a server's memory at start-up, where history is warmed).
 */
const UTC_NAMES = new Set(["UTC", "Etc/UTC"]);

/** The wall-clock fields at an instant in a zone, as if that wall clock were UTC (ms), to the second as Intl gives them. */
function wallClockAsUtc(instant: number, timeZone: string): number {
  if (UTC_NAMES.has(timeZone)) return Math.floor(instant / 1_000) * 1_000;
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** The calendar day an instant falls on in a zone, "YYYY-MM-DD". */
export function localDay(instant: number, timeZone: string): string {
  return new Date(wallClockAsUtc(instant, timeZone)).toISOString().slice(0, 10);
}

/** The day after (or, with a negative step, before) a "YYYY-MM-DD" day. */
export function addDays(day: string, step: number): string {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + step)).toISOString().slice(0, 10);
}

/**
 * The instant a day begins in a zone: its first local midnight (or, where a clock change skips
 * midnight, the first instant of that day).
 */
export function dayStart(day: string, timeZone: string): number {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  const wall = Date.UTC(year, month - 1, date);
  // The zone's offset near that midnight, refined once: offsets change at most once around it.
  let guess = wall - (wallClockAsUtc(wall, timeZone) - wall);
  guess = wall - (wallClockAsUtc(guess, timeZone) - guess);
  if (localDay(guess, timeZone) === day && localDay(guess - 1, timeZone) < day) return guess;
  // Where midnight does not exist (clocks jump from 23:59 to 01:00): search for the day's first instant.
  let low = wall - 15 * 3_600_000;
  let high = wall + 15 * 3_600_000;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (localDay(middle, timeZone) < day) low = middle;
    else high = middle;
  }
  return high;
}

/** The days from `first` to `last`, both included, oldest first. */
export function daysBetween(first: string, last: string): string[] {
  const days: string[] = [];
  for (let day = first; day <= last; day = addDays(day, 1)) days.push(day);
  return days;
}
