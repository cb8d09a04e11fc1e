/** The conformance suite's part on `store.incidents` (incident-store.ts): see conformance.ts. */
import { notFound } from "../errors.js";
import { newId } from "../ids.js";
import type { IncidentRecord, MaintenanceRecord } from "../incident-records.js";
import type { ChangeRecord } from "../domain.js";
import type { IncidentWrite, WriteFacts } from "./incident-store.js";
import type { Store } from "./store.js";
import { expectDomainError, newItem, newNote, newStatus, type TestFunctions } from "./conformance-fixtures.js";

const T = (minute: number) => new Date(Date.UTC(2024, 4, 1, 12, minute));

function incident(fields: Partial<IncidentRecord> = {}): IncidentRecord {
  return { id: newId(), title: "Outage", impact: 3, state: 1, items: [], updates: [], resolvedAt: undefined, created: T(0), updated: T(0), ...fields };
}

function maintenance(fields: Partial<MaintenanceRecord> = {}): MaintenanceRecord {
  return {
    id: newId(),
    title: "Upgrade",
    message: "",
    startsAt: T(10),
    endsAt: T(20),
    statusId: "s",
    items: [],
    phase: 1,
    startedAt: undefined,
    endedAt: undefined,
    created: T(0),
    updated: T(0),
    ...fields,
  };
}

/** A write that puts `record` as it is, changing nothing else. */
function put<K extends "incident" | "maintenance">(kind: K, record: K extends "incident" ? IncidentRecord : MaintenanceRecord): IncidentWrite<K, void> {
  return {
    kind,
    id: record.id,
    reads: () => ({ itemIds: [], statusIds: [] }),
    decide: () => ({ record: record as never, itemChanges: [], at: record.updated, result: undefined }),
  };
}

