/** Calendar months in the reader's zone, for the history page: "2026-11", its bounds and its name. */

/** A month as "YYYY-MM". */
export type MonthKey = string;

/** The month a moment falls in, in the reader's zone. */
export function monthOf(ms: number): MonthKey {
  const date = new Date(ms);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}`;
}

/** Parses "YYYY-MM" (a sane year); undefined for anything else. */
export function parseMonth(text: string | null): MonthKey | undefined {
  const match = /^(\d{4})-(\d{2})$/.exec(text ?? "");
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  return year >= 1970 && year <= 9999 && month >= 1 && month <= 12 ? `${match[1]}-${match[2]}` : undefined;
}

/** The first instant of the month, in the reader's zone. */
export function monthStart(month: MonthKey): number {
  const [year, index] = month.split("-").map(Number);
  return new Date(year!, index! - 1, 1).getTime();
}

/** The month `delta` months away: -1 is the one before. */
export function addMonths(month: MonthKey, delta: number): MonthKey {
  const [year, index] = month.split("-").map(Number);
  return monthOf(new Date(year!, index! - 1 + delta, 1).getTime());
}

/** The months of a page of history, newest first: `count` months ending with `newest`. */
export function monthsEnding(newest: MonthKey, count: number): MonthKey[] {
  return Array.from({ length: count }, (_, n) => addMonths(newest, -n));
}

/** "November 2026". */
export function monthName(month: MonthKey): string {
  return new Date(monthStart(month)).toLocaleDateString(undefined, { month: "long", year: "numeric" });
}
