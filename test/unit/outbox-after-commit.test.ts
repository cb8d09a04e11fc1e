/** When a commit wakes the webhook delivery worker: only when its changes may have written an outbox event. */
import { afterEach, describe, expect, it } from "vitest";
import type { ItemView } from "../../server/domain.js";
import type { IncidentRecord, MaintenanceRecord } from "../../server/incident-records.js";
import { createLogger } from "../../server/logger.js";
import type { LoggedChange } from "../../server/store/change-codec.js";
import { newItem, newStatus } from "../../server/store/conformance-fixtures.js";
import { deriveOutboxEvent, mayMakeOutboxEvent } from "../../server/store/sql/outbox.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import { EMPTY_SETTINGS } from "../../server/store/settings-store.js";
import { DeliveryWorker } from "../../server/webhooks/delivery-worker.js";
import { MailWorker } from "../../server/mail/mail-worker.js";

const T = new Date("2024-03-01T10:00:00.000Z");
const status = { id: "s1", name: "Up", description: "", color: "#00FF00", kind: 1, created: T, updated: T };
const item: ItemView = { id: "i1", name: "web", description: "", status, notes: undefined, position: 0, created: T, updated: T };
const note = { id: "n1", itemId: "i1", text: "hello", created: T, updated: T, seq: 1 };
const incident: IncidentRecord = { id: "inc1", title: "Down", impact: 3, state: 1, items: [], updates: [], resolvedAt: undefined, created: T, updated: T } as IncidentRecord;
const maintenance: MaintenanceRecord = {
  id: "m1",
  title: "Upgrade",
  message: "",
  startsAt: new Date(T.getTime() + 3_600_000),
  endsAt: new Date(T.getTime() + 7_200_000),
  statusId: "s1",
  items: [],
  phase: 1,
  startedAt: undefined,
  endedAt: undefined,
  created: T,
  updated: T,
} as MaintenanceRecord;

/** One change of every kind (a new kind fails to compile here until it is added). */
const EVERY_KIND: { [K in LoggedChange["kind"]]: Extract<LoggedChange, { kind: K }> } = {
  status_upsert: { kind: "status_upsert", status },
  status_delete: { kind: "status_delete", id: "s1" },
  item_upsert: { kind: "item_upsert", item },
  item_delete: { kind: "item_delete", id: "i1", notes: [] },
  note_upsert: { kind: "note_upsert", item, note },
  note_delete: { kind: "note_delete", item, note },
  incident_upsert: { kind: "incident_upsert", incident },
  incident_delete: { kind: "incident_delete", id: "inc1" },
  maintenance_upsert: { kind: "maintenance_upsert", maintenance },
  maintenance_delete: { kind: "maintenance_delete", id: "m1" },
  group_upsert: { kind: "group_upsert", group: { id: "g1", name: "G", description: "", position: 0, collapsed: false, created: T, updated: T } },
  group_delete: { kind: "group_delete", id: "g1" },
  settings_upsert: { kind: "settings_upsert", settings: EMPTY_SETTINGS },
};

describe("which changes may make an outbox event", () => {
  it("says no exactly for the kinds whose changes never make one", () => {
    for (const change of Object.values(EVERY_KIND)) {
      // Told nothing before, every kind that can make an event makes one.
      expect(mayMakeOutboxEvent(change), change.kind).toBe(deriveOutboxEvent(change, undefined).event !== undefined);
    }
  });
});

describe("the delivery worker after a commit", () => {
  let store: SqliteStore | undefined;
  let worker: DeliveryWorker | undefined;
  afterEach(async () => {
    await worker?.stop();
    await store?.close();
  });

  it("looks for work after a commit that may have written an event, not after one that cannot have", async () => {
    store = new SqliteStore({ path: ":memory:" });
    const outbox = store.outbox;
    let claims = 0;
    const claim = outbox.claimDueWebhooks.bind(outbox);
    outbox.claimDueWebhooks = (...args) => (claims++, claim(...args));
    worker = new DeliveryWorker(
      outbox,
      async () => ({ statusCode: 204, durationMs: 1, error: "" }),
      () => new Date(),
      createLogger("silent"),
      { pollMs: 3_600_000 },
    );
    const logged: LoggedChange["kind"][][] = [];
    store.onCommit((committed) => {
      logged.push(committed.map((c) => c.kind));
      worker!.committed(committed);
    });
    const up = await store.addStatus(newStatus("Up"));
    await store.updateStatus(up.id, { name: "Fine", updated: new Date() });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(logged).toEqual([["status_upsert"], ["status_upsert"]]);
    expect(claims).toBe(0);
    await store.addItem(newItem("web", { statusId: up.id }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(claims).toBe(1);
  });

  it("the mail worker too: claiming its cursor is a write, not made for a commit that cannot have made an event", async () => {
    store = new SqliteStore({ path: ":memory:" });
    const mail = store.mail!;
    await mail.ensureCursor();
    let claims = 0;
    const claim = mail.claimCursor.bind(mail);
    mail.claimCursor = (...args) => (claims++, claim(...args));
    const mailer = new MailWorker(
      {
        mail,
        outbox: store.outbox,
        send: async () => "250 ok",
        now: () => new Date(),
        log: createLogger("silent"),
        context: async () => ({ publicUrl: "http://status.example.com", pageName: "Status" }),
      },
      { pollMs: 3_600_000 },
    );
    try {
      store.onCommit((committed) => mailer.committed(committed));
      const up = await store.addStatus(newStatus("Up"));
      await store.updateStatus(up.id, { name: "Fine", updated: new Date() });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(claims).toBe(0);
      await store.addItem(newItem("web", { statusId: up.id }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(claims).toBeGreaterThanOrEqual(1);
    } finally {
      await mailer.stop();
    }
  });
});
