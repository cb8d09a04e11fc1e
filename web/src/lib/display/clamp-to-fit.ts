/**
 * A Svelte attachment for a box whose height the layout decides (a flex item): its text child
 * shows as many whole lines as fit, the last one ending in an ellipsis, instead of a line cut in
 * half. It sets `-webkit-line-clamp` on the child through the CSSOM whenever the box's size changes;
 * the box's size never depends on the child, so this cannot feed back on itself.
 */
export function clampToFit(box: HTMLElement): () => void {
  const update = () => {
    const text = box.firstElementChild as HTMLElement | null;
    if (!text) return;
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
