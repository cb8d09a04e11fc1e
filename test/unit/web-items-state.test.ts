import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { WatchItemsResponseSchema, WatchSnapshotSchema, WatchHeartbeatSchema, type WatchItemsResponse } from "../../shared/gen/statusthing/v1/services_pb.js";
import { ItemSchema, NoteSchema, StatusKind, StatusSchema, type Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { backoffDelay, DEFAULT_BACKOFF } from "../../web/src/lib/live/backoff.js";
import { describeChange } from "../../web/src/lib/live/describe-change.js";
import { ItemsState } from "../../web/src/lib/live/items-state.js";
import { PageSettingsSchema } from "../../shared/gen/statusthing/v1/settings_pb.js";

const up = create(StatusSchema, { id: "s-up", name: "UP", color: "#5DFC0A", kind: StatusKind.UP });
const down = create(StatusSchema, { id: "s-down", name: "DOWN", color: "#FF0000", kind: StatusKind.DOWN });
const item = (id: string, name: string, status = up, notes: string[] = []): Item =>
  create(ItemSchema, { id, name, status, notes: notes.map((text, i) => create(NoteSchema, { id: `${id}-n${i}`, text })) });
const message = (revision: number, event: WatchItemsResponse["event"]) => create(WatchItemsResponseSchema, { revision: BigInt(revision), event });

describe("ItemsState", () => {
  it("takes a snapshot, then applies changes and removals in order", () => {
    const state = new ItemsState();
    expect(state.loaded).toBe(false);
    state.apply(message(5, { case: "snapshot", value: create(WatchSnapshotSchema, { items: [item("a", "A"), item("b", "B")], statuses: [up, down] }) }));
    expect(state.loaded).toBe(true);
    expect(state.revision).toBe(5n);
    expect([...state.items.keys()]).toEqual(["a", "b"]);

    const changed = state.apply(message(6, { case: "itemChanged", value: item("a", "A", down) }));
    expect(changed).toMatchObject({ kind: "item", before: { status: { name: "UP" } }, after: { status: { name: "DOWN" } } });
    state.apply(message(7, { case: "itemChanged", value: item("c", "C") }));
    expect([...state.items.keys()]).toEqual(["a", "b", "c"]); // creation order kept, new ones last
    state.apply(message(8, { case: "itemRemoved", value: "b" }));
    expect([...state.items.keys()]).toEqual(["a", "c"]);
    expect(state.revision).toBe(8n);
  });

  it("keeps the page settings from the snapshot and each settings_changed, and through a snapshot without them", () => {
    const state = new ItemsState();
    state.apply(message(1, { case: "snapshot", value: create(WatchSnapshotSchema, { settings: create(PageSettingsSchema, { name: "Acme" }) }) }));
    expect(state.settings?.name).toBe("Acme");
    expect(state.apply(message(2, { case: "settingsChanged", value: create(PageSettingsSchema, { name: "Acme Cloud", accentColor: "#C2410C" }) }))).toEqual({ kind: "settings" });
    expect(state.settings).toMatchObject({ name: "Acme Cloud", accentColor: "#C2410C" });
    state.apply(message(3, { case: "snapshot", value: create(WatchSnapshotSchema, {}) }));
    expect(state.settings?.name).toBe("Acme Cloud");
  });

  it("ignores the removal of an item it never had (possible after a resume)", () => {
    const state = new ItemsState();
    state.apply(message(1, { case: "snapshot", value: create(WatchSnapshotSchema, {}) }));
    expect(state.apply(message(2, { case: "itemRemoved", value: "ghost" }))).toEqual({ kind: "none" });
    expect(state.revision).toBe(2n);
  });

  it("moves the revision forward on heartbeats, for resuming", () => {
    const state = new ItemsState();
    state.apply(message(3, { case: "snapshot", value: create(WatchSnapshotSchema, {}) }));
    state.apply(message(9, { case: "heartbeat", value: create(WatchHeartbeatSchema) }));
    expect(state.revision).toBe(9n);
  });

  it("replaces everything on a reset snapshot", () => {
    const state = new ItemsState();
    state.apply(message(3, { case: "snapshot", value: create(WatchSnapshotSchema, { items: [item("a", "A")], statuses: [up] }) }));
    state.apply(message(2, { case: "snapshot", value: create(WatchSnapshotSchema, { items: [item("z", "Z")], statuses: [down], reset: true }) }));
    expect([...state.items.keys()]).toEqual(["z"]);
    expect([...state.statuses.keys()]).toEqual(["s-down"]);
    expect(state.revision).toBe(2n); // another database: its revisions
  });

  it("tracks statuses", () => {
    const state = new ItemsState();
    state.apply(message(1, { case: "statusChanged", value: up }));
    state.apply(message(2, { case: "statusChanged", value: down }));
    state.apply(message(3, { case: "statusRemoved", value: "s-up" }));
    expect([...state.statuses.keys()]).toEqual(["s-down"]);
  });
});

describe("describeChange", () => {
  it("announces status changes, new notes, additions and removals", () => {
    expect(describeChange(item("a", "API"), item("a", "API", down))).toBe("API is now DOWN");
    expect(describeChange(item("a", "API"), item("a", "API", up, ["Looking into it"]))).toBe("New note on API: Looking into it");
    expect(describeChange(item("a", "API"), item("a", "API", down, ["Broken"]))).toBe("API is now DOWN. New note on API: Broken");
    expect(describeChange(undefined, item("a", "API"))).toBe("API added: UP");
    expect(describeChange(item("a", "API"), undefined)).toBe("API removed");
  });

  it("stays quiet about edits nobody needs to hear, and shortens long notes", () => {
    const before = item("a", "API", up, ["x"]);
    expect(describeChange(before, create(ItemSchema, { ...before, description: "new words" }))).toBeUndefined();
    const long = describeChange(item("a", "API"), item("a", "API", up, ["word ".repeat(200)]))!;
    expect(long.length).toBeLessThan(200);
    expect(long.endsWith("…")).toBe(true);
  });
});

describe("backoffDelay", () => {
  it("grows exponentially from the initial wait to the cap, with jitter in [half, all] of each step", () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(DEFAULT_BACKOFF.initialMs / 2);
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 1)).toBe(DEFAULT_BACKOFF.initialMs);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 1)).toBe(DEFAULT_BACKOFF.initialMs * 8);
    expect(backoffDelay(50, DEFAULT_BACKOFF, () => 1)).toBe(DEFAULT_BACKOFF.maxMs);
    expect(backoffDelay(50, DEFAULT_BACKOFF, () => 0)).toBe(DEFAULT_BACKOFF.maxMs / 2);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4)));
    expect(spread.size).toBeGreaterThan(10);
  });
});
