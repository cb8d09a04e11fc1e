import { describe, expect, it } from "vitest";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { addDays, dayStart, daysBetween, isTimeZone, localDay } from "../../shared/history/zoned-days.js";
import { dailyUptime, foldWindow, sumWindows, type KindStep } from "../../shared/history/uptime-fold.js";
import { ALL_KINDS, uptimeClass } from "../../shared/status-kinds.js";
import { ConfigError, parseTimeZone } from "../../server/config.js";

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);
const step = (iso: string, kind: number, present = true): KindStep => ({ at: at(iso), kind, present });

describe("uptime classes", () => {
  it("counts up kinds as up, warnings as degraded, outages as down, and the rest not at all", () => {
    expect(uptimeClass(StatusKind.UP)).toBe("up");
    expect(uptimeClass(StatusKind.ONLINE)).toBe("up");
    expect(uptimeClass(StatusKind.WARNING)).toBe("degraded");
    expect(uptimeClass(StatusKind.OBSERVING)).toBe("degraded");
    expect(uptimeClass(StatusKind.DOWN)).toBe("down");
    expect(uptimeClass(StatusKind.OFFLINE)).toBe("down");
    for (const kind of [StatusKind.CREATED, StatusKind.DECOMM, StatusKind.UNAVAILABLE, StatusKind.UNKNOWN]) expect(uptimeClass(kind)).toBe("uncounted");
    expect(new Set(ALL_KINDS.map((k) => k.uptime))).toEqual(new Set(["up", "degraded", "down", "uncounted"]));
  });
});

