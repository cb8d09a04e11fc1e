/** The conformance suite's part on `Store.groups` (groups and the page order): see conformance.ts and group-store.ts. */
import type { ChangeRecord } from "../domain.js";
import { newId } from "../ids.js";
import { expectDomainError, newItem, type TestFunctions } from "./conformance-fixtures.js";
import type { NewGroup } from "./group-store.js";
import type { Store } from "./store.js";

const T0 = new Date("2024-03-01T10:00:00.000Z");
const T1 = new Date("2024-03-01T11:30:00.000Z");

function newGroup(name: string, fields: Partial<NewGroup> = {}): NewGroup {
  return { id: newId(), name, description: "", collapsed: false, created: T0, ...fields };
}

/** The suite for groups and ordering, on the store `current()` returns. */
export function describeGroupsContract(current: () => Store, test: TestFunctions): void {
  const { describe, it, expect } = test;
  const all = { statusIds: [], kinds: [], withNotes: false };
  /** The page as "group:name" lines, items by name, in page order. */
  const page = async () => {
    const store = current();
    const groups = new Map((await store.groups.listGroups()).map((g) => [g.id, g.name]));
    return (await store.listItems(all)).map((i) => `${i.groupId === undefined ? "-" : groups.get(i.groupId)}:${i.name}@${i.position ?? 0}`);
  };
  const addItems = async (...names: string[]) => {
    const ids: string[] = [];
    for (const name of names) ids.push((await current().addItem(newItem(name))).id);
    return ids;
  };

  describe("groups and order", () => {
    it("adds groups last, reads them back with every field, and refuses a taken name", async () => {
      const store = current();
      const eu = await store.groups.addGroup(newGroup("EU region", { description: "Frankfurt", collapsed: true }));
      const us = await store.groups.addGroup(newGroup("US region"));
      expect(eu).toEqual({ id: eu.id, name: "EU region", description: "Frankfurt", collapsed: true, position: 0, created: T0, updated: T0 });
      expect(us.position).toBe(1);
      expect(await store.groups.getGroup(eu.id)).toEqual(eu);
      expect(await store.groups.getGroup(newId())).toBeUndefined();
      expect(await store.groups.listGroups()).toEqual([eu, us]);
      await expectDomainError(() => store.groups.addGroup(newGroup(" eu REGION ")), "already_exists");
      await expectDomainError(() => store.groups.updateGroup(us.id, { name: "eu region", updated: T1 }), "already_exists");
    });

    it("updates a group's fields and time, and says not_found for a missing one", async () => {
      const store = current();
      const g = await store.groups.addGroup(newGroup("Payments"));
      const updated = await store.groups.updateGroup(g.id, { collapsed: true, description: "cards", updated: T1 });
      expect(updated).toEqual({ ...g, collapsed: true, description: "cards", updated: T1 });
      expect(await store.groups.getGroup(g.id)).toEqual(updated);
      await expectDomainError(() => store.groups.updateGroup(newId(), { collapsed: true, updated: T1 }), "not_found");
      await expectDomainError(() => store.groups.deleteGroup(newId()), "not_found");
      await expectDomainError(() => store.groups.moveGroup(newId(), 0), "not_found");
    });

    it("lists new items in creation order, ungrouped, positions 0, 1, 2", async () => {
      await addItems("a", "b", "c");
      expect(await page()).toEqual(["-:a@0", "-:b@1", "-:c@2"]);
    });

    it("moves items into groups and within them; lists ungrouped items first, then groups by position", async () => {
      const store = current();
      const [a, b, c, d] = await addItems("a", "b", "c", "d");
      const eu = await store.groups.addGroup(newGroup("EU"));
      const us = await store.groups.addGroup(newGroup("US"));
      const moved = await store.groups.moveItem(a!, us.id, 0);
      expect(moved).toMatchObject({ id: a, groupId: us.id, position: 0 });
      await store.groups.moveItem(b!, eu.id, 0);
      await store.groups.moveItem(c!, us.id, 0);
      expect(await page()).toEqual(["-:d@0", "EU:b@0", "US:c@0", "US:a@1"]);
      // Past the end means last; back to no group.
      await store.groups.moveItem(c!, us.id, 99);
      await store.groups.moveItem(d!, eu.id, 1);
      await store.groups.moveItem(b!, undefined, 0);
      expect(await page()).toEqual(["-:b@0", "EU:d@0", "US:a@0", "US:c@1"]);
      await store.groups.moveGroup(us.id, 0);
      expect(await page()).toEqual(["-:b@0", "US:a@0", "US:c@1", "EU:d@0"]);
      expect((await store.groups.listGroups()).map((g) => `${g.name}@${g.position}`)).toEqual(["US@0", "EU@1"]);
      expect(await store.getItem(a!, false)).toMatchObject({ groupId: us.id, position: 0 });
      await expectDomainError(() => store.groups.moveItem(newId(), us.id, 0), "not_found");
      await expectDomainError(() => store.groups.moveItem(a!, newId(), 0), "not_found");
    });

    it("deleting a group keeps its items, ungrouped after the others, in their order, and closes the gap among groups", async () => {
      const store = current();
      const [a, b, c] = await addItems("a", "b", "c");
      const g1 = await store.groups.addGroup(newGroup("one"));
      const g2 = await store.groups.addGroup(newGroup("two"));
      const g3 = await store.groups.addGroup(newGroup("three"));
      await store.groups.moveItem(b!, g1.id, 0);
      await store.groups.moveItem(a!, g1.id, 0);
      await store.groups.moveItem(c!, g3.id, 0);
      await store.groups.deleteGroup(g1.id);
      expect(await page()).toEqual(["-:a@0", "-:b@1", "three:c@0"]);
      expect((await store.groups.listGroups()).map((g) => [g.id, g.position])).toEqual([
        [g2.id, 0],
        [g3.id, 1],
      ]);
    });

    it("logs every place that changed: items as item_upsert with group and position, groups as group_upsert/group_delete", async () => {
      const store = current();
      const [a, b] = await addItems("a", "b");
      const g = await store.groups.addGroup(newGroup("G"));
      const { latest } = await store.changeLogBounds();
      await store.groups.moveItem(b!, g.id, 0);
      const moved = await store.readChanges(latest, 100);
      // b joined G at 0; a closed the gap (it was already at 0, so it did not change).
      expect(moved.map(describeChange)).toEqual([`item_upsert ${b}@${g.id}:0`]);
      const before = (await store.changeLogBounds()).latest;
      await store.groups.deleteGroup(g.id);
      expect((await store.readChanges(before, 100)).map(describeChange)).toEqual([`item_upsert ${b}@-:1`, `group_delete ${g.id}`]);
      expect(a).toBeDefined();
      // Snapshots carry the groups.
      const h = await store.groups.addGroup(newGroup("H"));
      expect((await store.snapshot()).groups).toEqual([h]);
    });

    it("a move that changes nothing logs nothing", async () => {
      const store = current();
      const [a] = await addItems("a", "b");
      const { latest } = await store.changeLogBounds();
      await store.groups.moveItem(a!, undefined, 0);
      expect((await store.changeLogBounds()).latest).toBe(latest);
    });

    it("many concurrent moves end in one total order: positions 0..n-1 in every group, none twice, none missing", async () => {
      const store = current();
      const ids = await addItems(...Array.from({ length: 12 }, (_, i) => `item ${i}`));
      const g1 = await store.groups.addGroup(newGroup("one"));
      const g2 = await store.groups.addGroup(newGroup("two"));
      const targets = [undefined, g1.id, g2.id];
      let seed = 7;
      const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
      await Promise.all(Array.from({ length: 60 }, () => store.groups.moveItem(ids[random(ids.length)]!, targets[random(3)], random(14))));
      const items = await store.listItems(all);
      expect(items.map((i) => i.id).sort()).toEqual([...ids].sort());
      for (const target of targets) {
        const positions = items.filter((i) => i.groupId === target).map((i) => i.position);
        expect(positions).toEqual(positions.map((_, i) => i));
      }
    });
  });
}

function describeChange(change: ChangeRecord): string {
  switch (change.kind) {
    case "item_upsert":
      return `item_upsert ${change.item.id}@${change.item.groupId ?? "-"}:${change.item.position ?? 0}`;
    case "group_upsert":
      return `group_upsert ${change.group.id}@${change.group.position}`;
    default:
      return `${change.kind} ${"id" in change ? change.id : ""}`;
  }
}
