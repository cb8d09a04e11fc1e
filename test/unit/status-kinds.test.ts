import { describe, expect, it } from "vitest";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { ALL_KINDS, compareSeverity, isKnownKind, kindMeta, overallStatus, parseKind, parseKinds } from "../../shared/status-kinds.js";
import { parseWatchQuery } from "../../server/live/ws-feed.js";

describe("status kind metadata", () => {
  it("covers every StatusKind with a label, an icon and a banner", () => {
    const numbers = Object.values(StatusKind).filter((v): v is number => typeof v === "number");
    for (const kind of numbers) {
      const meta = kindMeta(kind);
      expect(meta.kind, `kind ${kind}`).toBe(kind);
      expect(meta.label).not.toBe("");
      expect(meta.banner).not.toBe("");
      expect(meta.color).toMatch(/^#[0-9A-F]{6}$/);
    }
    expect(ALL_KINDS).toHaveLength(numbers.length);
  });

  it("orders down before warning before up, and puts every problem above every non-problem", () => {
    const order = [StatusKind.UP, StatusKind.WARNING, StatusKind.DOWN, StatusKind.OBSERVING].sort(compareSeverity);
    expect(order).toEqual([StatusKind.DOWN, StatusKind.WARNING, StatusKind.OBSERVING, StatusKind.UP]);
    const lowestProblem = Math.min(...ALL_KINDS.filter((k) => k.problem).map((k) => k.severity));
    const highestOther = Math.max(...ALL_KINDS.filter((k) => !k.problem).map((k) => k.severity));
    expect(lowestProblem).toBeGreaterThan(highestOther);
  });

  it("reads an unknown number as 'No status' instead of failing", () => {
    expect(kindMeta(99 as StatusKind).label).toBe("No status");
    expect(kindMeta(undefined).kind).toBe(StatusKind.UNKNOWN);
  });
});

describe("overallStatus", () => {
  it("says all systems operational when everything is up", () => {
    const overall = overallStatus([StatusKind.UP, StatusKind.ONLINE, StatusKind.AVAILABLE]);
    expect(overall.banner).toBe("All systems operational");
    expect(overall.problems).toBe(0);
    expect(overall.total).toBe(3);
  });

  it("takes the worst kind's wording: partial outage for a warning, major outage for a down", () => {
    expect(overallStatus([StatusKind.UP, StatusKind.WARNING]).banner).toBe("Partial outage");
    const overall = overallStatus([StatusKind.UP, StatusKind.WARNING, StatusKind.DOWN, StatusKind.UP]);
    expect(overall.banner).toBe("Major outage");
    expect(overall.worst.kind).toBe(StatusKind.DOWN);
    expect(overall.problems).toBe(2);
  });

  it("does not call an item without a status a problem", () => {
    expect(overallStatus([StatusKind.UP, undefined]).banner).toBe("All systems operational");
    expect(overallStatus([undefined]).problems).toBe(0);
  });

  it("says so when there is nothing", () => {
    expect(overallStatus([]).banner).toBe("No systems listed yet");
  });
});

describe("parseKind", () => {
  it("takes short names, full names and numbers, in any case", () => {
    expect(parseKind("down")).toBe(StatusKind.DOWN);
    expect(parseKind(" STATUS_KIND_WARNING ")).toBe(StatusKind.WARNING);
    expect(parseKind("status_kind_observing")).toBe(StatusKind.OBSERVING);
    expect(parseKind("11")).toBe(StatusKind.DECOMM);
  });

  it("refuses unknown words, UNKNOWN and numbers out of range", () => {
    for (const text of ["", "nope", "unknown", "0", "12", "-1", "1.5", "constructor", "toString"]) expect(parseKind(text), text).toBeUndefined();
  });

  it("parses comma lists and repeated values, skipping junk and duplicates", () => {
    expect(parseKinds(["down,warning", "DOWN", "bogus", "3"])).toEqual([StatusKind.DOWN, StatusKind.WARNING]);
  });
});

describe("isKnownKind", () => {
  it("knows every defined number, UNKNOWN included, and nothing else", () => {
    for (const meta of ALL_KINDS) expect(isKnownKind(meta.kind), String(meta.kind)).toBe(true);
    for (const value of [-1, 12, 1.5, Number.NaN]) expect(isKnownKind(value), String(value)).toBe(false);
  });
});

describe("one parser for kinds as text", () => {
  it("the /ws query takes what the display URL takes, and refuses what it refuses", () => {
    const { filter } = parseWatchQuery(new URLSearchParams("kinds=down,status_kind_warning&kind=11"));
    expect([...filter.kinds]).toEqual([StatusKind.DOWN, StatusKind.WARNING, StatusKind.DECOMM]);
    for (const text of ["nope", "unknown", "0", "12"]) {
      expect(() => parseWatchQuery(new URLSearchParams({ kinds: text })), text).toThrow(/not a defined StatusKind/);
    }
  });
});