describe("calendar days in a time zone", () => {
  it("names the day an instant falls on in the zone", () => {
    expect(localDay(at("2026-03-01T23:30:00Z"), "UTC")).toBe("2026-03-01");
    expect(localDay(at("2026-03-01T23:30:00Z"), "Europe/Berlin")).toBe("2026-03-02");
    expect(localDay(at("2026-03-02T03:30:00Z"), "America/New_York")).toBe("2026-03-01");
  });

  it("answers UTC by arithmetic exactly as Intl does for a zone on UTC's clock (Etc/GMT)", () => {
    const instants = [0, -1, 999, 1_000, at("1969-12-31T23:59:59.999Z"), at("2026-03-01T23:59:59.999Z"), at("2026-03-02T00:00:00Z"), at("2024-02-29T12:34:56.789Z")];
    for (const zone of ["UTC", "Etc/UTC"]) {
      for (const instant of instants) expect(localDay(instant, zone), `${zone} ${instant}`).toBe(localDay(instant, "Etc/GMT"));
      for (const day of ["1970-01-01", "2024-02-29", "2026-03-29", "2026-12-31"]) expect(dayStart(day, zone)).toBe(dayStart(day, "Etc/GMT"));
    }
  });

  it("gives 23 and 25 hour days at the daylight-saving changes in Berlin and New York", () => {
    const length = (day: string, zone: string) => (dayStart(addDays(day, 1), zone) - dayStart(day, zone)) / HOUR;
    expect(length("2026-03-29", "Europe/Berlin")).toBe(23);
    expect(length("2026-10-25", "Europe/Berlin")).toBe(25);
    expect(length("2026-03-28", "Europe/Berlin")).toBe(24);
    expect(length("2026-03-08", "America/New_York")).toBe(23);
    expect(length("2026-11-01", "America/New_York")).toBe(25);
    expect(length("2026-11-01", "UTC")).toBe(24);
    expect(new Date(dayStart("2026-10-25", "Europe/Berlin")).toISOString()).toBe("2026-10-24T22:00:00.000Z");
    expect(new Date(dayStart("2026-10-26", "Europe/Berlin")).toISOString()).toBe("2026-10-25T23:00:00.000Z");
  });

  it("finds the first instant of a day whose midnight a clock change skips", () => {
    // Santiago moved its clocks from 00:00 to 01:00 on 2026-09-06.
    const start = dayStart("2026-09-06", "America/Santiago");
    expect(localDay(start, "America/Santiago")).toBe("2026-09-06");
    expect(localDay(start - 1, "America/Santiago")).toBe("2026-09-05");
  });

  it("lists days across month and year ends, and knows IANA names", () => {
    expect(daysBetween("2026-12-30", "2027-01-02")).toEqual(["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]);
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(isTimeZone("Mars/Olympus")).toBe(false);
  });

  it("validates --time-zone, defaulting to UTC", () => {
    expect(parseTimeZone("")).toBeUndefined();
    expect(parseTimeZone("America/New_York")).toBe("America/New_York");
    expect(() => parseTimeZone("Berlin")).toThrow(ConfigError);
  });
});

describe("folding status history into days", () => {
  it("counts a whole 25-hour day in Berlin and a 23-hour one, split by a mid-day outage", () => {
    const steps = [step("2026-10-01T00:00:00Z", StatusKind.UP)];
    const [long] = dailyUptime(steps, ["2026-10-25"], "Europe/Berlin", at("2027-01-01T00:00:00Z"));
    expect(long!.time).toEqual({ up: 25 * HOUR, degraded: 0, down: 0, uncounted: 0 });
    expect(long!.ratio).toBe(1);
    expect(long!.worstKind).toBe(StatusKind.UP);

    // New York, 2026-03-08 (23 h): down from 03:00 to 05:00 local (EDT, UTC-4).
    const outage = [step("2026-01-01T00:00:00Z", StatusKind.UP), step("2026-03-08T07:00:00Z", StatusKind.DOWN), step("2026-03-08T09:00:00Z", StatusKind.UP)];
    const [short] = dailyUptime(outage, ["2026-03-08"], "America/New_York", at("2027-01-01T00:00:00Z"));
    expect(short!.time).toEqual({ up: 21 * HOUR, degraded: 0, down: 2 * HOUR, uncounted: 0 });
    expect(short!.worstKind).toBe(StatusKind.DOWN);
    expect(short!.ratio).toBeCloseTo(21 / 23);
  });

  it("counts an item created mid-day only from its creation, and nothing before", () => {
    const steps = [step("2026-05-10T18:00:00Z", StatusKind.CREATED), step("2026-05-10T20:00:00Z", StatusKind.WARNING)];
    const days = dailyUptime(steps, ["2026-05-09", "2026-05-10"], "UTC", at("2026-05-11T00:00:00Z"));
    expect(days[0]).toEqual({ day: "2026-05-09", time: { up: 0, degraded: 0, down: 0, uncounted: 0 }, worstKind: undefined, ratio: undefined });
    expect(days[1]!.time).toEqual({ up: 0, degraded: 4 * HOUR, down: 0, uncounted: 2 * HOUR });
    expect(days[1]!.worstKind).toBe(StatusKind.WARNING);
    expect(days[1]!.ratio).toBe(1);
  });

  it("stops counting when the item is deleted, and counts today only until now", () => {
    const steps = [step("2026-05-10T00:00:00Z", StatusKind.DOWN), step("2026-05-10T06:00:00Z", 0, false)];
    const [deletedDay, later] = dailyUptime(steps, ["2026-05-10", "2026-05-11"], "UTC", at("2026-05-12T00:00:00Z"));
    expect(deletedDay!.time.down).toBe(6 * HOUR);
    expect(deletedDay!.ratio).toBe(0);
    expect(later!.worstKind).toBeUndefined();

    const [today] = dailyUptime([step("2026-05-10T00:00:00Z", StatusKind.UP)], ["2026-05-10"], "UTC", at("2026-05-10T10:00:00Z"));
    expect(today!.time.up).toBe(10 * HOUR);
    const [future] = dailyUptime([step("2026-05-10T00:00:00Z", StatusKind.UP)], ["2026-05-11"], "UTC", at("2026-05-10T10:00:00Z"));
    expect(future!.time.up).toBe(0);
  });

  it("counts no status and maintenance as not counted, so they neither raise nor lower the ratio", () => {
    const steps = [
      step("2026-05-10T00:00:00Z", StatusKind.UP),
      step("2026-05-10T06:00:00Z", StatusKind.UNAVAILABLE),
      step("2026-05-10T12:00:00Z", 0),
      step("2026-05-10T18:00:00Z", StatusKind.DOWN),
    ];
    const window = foldWindow(steps, at("2026-05-10T00:00:00Z"), at("2026-05-11T00:00:00Z"));
    expect(window.time).toEqual({ up: 6 * HOUR, degraded: 0, down: 6 * HOUR, uncounted: 12 * HOUR });
    expect(window.ratio).toBe(0.5);
    expect(window.worstKind).toBe(StatusKind.DOWN);
  });

  it("adds days into totals with the worst kind of all", () => {
    const steps = [step("2026-05-10T00:00:00Z", StatusKind.UP), step("2026-05-11T12:00:00Z", StatusKind.WARNING)];
    const days = dailyUptime(steps, ["2026-05-10", "2026-05-11"], "UTC", at("2026-05-12T00:00:00Z"));
    const total = sumWindows(days);
    expect(total.time).toEqual({ up: 36 * HOUR, degraded: 12 * HOUR, down: 0, uncounted: 0 });
    expect(total.worstKind).toBe(StatusKind.WARNING);
  });
});
