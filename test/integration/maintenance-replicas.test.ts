/**
 * Two replicas (two apps, each with its own PostgresStore and pool) on one PostgreSQL schema,
 * both running the maintenance scheduler on the same clock, ticking at the same moments: each
 * window starts once and ends once. Asserted on the change log and the item history, not on timing.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp, type App } from "../../server/app.js";
import { createLogger } from "../../server/logger.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import type { PostgresStore } from "../../server/store/postgres/postgres-store.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { rpc } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";

const describePg = await describeWithPostgres("the maintenance replica test");
const WINDOWS = 6;

describePg("maintenance transitions with two PostgreSQL replicas running their schedulers", () => {
  let schemas: TestSchemas;
  const servers: RunningServer[] = [];
  const apps: App[] = [];
  const stores: PostgresStore[] = [];
  const urls: string[] = [];
  let clock = new Date("2026-08-01T09:00:00Z");

  beforeAll(async () => {
    schemas = new TestSchemas();
    const schema = await schemas.create();
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    for (let i = 0; i < 2; i++) {
      const store = await schemas.open(schema);
      const app = await createApp({ store, logger: createLogger("warn", quiet), adminPassword: TEST_ADMIN_PASSWORD, now: () => clock, maintenanceTickMs: 0 });
      const server = await serve(app, "127.0.0.1:0");
      stores.push(store);
      apps.push(app);
      servers.push(server);
      urls.push(server.url);
      await registerAdminToken(server.url);
    }
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) await server.close(2_000);
    await schemas?.dropAll();
  });

  /** Both replicas tick at once, a few times over; returns how many transitions each applied. */
  const tickBoth = async () => {
    const counts = [0, 0];
    for (let round = 0; round < 3; round++) {
      const [a, b] = await Promise.all([apps[0]!.maintenance.tick(), apps[1]!.maintenance.tick()]);
      counts[0]! += a;
      counts[1]! += b;
    }
    return counts;
  };

  it("applies each start and each end once, whichever replica gets there", async () => {
    const [a, b] = urls as [string, string];
    const statuses = (await rpc(a, "statusthing.v1.StatusService/ListStatus")).body.statuses as Array<{ id: string; name: string }>;
    const up = statuses.find((s) => s.name === "UP")!.id;
    const maint = (
      (await rpc(a, "statusthing.v1.StatusService/AddStatus", { name: "Maintenance", color: "#3366FF", kind: "STATUS_KIND_UNAVAILABLE" })).body.status as { id: string }
    ).id;
    const items: string[] = [];
    const windows: string[] = [];
    for (let i = 0; i < WINDOWS; i++) {
      items.push(((await rpc(a, "statusthing.v1.ItemsService/AddItem", { name: `node ${i}`, initialStatusId: up })).body.item as { id: string }).id);
      const scheduled = await rpc(i % 2 ? a : b, "statusthing.v1.IncidentsService/ScheduleMaintenance", {
        title: `Reboot ${i}`,
        startsAt: "2026-08-01T10:00:00Z",
        endsAt: "2026-08-01T11:00:00Z",
        itemIds: [items[i]],
        statusId: maint,
      });
      expect(scheduled.code, scheduled.text).toBe("ok");
      windows.push((scheduled.body.maintenance as { id: string }).id);
    }
    const { latest: before } = await stores[0]!.changeLogBounds();

    clock = new Date("2026-08-01T10:00:00Z");
    const starts = await tickBoth();
    expect(starts[0]! + starts[1]!).toBe(WINDOWS);
    clock = new Date("2026-08-01T11:00:00Z");
    const ends = await tickBoth();
    expect(ends[0]! + ends[1]!).toBe(WINDOWS);

    // The log has, per window, exactly one change into each phase: started once, ended once.
    const changes = await stores[1]!.readChanges(before, 10_000);
    for (const id of windows) {
      const phases = changes.flatMap((c) => (c.kind === "maintenance_upsert" && c.maintenance.id === id ? [c.maintenance.phase] : []));
      expect(phases, `window ${id}`).toEqual([2, 3]);
    }
    // So the outbox tells webhooks each once too: one maintenance.started, one maintenance.ended per window.
    const told = (await stores[0]!.outbox.eventsAfter(before, 10_000)).filter((e) => e.type.startsWith("maintenance."));
    for (const id of windows) {
      const types = told.filter((e) => (e.data.maintenance as { id: string }).id === id).map((e) => e.type);
      expect(types, `window ${id}`).toEqual(["maintenance.started", "maintenance.ended"]);
    }
    // The audit log has one scheduler event per transition made, none for a replica that found it made.
    const events = (await rpc(a, "statusthing.v1.AuditService/ListAuditEvents", { pageSize: 500 })).body.events as Array<{ actor: string; objectId: string }>;
    const bySchedule = events.filter((e) => e.actor === "scheduler");
    expect(bySchedule).toHaveLength(2 * WINDOWS);
    for (const id of windows)
      expect(
        bySchedule.filter((e) => e.objectId === id),
        `window ${id}`,
      ).toHaveLength(2);
    // And each item went to maintenance once and back once.
    for (const itemId of items) {
      const history = (await rpc(b, "statusthing.v1.HistoryService/GetItemHistory", { itemId })).body.transitions as Array<{ at: string; status: { id: string } }>;
      expect(history.map((t) => [t.at, t.status.id])).toEqual([
        ["2026-08-01T11:00:00Z", up],
        ["2026-08-01T10:00:00Z", maint],
        ["2026-08-01T09:00:00Z", up],
      ]);
      const notes = ((await rpc(a, "statusthing.v1.ItemsService/GetItem", { itemId })).body.item as { notes: Array<{ text: string }> }).notes;
      expect(notes.map((n) => n.text)).toEqual([expect.stringMatching(/^Maintenance "Reboot \d" started, until /), expect.stringMatching(/^Maintenance "Reboot \d" completed \(/)]);
    }
  });
});
