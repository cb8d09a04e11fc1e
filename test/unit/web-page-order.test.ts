import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { GroupSchema, ItemSchema, StatusSchema, type Group, type Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { filterItems } from "../../web/src/lib/live/filter-items.js";
import { pageOrder, pageSections } from "../../web/src/lib/live/page-order.js";

const group = (id: string, name: string, position: number): Group => create(GroupSchema, { id, name, position });
const item = (id: string, groupId: string, position: number, status = "Up"): Item =>
  create(ItemSchema, { id, name: `item ${id}`, groupId, position, status: create(StatusSchema, { name: status }) });

describe("page order on the web", () => {
  const groups = [group("g2", "US region", 1), group("g1", "EU region", 0), group("g3", "Empty", 2)];
  const items = [item("a", "g2", 0), item("b", "", 1), item("c", "g1", 1), item("d", "g1", 0), item("e", "", 0), item("f", "gone", 0)];

  it("lists items in no group first, then groups by position, items by position; an unknown group counts as none", () => {
    expect(pageOrder(items, groups).map((i) => i.id)).toEqual(["e", "f", "b", "d", "c", "a"]);
  });

  it("gives sections: the ungrouped, then every group in order, empty ones too", () => {
    expect(pageSections(items, groups).map((s) => [s.group?.name ?? "-", s.items.map((i) => i.id).join("")])).toEqual([
      ["-", "efb"],
      ["EU region", "dc"],
      ["US region", "a"],
      ["Empty", ""],
    ]);
  });

  it("filters by every word, in the name, the status or the group's name, ignoring case and accents", () => {
    expect(filterItems(items, groups, "ÉU").map((i) => i.id)).toEqual(["c", "d"]);
    expect(filterItems(items, groups, "item region us").map((i) => i.id)).toEqual(["a"]);
    expect(filterItems([item("x", "", 0, "Down")], groups, "down")).toHaveLength(1);
    expect(filterItems(items, groups, "  ")).toHaveLength(items.length);
  });
});
