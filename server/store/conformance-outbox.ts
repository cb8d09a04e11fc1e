/** The conformance suite's part on the outbox (`Store.outbox`): see conformance.ts. Skipped for stores that keep none. */
import { newId } from "../ids.js";
import { expectDomainError, newItem, newNote, newStatus, type TestFunctions } from "./conformance-fixtures.js";
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
