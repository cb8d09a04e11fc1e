import { describe, expect, it } from "vitest";
import { DEFAULT_FIT, fitGrid } from "../../web/src/lib/display/fit-grid.js";

// The grid area of /display at 1920×1080, below the header bar.
const TV = { width: 1888, height: 972 };

describe("fitGrid", () => {
  it("fits every tile inside the area, with the gaps", () => {
    for (const count of [1, 2, 3, 7, 12, 20, 35, 50, 56, 57, 120, 200, 1000]) {
      const fit = fitGrid(count, TV.width, TV.height);
      expect(fit.columns * fit.tileWidth + (fit.columns - 1) * DEFAULT_FIT.gap, `width for ${count}`).toBeLessThanOrEqual(TV.width);
      expect(fit.rows * fit.tileHeight + (fit.rows - 1) * DEFAULT_FIT.gap, `height for ${count}`).toBeLessThanOrEqual(TV.height);
      expect(fit.columns * fit.rows, `cells for ${count}`).toBeGreaterThanOrEqual(fit.perPage);
      expect(fit.perPage * fit.pages, `room for all ${count}`).toBeGreaterThanOrEqual(count);
      expect(fit.tileWidth).toBeGreaterThanOrEqual(DEFAULT_FIT.minTileWidth);
      expect(fit.tileHeight).toBeGreaterThanOrEqual(DEFAULT_FIT.minTileHeight);
    }
  });

  it("shows 50 items on one 1920×1080 screen, legibly", () => {
    const fit = fitGrid(50, TV.width, TV.height);
    expect(fit.pages).toBe(1);
    expect(fit.nameSize).toBeGreaterThanOrEqual(24);
  });

  it("pages beyond what fits, with every page laid out alike", () => {
    const fit = fitGrid(200, TV.width, TV.height);
    expect(fit.pages).toBeGreaterThan(1);
    expect(fit.perPage).toBeGreaterThanOrEqual(50);
    expect(fit.pages).toBe(Math.ceil(200 / fit.perPage));
    expect(fitGrid(201, TV.width, TV.height).tileWidth).toBe(fit.tileWidth);
  });

  it("makes tiles and type larger when there are fewer items", () => {
    const sizes = [1, 4, 12, 30, 50].map((n) => fitGrid(n, TV.width, TV.height).nameSize);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(sizes[i - 1]!);
    expect(sizes[0]).toBe(DEFAULT_FIT.maxNameSize);
  });

  it("prefers wide tiles on a wide screen and a single column on a phone", () => {
    const tv = fitGrid(12, TV.width, TV.height);
    expect(tv.tileWidth).toBeGreaterThan(tv.tileHeight);
    expect(fitGrid(5, 374, 760).columns).toBe(1);
  });

  it("copes with an area not measured yet", () => {
    const fit = fitGrid(10, 0, 0);
    expect(fit.perPage).toBeGreaterThanOrEqual(1);
    expect(Number.isFinite(fit.nameSize)).toBe(true);
  });
});