/** Checks `store.incidents`: atomic read-decide-writes, their item changes and log entries, lists, due windows. */
export function describeIncidentsContract(current: () => Store, test: TestFunctions): void {
  const { describe, it, expect } = test;
  const kinds = (changes: ChangeRecord[]) => changes.map((c) => c.kind);

  describe("incidents (store.incidents)", () => {
    it("writes a record with its item changes in one write: statuses, notes, history and the log, the record last", async () => {
      const store = current();
      const up = await store.addStatus(newStatus("Up"));
      const down = await store.addStatus(newStatus("Down", { kind: 2 }));
      const web = await store.addItem(newItem("web", { statusId: up.id }));
      const { latest } = await store.changeLogBounds();
      const record = incident();
      const seen: Array<WriteFacts<"incident">> = [];
      const result = await store.incidents.write({
        kind: "incident",
        id: record.id,
        reads: () => ({ itemIds: [web.id, "missing"], statusIds: [down.id, "missing"] }),
        decide: (facts) => {
          seen.push(facts);
          return { record, itemChanges: [{ itemId: web.id, statusId: down.id, note: newNote(web.id, "from the incident", T(1)) }], at: T(1), result: "done" };
        },
      });
      expect(result).toBe("done");
      expect(seen[seen.length - 1]!.current).toBeUndefined();
      expect([...seen[seen.length - 1]!.items.values()]).toEqual([{ id: web.id, name: "web", statusId: up.id }]);
      expect([...seen[seen.length - 1]!.statuses]).toEqual([down.id]);
      expect(await store.incidents.get("incident", record.id)).toEqual(record);
      expect(await store.incidents.get("maintenance", record.id)).toBeUndefined();
      const item = await store.getItem(web.id, true);
      expect([item?.status?.id, item?.notes?.map((n) => n.text), item?.updated]).toEqual([down.id, ["from the incident"], T(1)]);
      const changes = await store.readChanges(latest, 100);
      expect(kinds(changes).at(-1)).toBe("incident_upsert");
      expect(kinds(changes).filter((k) => k === "item_upsert").length).toBeGreaterThanOrEqual(1);
      expect(changes.at(-1)).toMatchObject({ kind: "incident_upsert", incident: record });
      const [transition] = await store.recentTransitions(web.id, 1);
      expect([transition?.status?.id, transition?.at]).toEqual([down.id, T(1)]);
      expect((await store.incidents.live()).incidents.map((i) => i.id)).toEqual([record.id]);
    });

    it("writes nothing when the decision throws, or decides there is nothing to do", async () => {
      const store = current();
      const up = await store.addStatus(newStatus("Up"));
      const web = await store.addItem(newItem("web", { statusId: up.id }));
      const { latest } = await store.changeLogBounds();
      const id = newId();
      await expectDomainError(
        () =>
          store.incidents.write({
            kind: "incident",
            id,
            reads: () => ({ itemIds: [web.id], statusIds: [] }),
            decide: () => {
              throw notFound("item", "x");
            },
          }),
        "not_found",
      );
      const nothing = await store.incidents.write({
        kind: "incident",
        id,
        reads: () => ({ itemIds: [], statusIds: [] }),
        decide: () => ({ record: undefined, itemChanges: [{ itemId: web.id, statusId: undefined, note: newNote(web.id, "never") }], at: T(1), result: 7 }),
      });
      expect(nothing).toBe(7);
      expect(await store.incidents.get("incident", id)).toBeUndefined();
      expect((await store.changeLogBounds()).latest).toBe(latest);
      expect((await store.getItem(web.id, true))?.notes).toEqual([]);
    });

    it("applies a conditional transition once when two writes race on one record", async () => {
      const store = current();
      const window = maintenance();
      await store.incidents.write(put("maintenance", window));
      const start = (): IncidentWrite<"maintenance", boolean> => ({
        kind: "maintenance",
        id: window.id,
        reads: () => ({ itemIds: [], statusIds: [] }),
        decide: ({ current }) =>
          current?.phase === 1
            ? { record: { ...current, phase: 2, startedAt: T(10) }, itemChanges: [], at: T(10), result: true }
            : { record: undefined, itemChanges: [], at: T(10), result: false },
      });
      const { latest } = await store.changeLogBounds();
      const outcomes = await Promise.all([start(), start(), start()].map((w) => store.incidents.write(w)));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect(kinds(await store.readChanges(latest, 100))).toEqual(["maintenance_upsert"]);
      expect((await store.incidents.get("maintenance", window.id))?.phase).toBe(2);
    });

    it("lists by kind and phase, newest or soonest first, in a time range, after a given record; says which windows are due", async () => {
      const store = current();
      const a = maintenance({ startsAt: T(10), endsAt: T(20) });
      const b = maintenance({ startsAt: T(30), endsAt: T(40), phase: 2, startedAt: T(30) });
      const c = maintenance({ startsAt: T(50), endsAt: T(55), phase: 4, endedAt: T(1) });
      const open = incident({ created: T(5) });
      const resolved = incident({ created: T(2), state: 4, resolvedAt: T(8) });
      for (const w of [a, b, c]) await store.incidents.write(put("maintenance", w));
      for (const i of [open, resolved]) await store.incidents.write(put("incident", i));
      const list = (query: Partial<Parameters<Store["incidents"]["list"]>[0]>) =>
        store.incidents.list({ kind: "maintenance", phases: [], from: undefined, to: undefined, order: "newest", limit: 10, after: undefined, ...query });
      const ids = async (query: Partial<Parameters<Store["incidents"]["list"]>[0]>) => (await list(query)).map((r) => r.id);
      expect(await ids({})).toEqual([c.id, b.id, a.id]);
      expect(await ids({ order: "soonest" })).toEqual([a.id, b.id, c.id]);
      expect(await ids({ phases: [1, 2], order: "soonest" })).toEqual([a.id, b.id]);
      expect(await ids({ limit: 1, after: { startsAt: c.startsAt, id: c.id } })).toEqual([b.id]);
      expect(await ids({ order: "soonest", after: { startsAt: a.startsAt, id: a.id } })).toEqual([b.id, c.id]);
      // From: still running then (c ended early, at minute 1); to: started before then.
      expect(await ids({ from: T(15) })).toEqual([b.id, a.id]);
      expect(await ids({ to: T(30) })).toEqual([a.id]);
      expect((await store.incidents.list({ kind: "incident", phases: [], from: undefined, to: undefined, order: "newest", limit: 10, after: undefined })).map((r) => r.id)).toEqual(
        [open.id, resolved.id],
      );
      expect((await store.incidents.list({ kind: "incident", phases: [2], from: T(9), to: undefined, order: "newest", limit: 10, after: undefined })).map((r) => r.id)).toEqual([]);
      expect(await store.incidents.dueMaintenance(T(9), 10)).toEqual([]);
      expect(await store.incidents.dueMaintenance(T(10), 10)).toEqual([a.id]);
      expect(await store.incidents.dueMaintenance(T(45), 10)).toEqual([a.id, b.id]);
      const live = await store.incidents.live();
      expect([live.incidents.map((i) => i.id), live.maintenances.map((m) => m.id).sort()]).toEqual([[open.id], [a.id, b.id].sort()]);
    });

    it("removes a record, logging its removal; not_found for one that is not there", async () => {
      const store = current();
      const record = incident();
      await store.incidents.write(put("incident", record));
      await expectDomainError(() => store.incidents.remove("maintenance", record.id), "not_found");
      const { latest } = await store.changeLogBounds();
      await store.incidents.remove("incident", record.id);
      expect(await store.readChanges(latest, 10)).toMatchObject([{ kind: "incident_delete", id: record.id }]);
      expect(await store.incidents.get("incident", record.id)).toBeUndefined();
      await expectDomainError(() => store.incidents.remove("incident", record.id), "not_found");
    });
  });
}
