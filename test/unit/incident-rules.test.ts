/** The restore rule and status bookkeeping shared by incidents and maintenance (server/service/incident-rules.ts). */
import { describe, expect, it } from "vitest";
import { checkRequestedItems, noteFor, restore, setStatuses } from "../../server/service/incident-rules.js";
import type { AffectedItemRecord } from "../../server/incident-records.js";
import { DomainError } from "../../server/errors.js";

const item = (id: string, statusId: string | undefined) => [id, { id, name: id.toUpperCase(), statusId }] as const;
const facts = (items: Array<readonly [string, { id: string; name: string; statusId: string | undefined }]>, statuses: string[]) => ({
  items: new Map(items),
  statuses: new Set(statuses),
});

describe("setStatuses", () => {
  it("remembers the status before the first change only, adds new items, and skips writing a status an item already has", () => {
    const first = setStatuses([], [{ itemId: "a", statusId: "down" }], facts([item("a", "up")], ["down"]));
    expect(first.items).toEqual([{ itemId: "a", itemName: "A", statusId: "down", changed: true, previousStatusId: "up", leftAlone: false }]);
    expect(first.changes).toEqual([{ itemId: "a", statusId: "down" }]);
    const second = setStatuses(
      first.items,
      [
        { itemId: "a", statusId: "warn" },
        { itemId: "b", statusId: "" },
        { itemId: "c", statusId: "warn" },
      ],
      facts([item("a", "down"), item("b", "up"), item("c", "warn")], ["warn"]),
    );
    expect(second.items.map((i) => [i.itemId, i.statusId, i.previousStatusId, i.changed])).toEqual([
      ["a", "warn", "up", true],
      ["b", undefined, undefined, false],
      ["c", "warn", "warn", true],
    ]);
    expect(second.changes).toEqual([
      { itemId: "a", statusId: "warn" },
      { itemId: "b", statusId: undefined },
      { itemId: "c", statusId: undefined },
    ]);
  });

  it("refuses an unknown item or status", () => {
    expect(() => setStatuses([], [{ itemId: "x", statusId: "" }], facts([], []))).toThrow(DomainError);
    expect(() => setStatuses([], [{ itemId: "a", statusId: "nope" }], facts([item("a", "up")], []))).toThrow(/status "nope" not found/);
  });
});

describe("restore", () => {
  const affected = (id: string, set: string | undefined, before: string | undefined, changed = true): AffectedItemRecord => ({
    itemId: id,
    itemName: id.toUpperCase(),
    statusId: set,
    changed,
    previousStatusId: before,
    leftAlone: false,
  });

  it("puts back what was there; leaves alone an item changed by hand, or whose earlier status is gone; skips deleted and untouched items", () => {
    const result = restore(
      [affected("a", "down", "up"), affected("b", "down", "up"), affected("c", "down", "gone"), affected("d", "down", "up"), affected("e", undefined, undefined, false)],
      facts([item("a", "down"), item("b", "warn"), item("c", "down"), item("e", "up")], ["up", "down", "warn"]),
    );
    expect(result.changes).toEqual([{ itemId: "a", statusId: "up" }]);
    expect(result.leftAlone).toEqual([
      { itemId: "b", itemName: "B", statusId: "warn" },
      { itemId: "c", itemName: "C", statusId: "down" },
    ]);
    expect(result.items.map((i) => i.leftAlone)).toEqual([false, true, true, false, false]);
  });

  it("follows an override: a status to set instead, or '' to leave the item as it is", () => {
    const result = restore(
      [affected("a", "down", "up"), affected("b", "down", "up")],
      facts([item("a", "down"), item("b", "warn")], ["up", "down", "warn"]),
      new Map([
        ["a", "warn"],
        ["b", ""],
      ]),
    );
    expect(result.changes).toEqual([
      { itemId: "a", statusId: "warn" },
      { itemId: "b", statusId: undefined },
    ]);
    expect(result.leftAlone).toEqual([]);
  });
});

describe("checkRequestedItems and noteFor", () => {
  it("trims ids and refuses an empty or repeated one, naming it", () => {
    expect(checkRequestedItems("items", [{ itemId: " a ", statusId: " s " }])).toEqual([{ itemId: "a", statusId: "s" }]);
    expect(() => checkRequestedItems("items", [{ itemId: "", statusId: "" }])).toThrow(/items\[0\]\.item_id/);
    expect(() =>
      checkRequestedItems("items", [
        { itemId: "a", statusId: "" },
        { itemId: "a", statusId: "" },
      ]),
    ).toThrow(/items\[1\]\.item_id/);
  });

  it("keeps a note within the note limit, with its reference whole", () => {
    const note = noteFor("a", "Incident", "x".repeat(10_000), "incident 123", new Date(0));
    expect([...note.text].length).toBe(10_000);
    expect(note.text.endsWith("… (incident 123)")).toBe(true);
  });
});
