import { tileName } from "./tile-name.js";

/** The smallest the name's type gets to keep its longest word whole, relative to the tile's size. */
const MIN_SCALE = 0.6;
/** The smallest type of all, for a cut whose kept word is still too wide at MIN_SCALE. */
const LAST_RESORT_SCALE = 0.4;
/** Lines a name may take on a tile. */
const MAX_LINES = 2;

/**
 * A Svelte attachment that writes `name` into a tile's heading so that it fits: lines break only
 * between words; a word wider than the tile shrinks the type (to {@link MIN_SCALE}, then it may
 * break anywhere); a name longer than {@link MAX_LINES} lines is cut between words, never to the
 * same text as one of `others` (the other names on the wall) when a cut can tell them apart. The element
 * must have no other content. It re-fits whenever the tile (the `<article>` around it) changes
 * size; the tile's size never depends on the name, so this cannot feed back on itself.
 */
export function fitName(name: string, others: readonly string[] = []): (heading: HTMLElement) => () => void {
  return (heading) => {
    // The tile, whose size the grid sets: observing the heading itself would see its own changes.
    const tile = heading.closest("article") ?? heading.parentElement ?? heading;
    // Two lines at most, and no word sticking out sideways ("eu‑central‑1…" cannot wrap).
    const fits = () => heading.scrollHeight <= Math.ceil(parseFloat(getComputedStyle(heading).lineHeight) * MAX_LINES) + 1 && heading.scrollWidth <= heading.clientWidth + 1;
    const update = () => {
      heading.style.fontSize = "";
      heading.classList.remove("break-anywhere");
      heading.textContent = tileName(name);
      if (heading.clientWidth === 0) return;
      // 1. The longest word must fit the width: shrink the type, or as a last resort break it.
      if (heading.scrollWidth > heading.clientWidth) {
        const scale = Math.max(MIN_SCALE, (heading.clientWidth / heading.scrollWidth) * 0.98);
        heading.style.fontSize = `${scale}em`;
        if (heading.scrollWidth > heading.clientWidth) heading.classList.add("break-anywhere");
      }
      // 2. At most two lines: the longest middle cut that fits.
      if (fits()) return;
      let low = 1;
      let high = [...name].length;
      while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        heading.textContent = tileName(name, mid, others);
        if (fits()) low = mid;
        else high = mid - 1;
      }
      heading.textContent = tileName(name, low, others);
      // The cut that tells this name from its neighbours may keep a word too wide for the tile
      // ("… eu‑central‑1…"): smaller type, and as a last resort a break inside it, rather than
      // letters clipped at the tile's edge.
      if (fits()) return;
      const scale = parseFloat(heading.style.fontSize) || 1;
      heading.style.fontSize = `${Math.max(LAST_RESORT_SCALE, scale * (heading.clientWidth / heading.scrollWidth) * 0.98)}em`;
      if (!fits()) heading.classList.add("break-anywhere");
    };
    const observer = new ResizeObserver(update);
    observer.observe(tile);
    update();
    return () => observer.disconnect();
  };
}
