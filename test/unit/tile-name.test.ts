import { describe, expect, it } from "vitest";
import { tileName } from "../../web/src/lib/display/tile-name.js";

const NB = "\u2011";
/** Every word of a shortened name is a whole word of the name (no cut inside a word). */
function wholeWords(short: string, name: string): boolean {
  const words = new Set(name.replace(/-/g, NB).split(/\s+/));
  return short
    .split(/\s|…/)
    .filter((w) => w !== "")
    .every((w) => words.has(w));
}

describe("tileName", () => {
  it("keeps hyphenated words on one line (non-breaking hyphens)", () => {
    expect(tileName("Payments us-west-2")).toBe(`Payments us${NB}west${NB}2`);
  });

  it("leaves a name that fits alone", () => {
    expect(tileName("Search", 16)).toBe("Search");
  });

  it("cuts between words, never inside one", () => {
    for (const keep of [6, 10, 14, 18, 22]) {
      const short = tileName("Payments gateway primary us-west-2", keep);
      expect(wholeWords(short, "Payments gateway primary us-west-2"), `${keep}: ${short}`).toBe(true);
      expect([...short].length, short).toBeLessThanOrEqual(Math.max(keep, "Payments…".length));
      expect(short).toContain("…");
    }
  });

  it("two names that differ only at the end keep their ends", () => {
    const west = tileName("Payments gateway us-west-2", 20, ["Payments gateway us-east-1"]);
    const east = tileName("Payments gateway us-east-1", 20, ["Payments gateway us-west-2"]);
    expect(west).toBe(`Payments … us${NB}west${NB}2`);
    expect(east).toBe(`Payments … us${NB}east${NB}1`);
  });

  it("names that differ in the middle are never cut to the same text (the telling word is kept)", () => {
    const names = ["Payments us-west-2 primary database", "Payments us-east-1 primary database", "Payments eu-central-1 primary database"];
    for (const keep of [14, 18, 22, 26, 30]) {
      const shown = names.map((name) => tileName(name, keep, names));
      expect(new Set(shown).size, `${keep}: ${shown.join(" | ")}`).toBe(names.length);
      for (const [i, short] of shown.entries()) {
        expect(wholeWords(short, names[i]!), short).toBe(true);
        expect([...short].length, short).toBeLessThanOrEqual(keep);
      }
    }
  });

  it("without rivals, keeps the first word and as much as fits", () => {
    const short = tileName("Payments us-west-2 primary database", 26);
    expect(short.startsWith("Payments ")).toBe(true);
    expect(wholeWords(short, "Payments us-west-2 primary database")).toBe(true);
    expect([...short].length).toBeLessThanOrEqual(26);
    expect([...short].length).toBeGreaterThanOrEqual(18);
  });

  it("a single word too long for the tile is kept whole, with an ellipsis, for the type to shrink around", () => {
    expect(tileName("Supercalifragilistic", 5)).toBe("Supercalifragilistic");
    expect(tileName("Supercalifragilistic expialidocious", 5)).toMatch(/^(Supercalifragilistic…|…expialidocious)$/);
  });
});

describe("shortenName", () => {
  it("when no cut that short tells the names apart, gives the shortest that does, never a neighbour's text", async () => {
    const { shortenName } = await import("../../web/src/lib/display/tile-name.js");
    const names = ["Payments gateway europe-west-2", "Payments gateway europe-west-3"];
    expect(shortenName(names[0]!, 10, names)).toEqual({ text: `…europe${NB}west${NB}2`, distinct: true });
    expect(shortenName(names[1]!, 10, names)).toEqual({ text: `…europe${NB}west${NB}3`, distinct: true });
    expect(shortenName(names[0]!, 10)).toEqual({ text: "Payments…", distinct: true });
  });
});
