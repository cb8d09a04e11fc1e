/** The conformance suite's part on the outbox (`Store.outbox`): see conformance.ts. Skipped for stores that keep none. */
import { newId } from "../ids.js";
import type { AffectedItemRecord, IncidentRecord, IncidentUpdateRecord, MaintenanceRecord } from "../incident-records.js";
import { expectDomainError, newItem, newNote, newStatus, type TestFunctions } from "./conformance-fixtures.js";
import type { IncidentKind, IncidentKinds } from "./incident-store.js";
import type { DeliveryRecord, NewWebhook, OutboxStore, WebhookProgress } from "./outbox-store.js";
import type { Store } from "./store.js";

const T0 = new Date("2024-03-01T10:00:00.000Z");
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

/** A valid new webhook, as the service would hand it to the store. */
export function newWebhook(fields: Partial<NewWebhook> = {}): NewWebhook {
  return {
    id: newId(),
    url: "https://hooks.example.com/statusthing",
    description: "ops chat",
    events: [],
    itemIds: [],
    format: "standard",
    secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    previousSecret: undefined,
    previousSecretUntil: undefined,
    enabled: true,
    created: T0,
    updated: T0,
    ...fields,
  };
}

function delivery(webhookId: string, eventId: string, fields: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return { id: newId(), webhookId, eventId, eventType: "item.added", at: T0, attempt: 1, statusCode: 200, durationMs: 12, error: "", ok: true, ...fields };
}

const affected = (itemId: string): AffectedItemRecord => ({ itemId, itemName: itemId, statusId: undefined, changed: false, previousStatusId: undefined, leftAlone: false });
const update = (state: IncidentUpdateRecord["state"], message: string, at: Date): IncidentUpdateRecord => ({
  id: newId(),
  state,
  message,
  statusChanges: [],
  created: at,
  author: "admin",
});

/** Writes what `next` makes of the current record (undefined: a new one), as the services do: one read-decide-write. */
async function writeRecord<K extends IncidentKind>(store: Store, kind: K, id: string, next: (current: IncidentKinds[K] | undefined) => IncidentKinds[K]): Promise<void> {
  await store.incidents.write({
    kind,
    id,
    reads: () => ({ itemIds: [], statusIds: [] }),
    decide: ({ current }) => {
      const record = next(current);
      return { record, itemChanges: [], at: record.updated, result: undefined };
    },
  });
}

