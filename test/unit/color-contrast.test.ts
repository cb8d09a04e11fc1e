import { describe, expect, it } from "vitest";
import { AA_TEXT_CONTRAST, contrastRatio, parseHexColor, relativeLuminance, safeColor, textColorOn } from "../../shared/color-contrast.js";
import { ALL_KINDS } from "../../shared/status-kinds.js";

describe("color contrast (WCAG 2)", () => {
  it("computes luminance and the ratios WCAG publishes", () => {
    expect(relativeLuminance("#000")).toBe(0);
    expect(relativeLuminance("#FFFFFF")).toBeCloseTo(1, 10);
    expect(contrastRatio("#000000", "#FFFFFF")).toBeCloseTo(21, 5);
    expect(contrastRatio("#FFFFFF", "#000000")).toBeCloseTo(21, 5);
    // #767676 on white is the classic "just passes AA" gray.
    expect(contrastRatio("#767676", "#FFFFFF")).toBeCloseTo(4.54, 2);
  });

  it("picks black on light colors and white on dark ones", () => {
    expect(textColorOn("#5DFC0A")).toBe("#000000"); // the default UP green
    expect(textColorOn("#EEEB8D")).toBe("#000000"); // the default WARNING yellow
    expect(textColorOn("#FF0000")).toBe("#000000"); // pure red: black reads better (5.25 vs 4.0)
    expect(textColorOn("#1849A9")).toBe("#FFFFFF");
    expect(textColorOn("#000")).toBe("#FFFFFF");
  });

  it("reaches AA contrast for text on every kind's color and on a sweep of colors", () => {
    for (const meta of ALL_KINDS) expect(contrastRatio(meta.color, textColorOn(meta.color)), meta.label).toBeGreaterThanOrEqual(AA_TEXT_CONTRAST);
    for (let r = 0; r < 256; r += 17) {
      for (let g = 0; g < 256; g += 17) {
        for (let b = 0; b < 256; b += 17) {
          const color = `#${[r, g, b].map((c) => c.toString(16).padStart(2, "0")).join("")}`;
          expect(contrastRatio(color, textColorOn(color))).toBeGreaterThanOrEqual(AA_TEXT_CONTRAST);
        }
      }
    }
  });

  it("lets only #RGB and #RRGGBB into a style", () => {
    expect(parseHexColor("#abc")).toEqual([0xaa, 0xbb, 0xcc]);
    expect(safeColor("#f90", "#000000")).toBe("#FF9900");
    for (const hostile of ["red", "#FF0000;background:url(https://evil.example/x)", "url(x)", "#12345", "expression(alert(1))", '#FFF"', ""]) {
      expect(safeColor(hostile, "#17B26A"), hostile).toBe("#17B26A");
    }
    expect(safeColor(undefined, "nonsense")).toBe("#808080");
    expect(() => relativeLuminance("blue")).toThrow(TypeError);
  });
});
