/** The conformance suite's part on `Store.onCommit`: see conformance.ts. */
import type { Store } from "./store.js";
import { caught, newItem, newNote, newStatus, type TestFunctions } from "./conformance-fixtures.js";

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
