/** How far the text's type may shrink to show all of it, relative to its own size, and never below 14 px. */
const MIN_SCALE = 0.75;
const MIN_PX = 14;

/**
 * A Svelte attachment for a box whose height the layout decides (a flex item): its text child
 * takes a somewhat smaller type if that shows all of it; otherwise, at its own size, it shows as
 * many whole lines as fit, the last one ending in an ellipsis, instead of a line cut in half. It
 * sets the child's font size and `-webkit-line-clamp` through the CSSOM whenever the box's size
 * changes; the box's size never depends on the child, so this cannot feed back on itself.
 */
export function clampToFit(box: HTMLElement): () => void {
  const update = () => {
    const text = box.firstElementChild as HTMLElement | null;
    if (!text) return;
    text.style.removeProperty("font-size");
    text.style.setProperty("-webkit-line-clamp", "none");
    text.style.setProperty("line-clamp", "none");
    const base = parseFloat(getComputedStyle(text).fontSize);
    if (base > 0 && box.clientHeight > 0) {
      const floor = Math.max(Math.min(base, MIN_PX), base * MIN_SCALE);
      let size = base;
      while (text.scrollHeight > box.clientHeight + 0.5 && size * 0.92 >= floor) {
        size *= 0.92;
        text.style.fontSize = `${size}px`;
      }
      // Smaller type that still cannot show all of it only looks uneven: back to the tile's own size.
      if (text.scrollHeight > box.clientHeight + 0.5) text.style.removeProperty("font-size");
    }
    const lineHeight = parseFloat(getComputedStyle(text).lineHeight);
    if (!(lineHeight > 0)) return;
    const lines = Math.floor((box.clientHeight + 0.5) / lineHeight);
    text.style.setProperty("-webkit-line-clamp", String(Math.max(1, lines)));
    text.style.setProperty("line-clamp", String(Math.max(1, lines)));
    text.style.setProperty("visibility", lines >= 1 ? "visible" : "hidden");
  };
  const observer = new ResizeObserver(update);
  observer.observe(box);
  update();
  return () => observer.disconnect();
}
