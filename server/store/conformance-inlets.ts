/** The inlets' part of the conformance suite: `store.inlets`, for stores that have it. */
import { hookCallId, type InletDecision, type InletStore } from "./inlet-store.js";
import { newId } from "../ids.js";
import { expectDomainError, newItem, newStatus, type TestFunctions } from "./conformance-fixtures.js";
import type { Store } from "./store.js";

const T0 = new Date("2024-03-01T10:00:00.000Z");
const T1 = new Date("2024-03-01T10:05:00.000Z");

const hook = (name: string) => ({ id: newId(), name, config: { labelName: "statusthing_item", severities: [], notes: true }, created: T0, updated: T0 });

/** Checks `store.inlets` against the `InletStore` contract; skipped for a store without inlets. */
export function describeInletsContract(current: () => Store, reopen: () => Promise<Store>, test: TestFunctions): void {
  const { describe, it, expect } = test;
  const inlets = (): InletStore => current().inlets!;

  describe("inlets", () => {
    /** An item in status `up`, and a `down` status to move it to. */
    async function fixture() {
      const store = current();
      const up = await store.addStatus(newStatus("up", { kind: 1 }));
      const down = await store.addStatus(newStatus("down", { kind: 2 }));
      const item = await store.addItem(newItem("api", { statusId: up.id }));
      return { store, up, down, item };
    }

    it("keeps hooks by id and by name (case-insensitively), refuses a taken name, updates and deletes them with their calls", async ({ skip }) => {
      if (!current().inlets) return skip();
      const a = await inlets().addHook(hook(" Prod "));
      expect(a.name).toBe("Prod");
      expect((await expectDomainError(() => inlets().addHook(hook("PROD")), "already_exists")).reason).toBe("HOOK_NAME_TAKEN");
      const b = await inlets().addHook(hook("grafana"));
      expect((await inlets().listHooks()).map((h) => h.name)).toEqual(["grafana", "Prod"]);
      expect((await inlets().findHook("prod"))?.id).toBe(a.id);
      expect((await inlets().findHook(b.id))?.name).toBe("grafana");
      expect((await expectDomainError(() => inlets().updateHook(b.id, "prod", b.config, T1), "already_exists")).reason).toBe("HOOK_NAME_TAKEN");
      const changed = await inlets().updateHook(b.id, "grafana-2", { ...b.config, labelName: "service", notes: false }, T1);
      expect(changed).toMatchObject({ name: "grafana-2", config: { labelName: "service", notes: false }, updated: T1 });
      expect((await inlets().findHook("grafana-2"))?.config.labelName).toBe("service");
      await expectDomainError(() => inlets().updateHook("nope", "x", b.config, T1), "not_found");
      // An unknown id is not_found even when the name is taken: the id decides first.
      await expectDomainError(() => inlets().updateHook("nope", "PROD", b.config, T1), "not_found");
      // Its own name, in another case, is not taken.
      expect((await inlets().updateHook(a.id, "prod", a.config, T1)).name).toBe("prod");
      for (let i = 0; i < 5; i++) {
        const at = new Date(T0.getTime() + i);
        await inlets().addHookCall({ id: hookCallId(at), hookId: a.id, at, caller: `c${i}`, source: "alertmanager", alerts: [] }, 3);
      }
      expect((await inlets().listHookCalls(a.id, 10)).map((c) => c.caller)).toEqual(["c4", "c3", "c2"]);
      expect((await inlets().listHookCalls(a.id, 1)).map((c) => c.caller)).toEqual(["c4"]);
      await inlets().deleteHook(a.id);
      expect(await inlets().listHookCalls(a.id, 10)).toEqual([]);
      await expectDomainError(() => inlets().deleteHook(a.id), "not_found");
    });

    it("keeps heartbeats by item and by secret hash; a deleted item takes its heartbeat and state along", async ({ skip }) => {
      if (!current().inlets) return skip();
      const { store, item, down } = await fixture();
      const config = { intervalSeconds: 60, graceSeconds: 30, lateStatusId: down.id, lateNote: "" };
      await expectDomainError(() => inlets().putHeartbeat({ itemId: "nope", secretHash: "h0", config, created: T0, updated: T0 }), "not_found");
      await inlets().putHeartbeat({ itemId: item.id, secretHash: "h1", config, created: T0, updated: T0 });
      await inlets().putHeartbeat({ itemId: item.id, secretHash: "h2", config: { ...config, intervalSeconds: 10 }, created: T0, updated: T1 });
      expect(await inlets().heartbeatBySecret("h1")).toBeUndefined();
      expect((await inlets().heartbeatBySecret("h2"))?.config.intervalSeconds).toBe(10);
      expect((await inlets().listHeartbeats()).map((h) => h.itemId)).toEqual([item.id]);
      await inlets().changeItem(`heartbeat:${item.id}`, item.id, () => ({ state: { late: false }, dueAt: T1, at: T0 }));
      await store.deleteItem(item.id, T1);
      expect(await inlets().getHeartbeat(item.id)).toBeUndefined();
      expect(await inlets().heartbeatBySecret("h2")).toBeUndefined();
      expect(await inlets().readState(`heartbeat:${item.id}`)).toBeUndefined();
      expect(await inlets().dueStates(T1, 10)).toEqual([]);
    });

    it("changeItem writes state, status and note in one write through the change log and history; a failed item write keeps nothing", async ({ skip }) => {
      if (!current().inlets) return skip();
      const { store, item, up, down } = await fixture();
      const before = (await store.changeLogBounds()).latest;
      const result = await inlets().changeItem<InletDecision>("alerts:x", item.id, (seen, state) => {
        expect(seen.status?.id).toBe(up.id);
        expect(state).toBeUndefined();
        return { state: { restore: up.id }, statusId: down.id, noteText: "High error rate", at: T1 };
      });
      expect(result?.changed).toBe(true);
      expect(result?.item.status?.id).toBe(down.id);
      expect(result?.item.updated).toEqual(T1);
      const item2 = await store.getItem(item.id, true);
      expect(item2?.status?.id).toBe(down.id);
      expect(item2?.notes?.map((n) => n.text)).toEqual(["High error rate"]);
      const changes = await store.readChanges(before, 100);
      expect(changes.map((c) => c.kind)).toEqual(["item_upsert", "item_upsert"]);
      const [transition] = await store.recentTransitions(item.id, 1);
      expect(transition).toMatchObject({ at: T1, status: { id: down.id } });
      expect(await inlets().readState("alerts:x")).toEqual({ key: "alerts:x", itemId: item.id, state: { restore: up.id }, dueAt: undefined });

      // Deciding nothing writes nothing; the same status is no change.
      const latest = (await store.changeLogBounds()).latest;
      expect((await inlets().changeItem("alerts:x", item.id, () => undefined))?.changed).toBe(false);
      expect((await inlets().changeItem("alerts:x", item.id, () => ({ state: { again: true }, statusId: down.id, at: T1 })))?.changed).toBe(false);
      expect((await store.changeLogBounds()).latest).toBe(latest);
      expect((await inlets().readState("alerts:x"))?.state).toEqual({ again: true });
      // A decision marked unchanged reports only.
      const unchanged = await inlets().changeItem("alerts:x", item.id, () => ({ state: { ignored: true }, statusId: up.id, noteText: "no", at: T1, unchanged: true }));
      expect(unchanged?.changed).toBe(false);
      expect((await inlets().readState("alerts:x"))?.state).toEqual({ again: true });
      expect((await store.getItem(item.id, false))?.status?.id).toBe(down.id);

      // A status that does not exist fails the whole write: the state stays as it was.
      await expectDomainError(() => inlets().changeItem("alerts:x", item.id, () => ({ state: { lost: true }, statusId: "no-such-status", at: T1 })), "not_found");
      expect((await inlets().readState("alerts:x"))?.state).toEqual({ again: true });

      // null deletes; a missing item is undefined and writes nothing.
      await inlets().changeItem("alerts:x", item.id, () => ({ state: null, at: T1 }));
      expect(await inlets().readState("alerts:x")).toBeUndefined();
      expect(await inlets().changeItem("alerts:y", "no-such-item", () => ({ state: {}, at: T1 }))).toBeUndefined();
      expect(await inlets().readState("alerts:y")).toBeUndefined();
    });

    it("finds due states soonest first, and keeps states and heartbeats across a restart", async ({ skip }) => {
      if (!current().inlets) return skip();
      const { item, down } = await fixture();
      const other = await current().addItem(newItem("db", { statusId: down.id }));
      await inlets().changeItem("heartbeat:b", other.id, () => ({ state: { n: 2 }, dueAt: new Date(T0.getTime() + 2000), at: T0 }));
      await inlets().changeItem("heartbeat:a", item.id, () => ({ state: { n: 1 }, dueAt: new Date(T0.getTime() + 1000), at: T0 }));
      await inlets().changeItem("alerts:c", item.id, () => ({ state: { n: 3 }, at: T0 }));
      expect(await inlets().dueStates(T0, 10)).toEqual([]);
      expect(await inlets().dueStates(new Date(T0.getTime() + 1000), 10)).toEqual(["heartbeat:a"]);
      expect(await inlets().dueStates(new Date(T0.getTime() + 5000), 10)).toEqual(["heartbeat:a", "heartbeat:b"]);
      expect(await inlets().dueStates(new Date(T0.getTime() + 5000), 1)).toEqual(["heartbeat:a"]);
      await inlets().putHeartbeat({
        itemId: item.id,
        secretHash: "h",
        config: { intervalSeconds: 5, graceSeconds: 1, lateStatusId: down.id, lateNote: "late" },
        created: T0,
        updated: T0,
      });
      await reopen();
      expect(await inlets().dueStates(new Date(T0.getTime() + 5000), 10)).toEqual(["heartbeat:a", "heartbeat:b"]);
      expect((await inlets().readState("heartbeat:a"))?.dueAt).toEqual(new Date(T0.getTime() + 1000));
      expect((await inlets().heartbeatBySecret("h"))?.config.lateNote).toBe("late");
    });
  });
}
