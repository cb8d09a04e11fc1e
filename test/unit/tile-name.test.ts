import { describe, expect, it } from "vitest";
import { tileName } from "../../web/src/lib/display/tile-name.js";

describe("tileName", () => {
  it("keeps hyphenated words on one line (non-breaking hyphens)", () => {
    expect(tileName("Payments us-west-2")).toBe("Payments us\u2011west\u20112");
  });

  it("cuts a long name in the middle, keeping the end that tells two names apart", () => {
    const west = tileName("Payments gateway us-west-2", 16);
    const east = tileName("Payments gateway us-east-1", 16);
    expect(west).not.toBe(east);
    expect(west.endsWith("west\u20112")).toBe(true);
    expect(west.startsWith("Paym")).toBe(true);
    expect([...west].length).toBeLessThanOrEqual(16);
  });

  it("leaves a name that fits alone", () => {
    expect(tileName("Search", 16)).toBe("Search");
  });
});
