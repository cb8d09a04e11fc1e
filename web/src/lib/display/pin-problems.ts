/**
 * Splits the display's tiles (problems first) into pages of at most `capacity`, with the problem
 * tiles on every page, so that a page turn never hides an outage. Problems are pinned only while
 * they leave at least half of each page for the rest: past that, pinning would multiply the pages
 * (50 problems on 56-tile pages would leave 6 tiles a page), so the tiles are simply paged in order
 * and the problems fill the first pages.
 */
export function pinProblems<T>(items: readonly T[], capacity: number, isProblem: (item: T) => boolean): T[][] {
  const size = Math.max(1, Math.floor(capacity));
  if (items.length <= size) return [[...items]];
  const problems = items.filter(isProblem);
  if (problems.length === 0 || problems.length > size / 2) return chunk(items, size);
  const rest = items.filter((item) => !isProblem(item));
  return chunk(rest, size - problems.length).map((page) => [...problems, ...page]);
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const pages: T[][] = [];
  for (let start = 0; start < items.length; start += size) pages.push(items.slice(start, start + size));
  return pages;
}
