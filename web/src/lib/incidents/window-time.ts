/**
 * Maintenance windows as a visitor reads them: in their own zone, and in the page's zone
 * (`--time-zone`) when that differs, each naming its zone, because "02:00–04:00" alone leaves the
 * reader guessing whose night it is.
 */

/** The reader's zone, as the browser knows it. */
export function readerZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const formats = new Map<string, Intl.DateTimeFormat>();
function formatIn(zone: string): Intl.DateTimeFormat {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, {
      weekday: "short",
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
      timeZone: zone,
    });
    formats.set(zone, format);
  }
  return format;
}

/** "Tue, Dec 1, 02:00 – 04:00 GMT+1": a window in one zone, the zone named. */
export function formatRangeIn(startMs: number, endMs: number, zone: string): string {
  return formatIn(zone).formatRange(startMs, endMs);
}

/** "Tue, Dec 1, 14:02 UTC": one moment in one zone, the zone named. */
export function formatMomentIn(ms: number, zone: string): string {
  return formatIn(zone).format(ms);
}

/** A window in the reader's zone, and in the page's zone when it reads differently. */
export interface WindowTimes {
  readonly reader: string;
  /** Undefined when the page's zone shows the same clock as the reader's. */
  readonly page?: string;
}

/** The window's times for a visitor in `reader` zone on a page whose zone is `page`. */
export function windowTimes(startMs: number, endMs: number, page: string, reader: string = readerZone()): WindowTimes {
  const inReader = formatRangeIn(startMs, endMs, reader);
  const inPage = formatRangeIn(startMs, endMs, page);
  return inPage === inReader ? { reader: inReader } : { reader: inReader, page: inPage };
}
