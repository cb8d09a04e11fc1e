/** The conformance suite's part on `Store.onCommit`: see conformance.ts. */
import type { ChangeRecord, ItemView } from "../domain.js";
import { changeAfter } from "./change-assembly.js";
import type { LogEntry } from "./change-codec.js";
import type { NewItem, Store } from "./store.js";
import { caught, newItem, newNote, newStatus, type TestFunctions } from "./conformance-fixtures.js";

/** `item` with an initial note. */
const withNote = (item: NewItem, text: string): NewItem => ({ ...item, initialNote: newNote(item.id, text) });

/** Checks that the store runs its commit hooks as `Store.onCommit` says. `current` gives the store under test. */
export function describeCommitHookContract(current: () => Store, test: TestFunctions): void {
  const { describe, it, expect } = test;

  describe("commit hook (onCommit)", () => {
    it("calls each listener once per committed write, before the write's promise settles", async () => {
      const store = current();
      const calls: string[] = [];
      store.onCommit(() => calls.push("a"));
      store.onCommit(() => calls.push("b"));
      const status = await store.addStatus(newStatus("Up"));
      expect(calls).toEqual(["a", "b"]);
      const item = await store.addItem(newItem("web", { statusId: status.id }));
      expect(calls).toHaveLength(4);
      const note = await store.addNote(newNote(item.id, "hello"));
      await store.updateNote(note.id, "edited", new Date());
      await store.deleteNote(note.id, new Date());
      await store.updateItem(item.id, { name: "site", updated: new Date() });
      await store.updateStatus(status.id, { name: "Fine", updated: new Date() });
      await store.deleteItem(item.id);
      await store.deleteStatus(status.id);
      expect(calls).toHaveLength(18);
    });

    it("is called for writes made together too (a store may commit them as one): at least once, at most once each", async () => {
      const store = current();
      let calls = 0;
      store.onCommit(() => calls++);
      const writes = Array.from({ length: 8 }, (_, i) => store.addStatus(newStatus(`s${i}`)));
      // Each write's promise settles after the listeners ran for its commit.
      const counts = await Promise.all(writes.map((write) => write.then(() => calls)));
      expect(counts.every((count) => count >= 1)).toBe(true);
      expect(calls).toBeGreaterThanOrEqual(1);
      expect(calls).toBeLessThanOrEqual(8);
    });

    it("is called with the change already readable", async () => {
      const store = current();
      let read: Promise<number> | undefined;
      store.onCommit(() => {
        read ??= store.listStatuses([]).then((list) => list.length);
      });
      await store.addStatus(newStatus("Up"));
      expect(await read).toBe(1);
    });

    it("is not called for a write that fails, a read, or an account write", async () => {
      const store = current();
      const status = await store.addStatus(newStatus("Up"));
      let calls = 0;
      store.onCommit(() => calls++);
      await caught(() => store.addStatus(newStatus(" up ")));
      await caught(() => store.deleteItem("no-such-item"));
      await caught(() => store.addNote(newNote("no-such-item", "text")));
      await store.listStatuses([]);
      await store.getStatus(status.id);
      await store.readChanges(0, 10);
      await store.snapshot();
      await store.accounts.pruneLoginFailures(new Date());
      expect(calls).toBe(0);
    });

    it("hands each listener exactly the changes its commit logged, in revision order, as the log reads them", async () => {
      const store = current();
      const status = await store.addStatus(newStatus("Up"));
      const { latest } = await store.changeLogBounds();
      const handed: LogEntry[][] = [];
      store.onCommit((committed) => handed.push([...committed]));
      const item = await store.addItem(withNote(newItem("web", { statusId: status.id }), "first"));
      // Written together, one failing among them after it logged a change (its new status, then
      // a taken item name): that change is rolled back, and handed to no one.
      await Promise.all([
        store.addNote(newNote(item.id, "second")),
        caught(() => store.addItem(newItem("web", { newStatus: newStatus("Fresh") }))),
        store.updateItem(item.id, { description: "busy", updated: new Date() }),
        store.addStatus(newStatus("Down")),
      ]);
      await store.deleteItem(item.id);
      const flat = handed.flat();
      expect(flat.map((e) => e.revision)).toEqual(flat.map((_, i) => latest + 1 + i));
      expect(flat).toEqual(await store.readLogEntries(latest, 1_000));
    });

    it("hands changes that, carried forward from a snapshot, are what readChanges answers", async () => {
      const store = current();
      const up = await store.addStatus(newStatus("Up"));
      const down = await store.addStatus(newStatus("Down"));
      await store.addItem(withNote(newItem("old", { statusId: up.id }), "before the snapshot"));
      const snapshot = await store.snapshot();
      const items = new Map<string, ItemView>(snapshot.items.map((i) => [i.id, i]));
      const forward: ChangeRecord[] = [];
      store.onCommit((committed) => {
        for (const entry of committed) {
          const change = changeAfter(entry, (itemId) => items.get(itemId)?.notes);
          if (change.kind === "item_upsert") items.set(change.item.id, change.item);
          if (change.kind === "item_delete") items.delete(change.id);
          forward.push(change);
        }
      });
      const [old] = snapshot.items;
      const item = await store.addItem(withNote(newItem("web", { statusId: up.id }), "one"));
      const two = await store.addNote(newNote(item.id, "two"));
      const three = await store.addNote(newNote(old!.id, "three"));
      await store.updateNote(two.id, "two, edited", new Date());
      await store.addNote(newNote(item.id, "four"));
      await store.deleteNote(two.id, new Date());
      await Promise.all([store.updateItem(item.id, { statusId: down.id, updated: new Date() }), store.updateNote(three.id, "three, edited", new Date())]);
      await store.updateStatus(down.id, { name: "Really down", updated: new Date() });
      await store.deleteItem(old!.id);
      expect(forward.length).toBeGreaterThan(9);
      expect(forward).toEqual(await store.readChanges(snapshot.revision, 1_000));
    });

    it("stops calling a listener once it is removed; a failing listener fails nothing", async () => {
      const store = current();
      let calls = 0;
      const stop = store.onCommit(() => calls++);
      store.onCommit(() => {
        throw new Error("a listener's own bug");
      });
      await store.addStatus(newStatus("Up"));
      expect(calls).toBe(1);
      stop();
      await store.addStatus(newStatus("Down"));
      expect(calls).toBe(1);
    });
  });
}
