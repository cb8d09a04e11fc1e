import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { WatchItemsResponseSchema, WatchSnapshotSchema } from "../../shared/gen/statusthing/v1/services_pb.js";
import { ItemSchema, StatusSchema, TimestampsSchema, type Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { ItemsState } from "../../web/src/lib/live/items-state.js";

const UP = create(StatusSchema, { id: "up", name: "UP" });
const DOWN = create(StatusSchema, { id: "down", name: "DOWN" });
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const min = (n: number) => T0 + n * 60_000;

function item(status: typeof UP, created: number, updated?: number, name = "Search"): Item {
  const timestamps = create(TimestampsSchema, { created: timestampFromMs(created), ...(updated ? { updated: timestampFromMs(updated) } : {}) });
  return create(ItemSchema, { id: "search", name, status, timestamps });
}
const snapshot = (revision: number, ...items: Item[]) =>
  create(WatchItemsResponseSchema, { revision: BigInt(revision), event: { case: "snapshot", value: create(WatchSnapshotSchema, { items }) } });
const changed = (revision: number, value: Item) => create(WatchItemsResponseSchema, { revision: BigInt(revision), event: { case: "itemChanged", value } });

describe("since when an item has its status (derived from the stream)", () => {
  it("is the creation time, exactly, for an item never updated", () => {
    const state = new ItemsState();
    state.apply(snapshot(1, item(UP, min(0))));
    expect(state.statusSince.get("search")).toEqual({ statusId: "up", at: min(0), exact: true });
  });

  it("is only a bound for an item updated before the page looked: a rename and a status change look alike", () => {
    const state = new ItemsState();
    state.apply(snapshot(1, item(DOWN, min(0), min(10))));
    expect(state.statusSince.get("search")).toEqual({ statusId: "down", at: min(10), exact: false });
  });

  it("is the update time of a status change the page saw, and a later rename or note does not move it", () => {
    const state = new ItemsState();
    state.apply(snapshot(1, item(UP, min(0))));
    state.apply(changed(2, item(DOWN, min(0), min(5))));
    expect(state.statusSince.get("search")).toEqual({ statusId: "down", at: min(5), exact: true });
    state.apply(changed(3, item(DOWN, min(0), min(9), "Search (EU)")));
    expect(state.statusSince.get("search")).toEqual({ statusId: "down", at: min(5), exact: true });
  });

  it("survives a resync snapshot when the status did not change, and takes the change when it did", () => {
    const state = new ItemsState();
    state.apply(snapshot(1, item(UP, min(0))));
    state.apply(changed(2, item(DOWN, min(0), min(5))));
    state.apply(snapshot(7, item(DOWN, min(0), min(8), "Renamed")));
    expect(state.statusSince.get("search")).toEqual({ statusId: "down", at: min(5), exact: true });
    state.apply(snapshot(9, item(UP, min(0), min(12))));
    expect(state.statusSince.get("search")).toEqual({ statusId: "up", at: min(12), exact: true });
  });
});
