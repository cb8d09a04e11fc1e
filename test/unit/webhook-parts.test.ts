/** The small parts of webhook delivery (#18): which addresses are refused, which secrets sign, how long to wait, what a receiver wants. */
import { describe, expect, it } from "vitest";
import { refusedAddress } from "../../server/webhooks/address-guard.js";
import { wants } from "../../server/webhooks/delivery-worker.js";
import { retryDelayMs } from "../../server/webhooks/retry-schedule.js";
import { signingSecrets } from "../../server/webhooks/webhook-sender.js";

describe("the SSRF guard's address check", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["10.0.0.8", "private"],
    ["172.16.4.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["0.0.0.0", "unspecified"],
    ["224.0.0.1", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "linkLocal"],
    ["fd00::1", "uniqueLocal"],
    ["ff02::1", "multicast"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:10.1.2.3", "private"],
    ["64:ff9b::a00:1", "rfc6052"],
    ["2002:a00:1::", "6to4"],
  ])("refuses %s (%s)", (address, range) => {
    expect(refusedAddress(address)).toBe(`${address} is a ${range} address`);
  });

  it.each([["93.184.215.14"], ["1.1.1.1"], ["2606:4700:4700::1111"], ["::ffff:93.184.215.14"]])("allows the public address %s", (address) => {
    expect(refusedAddress(address)).toBeUndefined();
  });
});

describe("signing secrets", () => {
  const now = new Date("2026-11-30T12:00:00Z");
  it("signs with the previous secret too only until its grace period ends", () => {
    const hook = { secret: "whsec_new", previousSecret: "whsec_old", previousSecretUntil: new Date("2026-11-30T13:00:00Z") };
    expect(signingSecrets(hook, now)).toEqual(["whsec_new", "whsec_old"]);
    expect(signingSecrets(hook, new Date("2026-11-30T13:00:00Z"))).toEqual(["whsec_new"]);
    expect(signingSecrets({ secret: "whsec_new", previousSecret: undefined, previousSecretUntil: undefined }, now)).toEqual(["whsec_new"]);
  });
});

describe("retry delays", () => {
  it("grow from about 5 s to every 3 h, jittered by at most 20%", () => {
    const bounds = [5_000, 30_000, 120_000, 600_000, 3_600_000, 10_800_000, 10_800_000];
    bounds.forEach((base, i) => {
      expect(retryDelayMs(i + 1, () => 0)).toBe(base * 0.8);
      expect(retryDelayMs(i + 1, () => 1)).toBe(base * 1.2);
    });
  });
});

describe("what a webhook wants", () => {
  it("filters by event type and item; page-wide events pass an item filter", () => {
    const hook = { events: ["item.status_changed"], itemIds: ["a"] };
    expect(wants(hook, { type: "item.status_changed", itemId: "a" })).toBe(true);
    expect(wants(hook, { type: "item.status_changed", itemId: "b" })).toBe(false);
    expect(wants(hook, { type: "note.added", itemId: "a" })).toBe(false);
    expect(wants({ events: [], itemIds: ["a"] }, { type: "incident.created", itemId: undefined })).toBe(true);
    expect(wants({ events: [], itemIds: [] }, { type: "note.added", itemId: "z" })).toBe(true);
  });
});
