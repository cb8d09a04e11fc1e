/**
 * Color contrast after WCAG 2.x: relative luminance, contrast ratio, and the text color that
 * reads best on a background. Status colors are chosen by users, so the text on them is chosen
 * here, by arithmetic, never by hand.
 */
import { normalizeColor } from "./limits.js";

/** WCAG's minimum contrast for normal text (AA). */
export const AA_TEXT_CONTRAST = 4.5;

const BLACK = "#000000";
const WHITE = "#FFFFFF";

/** Red, green and blue of a `#RGB`/`#RRGGBB` color as 0–255, or undefined when it is not one. */
export function parseHexColor(color: string): [number, number, number] | undefined {
  const hex = normalizeColor(color);
  if (!hex) return undefined;
  return [0, 2, 4].map((i) => parseInt(hex.slice(1 + i, 3 + i), 16)) as [number, number, number];
}

/** The relative luminance (0 for black to 1 for white) of a hex color; throws on anything else. */
export function relativeLuminance(color: string): number {
  const rgb = parseHexColor(color);
  if (!rgb) throw new TypeError(`not a #RGB or #RRGGBB color: ${JSON.stringify(color)}`);
  const [r, g, b] = rgb.map((channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two hex colors, from 1 (none) to 21 (black on white). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** Black or white, whichever contrasts more with `background` (at least 4.58:1 for any color). */
export function textColorOn(background: string): typeof BLACK | typeof WHITE {
  return contrastRatio(background, BLACK) >= contrastRatio(background, WHITE) ? BLACK : WHITE;
}

/**
 * A color that is safe to put into a style: the given color normalized to `#RRGGBB`, or
 * `fallback` when it is anything else. The server refuses other colors; this holds even if one
 * got through, so no text from the data ever reaches CSS.
 */
export function safeColor(color: string | undefined, fallback: string): string {
  return (color !== undefined && normalizeColor(color)) || normalizeColor(fallback) || "#808080";
}