/** Checks the outbox: events written with their changes, webhooks, claims and leases, deliveries. */
export function describeOutboxContract(current: () => Store, reopen: () => Promise<Store>, test: TestFunctions): void {
  const { describe, it, expect } = test;
  const outbox = (): OutboxStore => {
    const found = current().outbox;
    if (!found) throw new Error("this store keeps no outbox");
    return found;
  };

  describe("outbox", () => {
    it("writes the event each change makes, at the change's revision, in order", async () => {
      const store = current();
      const up = await store.addStatus(newStatus("Up", { kind: 1 }));
      const down = await store.addStatus(newStatus("Down", { kind: 2, color: "#FF0000" }));
      const item = await store.addItem(newItem("api", { statusId: up.id }));
      await store.updateItem(item.id, { name: "API", updated: T0 }); // a rename: no event
      await store.updateItem(item.id, { statusId: down.id, updated: T0 });
      const note = await store.addNote(newNote(item.id, "looking into it"));
      await store.updateNote(note.id, "found it", T0);
      await store.deleteNote(note.id, T0); // no event
      await store.deleteItem(item.id);
      const events = await outbox().eventsAfter(0, 100);
      expect(events.map((e) => e.type)).toEqual(["item.added", "item.status_changed", "note.added", "note.updated", "item.removed"]);
      const changes = await store.readChanges(0, 100);
      for (const event of events) expect(changes.some((c) => c.revision === event.revision)).toBe(true);
      expect(events.map((e) => e.revision)).toEqual([...events.map((e) => e.revision)].sort((a, b) => a - b));
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      expect(events.every((e) => e.itemId === item.id)).toBe(true);
      const changed = events[1]!.data as { item: { name: string; status: { id: string; kind: number } }; previous_status: { id: string; kind: number } };
      expect(changed.item.name).toBe("API");
      expect(changed.item.status).toMatchObject({ id: down.id, kind: 2 });
      expect(changed.previous_status).toMatchObject({ id: up.id, kind: 1 });
      expect(events[3]!.data).toMatchObject({ note: { id: note.id, text: "found it" } });
      expect(events[4]!.data).toMatchObject({ item: { id: item.id, name: "API" } });
      expect(await outbox().latestEventRevision()).toBe(events[4]!.revision);
      expect(await outbox().eventsAfter(events[2]!.revision, 1)).toEqual([events[3]]);
    });

    it("a status whose kind changes makes a status change for each of its items; a failed write makes no event", async () => {
      const store = current();
      const status = await store.addStatus(newStatus("Ok", { kind: 1 }));
      const a = await store.addItem(newItem("a", { statusId: status.id }));
      await store.addItem(newItem("b", { statusId: status.id }));
      await store.updateStatus(status.id, { kind: 3, updated: T0 });
      await store.updateStatus(status.id, { name: "Fine", updated: T0 });
      await expectDomainError(() => store.updateItem(a.id, { name: "b", updated: T0 }), "already_exists");
      await expectDomainError(() => store.updateItem(a.id, { statusId: newId(), updated: T0 }), "not_found");
      const types = (await outbox().eventsAfter(0, 100)).map((e) => e.type);
      expect(types).toEqual(["item.added", "item.added", "item.status_changed", "item.status_changed"]);
    });

    it("an incident makes created, updated (a new update, or another title, impact, state or items) and resolved; other writes and its deletion none", async () => {
      const store = current();
      const id = newId();
      const first = update(1, "We are looking into errors.", minutes(1));
      const opened: IncidentRecord = {
        id,
        title: "API errors",
        impact: 3,
        state: 1,
        items: [affected("api"), affected("web")],
        updates: [first],
        resolvedAt: undefined,
        created: minutes(1),
        updated: minutes(1),
      };
      const edit = (fields: (r: IncidentRecord) => Partial<IncidentRecord>) => writeRecord(store, "incident", id, (r) => ({ ...r!, ...fields(r!) }));
      const { latest } = await store.changeLogBounds();
      await writeRecord(store, "incident", id, () => opened);
      await edit(() => ({ title: "API errors in eu-1", updated: minutes(2) })); // updated, without an update
      await edit(() => ({ updated: minutes(3) })); // nothing anyone is told about: no event
      await edit((r) => ({ items: r.items.map((i) => ({ ...i, leftAlone: true })), updated: minutes(3) })); // no event
      const second = update(2, "Found it: a bad deploy.", minutes(4));
      await edit((r) => ({ state: 2, updates: [...r.updates, second], updated: minutes(4) }));
      await edit(() => ({ impact: 2, updated: minutes(5) }));
      await edit((r) => ({ items: r.items.slice(0, 1), updated: minutes(6) }));
      const last = update(4, "Rolled back; all good.", minutes(7));
      await edit((r) => ({ state: 4, updates: [...r.updates, last], resolvedAt: minutes(7), updated: minutes(7) }));
      await edit(() => ({ title: "API errors (eu-1)", updated: minutes(8) })); // edited after: updated, still resolved
      await store.incidents.remove("incident", id); // no event
      const events = (await outbox().eventsAfter(latest, 100)).filter((e) => e.type.startsWith("incident."));
      expect(events.map((e) => e.type)).toEqual([
        "incident.created",
        "incident.updated",
        "incident.updated",
        "incident.updated",
        "incident.updated",
        "incident.resolved",
        "incident.updated",
      ]);
      expect(events.every((e) => e.itemId === undefined)).toBe(true);
      const changes = await store.readChanges(latest, 100);
      for (const event of events) expect(changes.find((c) => c.revision === event.revision)?.kind).toBe("incident_upsert");
      expect((await outbox().eventsAfter(latest, 100)).map((e) => e.type)).toEqual(events.map((e) => e.type));
      expect(events[0]!.data).toEqual({
        incident: { id, title: "API errors", impact: "major", state: "investigating", item_ids: ["api", "web"], created: minutes(1).toISOString() },
        update: { id: first.id, state: "investigating", message: "We are looking into errors.", created: minutes(1).toISOString() },
      });
      expect(events[1]!.data).toEqual({
        incident: { id, title: "API errors in eu-1", impact: "major", state: "investigating", item_ids: ["api", "web"], created: minutes(1).toISOString() },
      });
      expect(events[2]!.data).toMatchObject({ incident: { state: "identified" }, update: { id: second.id, state: "identified", message: "Found it: a bad deploy." } });
      expect(events[3]!.data).toMatchObject({ incident: { impact: "minor" } });
      expect(events[3]!.data.update).toBeUndefined();
      expect(events[4]!.data).toMatchObject({ incident: { item_ids: ["api"] } });
      expect(events[5]!.data).toEqual({
        incident: {
          id,
          title: "API errors in eu-1",
          impact: "minor",
          state: "resolved",
          item_ids: ["api"],
          created: minutes(1).toISOString(),
          resolved_at: minutes(7).toISOString(),
        },
        update: { id: last.id, state: "resolved", message: "Rolled back; all good.", created: minutes(7).toISOString() },
      });
      expect(events[6]!.data).toMatchObject({ incident: { title: "API errors (eu-1)", state: "resolved" } });
    });

    it("a maintenance window makes scheduled (new, or new times), started and ended (completed or cancelled); other edits and its deletion none", async () => {
      const store = current();
      const window = (fields: Partial<MaintenanceRecord>): MaintenanceRecord => ({
        id: newId(),
        title: "Database upgrade",
        message: "Writes pause for a minute.",
        startsAt: minutes(60),
        endsAt: minutes(90),
        statusId: "maintenance",
        items: [affected("db")],
        phase: 1,
        startedAt: undefined,
        endedAt: undefined,
        created: T0,
        updated: T0,
        ...fields,
      });
      const planned = window({});
      const edit = (id: string, fields: Partial<MaintenanceRecord>) => writeRecord(store, "maintenance", id, (r) => ({ ...r!, ...fields }));
      const { latest } = await store.changeLogBounds();
      await writeRecord(store, "maintenance", planned.id, () => planned);
      await edit(planned.id, { message: "Writes pause for two minutes.", items: [], updated: minutes(1) }); // no event
      await edit(planned.id, { startsAt: minutes(120), endsAt: minutes(150), updated: minutes(2) }); // new times: scheduled again
      await edit(planned.id, { phase: 2, startedAt: minutes(120), updated: minutes(120) });
      await edit(planned.id, { message: "Almost done.", updated: minutes(130) }); // no event
      await edit(planned.id, { endsAt: minutes(160), updated: minutes(131) }); // a later end while active: scheduled, phase active
      await edit(planned.id, { phase: 3, endedAt: minutes(160), updated: minutes(160) });
      await edit(planned.id, { title: "Database upgrade (done)", updated: minutes(161) }); // over: no event
      const called = window({ title: "Called off" });
      await writeRecord(store, "maintenance", called.id, () => called);
      await edit(called.id, { phase: 4, endedAt: minutes(5), updated: minutes(5) });
      const now = window({ title: "Already begun", phase: 2, startsAt: T0, startedAt: T0 });
      await writeRecord(store, "maintenance", now.id, () => now); // a new window that has begun: started
      await store.incidents.remove("maintenance", now.id); // no event
      const events = (await outbox().eventsAfter(latest, 100)).filter((e) => e.type.startsWith("maintenance."));
      expect(events.map((e) => [e.type, (e.data.maintenance as { title: string; phase: string }).phase])).toEqual([
        ["maintenance.scheduled", "scheduled"],
        ["maintenance.scheduled", "scheduled"],
        ["maintenance.started", "active"],
        ["maintenance.scheduled", "active"],
        ["maintenance.ended", "completed"],
        ["maintenance.scheduled", "scheduled"],
        ["maintenance.ended", "cancelled"],
        ["maintenance.started", "active"],
      ]);
      expect(events.every((e) => e.itemId === undefined)).toBe(true);
      expect(events[0]!.data).toEqual({
        maintenance: {
          id: planned.id,
          title: "Database upgrade",
          message: "Writes pause for a minute.",
          starts_at: minutes(60).toISOString(),
          ends_at: minutes(90).toISOString(),
          phase: "scheduled",
          item_ids: ["db"],
        },
      });
      expect(events[1]!.data).toMatchObject({ maintenance: { starts_at: minutes(120).toISOString(), ends_at: minutes(150).toISOString(), item_ids: [] } });
      expect(events[3]!.data).toMatchObject({ maintenance: { ends_at: minutes(160).toISOString(), message: "Almost done." } });
      expect(events[7]!.data).toMatchObject({ maintenance: { id: now.id, title: "Already begun" } });
    });

    it("adds, edits, lists and deletes webhooks; a new one starts after the newest event", async () => {
      const store = current();
      const status = await store.addStatus(newStatus("Up"));
      await store.addItem(newItem("api", { statusId: status.id }));
      const latest = await outbox().latestEventRevision();
      const input = newWebhook({ events: ["item.status_changed"], itemIds: ["x"] });
      const added = await outbox().addWebhook(input);
      expect(added).toMatchObject({ ...input, cursor: latest, attempts: 0, disabledReason: "", failingSince: undefined });
      expect(await outbox().getWebhook(added.id)).toEqual(added);
      const updated = await outbox().updateWebhook(added.id, {
        url: "https://other.example.com/",
        format: "slack",
        previousSecret: input.secret,
        previousSecretUntil: minutes(60),
        secret: "whsec_bmV3c2VjcmV0bmV3c2VjcmV0",
        updated: minutes(1),
      });
      expect(updated).toMatchObject({ url: "https://other.example.com/", format: "slack", description: "ops chat", previousSecret: input.secret, events: ["item.status_changed"] });
      expect(updated.previousSecretUntil?.getTime()).toBe(minutes(60).getTime());
      const second = await outbox().addWebhook(newWebhook());
      expect((await outbox().listWebhooks()).map((w) => w.id)).toEqual([added.id, second.id].sort());
      await outbox().deleteWebhook(added.id);
      expect(await outbox().getWebhook(added.id)).toBeUndefined();
      await expectDomainError(() => outbox().deleteWebhook(added.id), "not_found");
      await expectDomainError(() => outbox().updateWebhook(added.id, { description: "x", updated: T0 }), "not_found");
    });

    it("leases a due webhook to one owner at a time and takes progress only from its owner", async () => {
      const store = current();
      const hook = await outbox().addWebhook(newWebhook());
      // Nothing after its cursor yet: not due.
      expect(await outbox().claimDueWebhooks("a", minutes(1), minutes(2), 10)).toEqual([]);
      const status = await store.addStatus(newStatus("Up"));
      await store.addItem(newItem("api", { statusId: status.id }));
      const [event] = await outbox().eventsAfter(hook.cursor, 10);
      const claimed = await outbox().claimDueWebhooks("a", minutes(1), minutes(2), 10);
      expect(claimed.map((w) => w.id)).toEqual([hook.id]);
      expect(await outbox().claimDueWebhooks("b", minutes(1), minutes(2), 10)).toEqual([]);
      const failed: WebhookProgress = { cursor: hook.cursor, attempts: 1, nextAttemptAt: minutes(5), failingSince: minutes(1), leaseUntil: undefined };
      expect(await outbox().recordProgress(hook.id, "b", failed, [])).toBe(false);
      expect(await outbox().recordProgress(hook.id, "a", failed, [delivery(hook.id, event!.id, { ok: false, statusCode: 503, error: "HTTP 503" })])).toBe(true);
      // Released, but not due before its next attempt.
      expect(await outbox().claimDueWebhooks("b", minutes(2), minutes(3), 10)).toEqual([]);
      const again = await outbox().claimDueWebhooks("b", minutes(5), minutes(6), 10);
      expect(again).toMatchObject([{ id: hook.id, attempts: 1 }]);
      // b's lease runs out: another may take it over.
      expect((await outbox().claimDueWebhooks("c", minutes(7), minutes(8), 10)).map((w) => w.id)).toEqual([hook.id]);
      expect(await outbox().recordProgress(hook.id, "b", failed, [])).toBe(false);
      const done: WebhookProgress = { cursor: event!.revision, attempts: 0, nextAttemptAt: minutes(7), failingSince: undefined, leaseUntil: undefined };
      expect(await outbox().recordProgress(hook.id, "c", done, [delivery(hook.id, event!.id, { attempt: 2, at: minutes(7) })])).toBe(true);
      expect(await outbox().getWebhook(hook.id)).toMatchObject({ cursor: event!.revision, attempts: 0, failingSince: undefined, enabled: true });
      expect(await outbox().claimDueWebhooks("a", minutes(9), minutes(10), 10)).toEqual([]);
      const deliveries = await outbox().listDeliveries(hook.id, 10);
      expect(deliveries.map((d) => [d.attempt, d.ok, d.statusCode, d.error])).toEqual([
        [2, true, 200, ""],
        [1, false, 503, "HTTP 503"],
      ]);
    });

    it("disables a webhook when told, and re-enables it with its failures forgotten", async () => {
      const store = current();
      const hook = await outbox().addWebhook(newWebhook());
      await store.addStatus(newStatus("Up")).then((s) => store.addItem(newItem("api", { statusId: s.id })));
      await outbox().claimDueWebhooks("a", minutes(1), minutes(2), 10);
      const progress: WebhookProgress = {
        cursor: hook.cursor,
        attempts: 9,
        nextAttemptAt: minutes(60),
        failingSince: T0,
        disabledReason: "failing for 24 hours",
        leaseUntil: undefined,
      };
      expect(await outbox().recordProgress(hook.id, "a", progress, [])).toBe(true);
      expect(await outbox().getWebhook(hook.id)).toMatchObject({ enabled: false, disabledReason: "failing for 24 hours", attempts: 9 });
      expect(await outbox().claimDueWebhooks("a", minutes(100), minutes(101), 10)).toEqual([]);
      const again = await outbox().reenableWebhook(hook.id, minutes(100));
      expect(again).toMatchObject({ enabled: true, disabledReason: "", attempts: 0, failingSince: undefined, cursor: hook.cursor });
      expect((await outbox().claimDueWebhooks("a", minutes(100), minutes(101), 10)).map((w) => w.id)).toEqual([hook.id]);
      await expectDomainError(() => outbox().reenableWebhook(newId(), T0), "not_found");
    });

    it("keeps events, cursors and deliveries across a restart; prunes only what every webhook is done with", async () => {
      const store = current();
      const hook = await outbox().addWebhook(newWebhook());
      const status = await store.addStatus(newStatus("Up"));
      await store.addItem(newItem("one", { statusId: status.id }));
      await store.addItem(newItem("two", { statusId: status.id }));
      const events = await outbox().eventsAfter(0, 10);
      await outbox().recordDelivery(delivery(hook.id, events[0]!.id));
      await reopen();
      expect(await outbox().eventsAfter(0, 10)).toEqual(events);
      expect(await outbox().listDeliveries(hook.id, 10)).toHaveLength(1);
      // The webhook still needs both: nothing goes, however old.
      expect(await outbox().pruneOutbox(new Date(Date.now() + 86_400_000), 10)).toBe(0);
      await outbox().claimDueWebhooks("a", new Date(), new Date(Date.now() + 60_000), 1);
      const progress: WebhookProgress = { cursor: events[0]!.revision, attempts: 0, nextAttemptAt: new Date(), failingSince: undefined, leaseUntil: undefined };
      await outbox().recordProgress(hook.id, "a", progress, []);
      expect(await outbox().pruneOutbox(new Date(Date.now() + 86_400_000), 10)).toBe(1);
      expect((await outbox().eventsAfter(0, 10)).map((e) => e.id)).toEqual([events[1]!.id]);
    });
  });
}
