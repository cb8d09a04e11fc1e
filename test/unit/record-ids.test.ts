import { randomBytes } from "node:crypto";
import KSUID from "ksuid";
import { describe, expect, it } from "vitest";
import { ksuidString, newId } from "../../server/ids.js";

describe("record ids", () => {
  it("writes a KSUID's 27 characters exactly as the ksuid package does", () => {
    const edges = [Buffer.alloc(16, 0), Buffer.alloc(16, 0xff), Buffer.from("000102030405060708090a0b0c0d0e0f", "hex")];
    const times = [14e11, 14e11 + 1e3 * (2 ** 32 - 1), Date.UTC(2026, 10, 30, 12, 0, 0, 999)];
    const cases = [...edges.flatMap((payload) => times.map((time) => ({ time, payload })))];
    for (let i = 0; i < 2_000; i++) cases.push({ time: 14e11 + Math.floor(Math.random() * 4e12), payload: randomBytes(16) });
    for (const { time, payload } of cases) expect(ksuidString(time, payload)).toBe(KSUID.fromParts(time, payload).string);
  });

  it("makes distinct ids that carry their creation time, across refills of the random pool", () => {
    const before = Date.now();
    const ids = Array.from({ length: 1_000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9A-Za-z]{27}$/);
      expect(Math.abs(KSUID.parse(id).date.getTime() - before)).toBeLessThan(2_000);
    }
  });
});
