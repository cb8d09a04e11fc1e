/**
 * The page's accent color: the brand color of its header band, buttons and focus ring. It is a
 * fill and an outline, never the color of text (text on it is black or white, see textColorOn),
 * so what it must meet is WCAG 2.x non-text contrast (1.4.11): 3:1 against every background it
 * sits on, in the light and in the dark theme. (No color has 4.5:1 against both a white and a
 * near-black background, so a text rule could never pass in both.)
 */
import { contrastRatio } from "./color-contrast.js";
import { normalizeColor } from "./limits.js";

/** WCAG's minimum contrast for user-interface components and graphics. */
export const ACCENT_MIN_CONTRAST = 3;

/** The backgrounds the accent sits on (app.css: --bg, --surface, --surface-2), per theme. */
export const ACCENT_BACKGROUNDS = {
  light: ["#F4F5F7", "#FFFFFF", "#EEF0F3"],
  dark: ["#0C111D", "#161B26", "#1F242F"],
} as const;

/** Where an accent falls short: the worst background it was checked against. */
export interface AccentShortfall {
  theme: "light" | "dark";
  background: string;
  /** Rounded down to two decimals, so "2.99" never reads as passing. */
  ratio: number;
}

/** The worst shortfall of a `#RGB`/`#RRGGBB` accent, or undefined when it reads in both themes. Throws on a non-color. */
export function accentShortfall(color: string): AccentShortfall | undefined {
  const hex = normalizeColor(color);
  if (!hex) throw new TypeError(`not a #RGB or #RRGGBB color: ${JSON.stringify(color)}`);
  let worst: AccentShortfall | undefined;
  for (const theme of ["light", "dark"] as const) {
    for (const background of ACCENT_BACKGROUNDS[theme]) {
      const ratio = contrastRatio(hex, background);
      if (ratio < ACCENT_MIN_CONTRAST && (!worst || ratio < worst.ratio)) worst = { theme, background, ratio: Math.floor(ratio * 100) / 100 };
    }
  }
  return worst;
}
