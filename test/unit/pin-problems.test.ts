import { describe, expect, it } from "vitest";
import { pinProblems } from "../../web/src/lib/display/pin-problems.js";

const isProblem = (name: string) => name.startsWith("down");
const names = (problems: number, others: number) => [...Array.from({ length: problems }, (_, i) => `down${i}`), ...Array.from({ length: others }, (_, i) => `up${i}`)];

describe("pinProblems", () => {
  it("puts every problem tile on every page, and every other tile on exactly one", () => {
    const pages = pinProblems(names(3, 20), 10, isProblem);
    expect(pages).toHaveLength(3); // 20 others, 7 a page
    for (const page of pages) {
      expect(page.slice(0, 3)).toEqual(["down0", "down1", "down2"]);
      expect(page.length).toBeLessThanOrEqual(10);
    }
    const others = pages.flatMap((page) => page.slice(3));
    expect(others).toEqual(names(0, 20));
  });

  it("is one page when everything fits", () => {
    expect(pinProblems(names(2, 3), 10, isProblem)).toEqual([names(2, 3)]);
  });

  it("pages in order without pinning when problems would take over half of every page", () => {
    const pages = pinProblems(names(50, 151), 56, isProblem);
    expect(pages).toHaveLength(4);
    expect(pages[0]!.slice(0, 50)).toEqual(names(50, 0));
    expect(pages.flat()).toEqual(names(50, 151));
  });

  it("pages in order when nothing is a problem", () => {
    expect(pinProblems(names(0, 25), 10, isProblem).map((p) => p.length)).toEqual([10, 10, 5]);
  });
});
