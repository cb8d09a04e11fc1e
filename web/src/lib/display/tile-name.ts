/**
 * A name as a tile shows it: hyphens that do not break ("us‑west‑2" stays on one line) and, when
 * it is cut to `keep` characters, the cut in the middle so that the end, which often tells two
 * names apart ("Payments us‑west‑2" / "Payments us‑east‑1"), stays visible.
 */
export function tileName(name: string, keep = Infinity): string {
  const chars = [...name.replace(/-/g, "\u2011")];
  if (chars.length <= keep) return chars.join("");
  const head = Math.max(1, Math.floor((keep - 1) * 0.45));
  const tail = Math.max(1, keep - 1 - head);
  return `${chars.slice(0, head).join("").trimEnd()}…${chars.slice(-tail).join("").trimStart()}`;
}
