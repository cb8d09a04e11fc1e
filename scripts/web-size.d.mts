/** One built file a page downloads: its path under build/web, what it was built from, its gzipped size. */
export interface Download {
  file: string;
  source: string;
  gz: number;
}
/** /display's budget for its first paint, in gzipped bytes. */
export const DISPLAY_BUDGET_BYTES: number;
/** What `route` downloads before it shows anything (the budget) and what it may load later, from the last build. */
export function pageDownloads(route: string, root?: string): { firstPaint: Download[]; lazy: Download[] };
/** JS and CSS bytes of a list of downloads. */
export function totals(files: readonly Download[]): { js: number; css: number };
/** Prints first paint per page and /display's lazy files; returns /display's first paint in bytes. */
export function reportSizes(log?: (line: string) => void, root?: string): number;
