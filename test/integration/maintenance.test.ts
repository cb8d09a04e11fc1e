import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const INCIDENTS = "statusthing.v1.IncidentsService";

type Json = Record<string, unknown>;
interface MaintenanceJson {
  id: string;
  phase: string;
  startedAt?: string;
  endedAt?: string;
  items: Array<{ itemId: string; itemName: string; statusId?: string; previousStatusId?: string; leftAlone?: boolean }>;
}

async function ok(url: string, procedure: string, body: object = {}): Promise<Json> {
  const result = await rpc(url, procedure, body);
  expect(result.code, `${procedure}: ${result.text}`).toBe("ok");
  return result.body;
}

describe("scheduled maintenance with a clock set by the test", () => {
  let server: TestServer;
  let clock = new Date("2026-06-01T08:00:00Z");
  const status: Record<string, string> = {};
  const item: Record<string, string> = {};
  beforeAll(async () => {
    // The scheduler's timer is off: the test moves the clock and ticks it.
    server = await startTestServer({ app: { now: () => clock, maintenanceTickMs: 0 } });
    for (const s of (await ok(server.url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>) status[s.name] = s.id;
    status.Maintenance = (
      (await ok(server.url, "statusthing.v1.StatusService/AddStatus", { name: "Maintenance", color: "#3366FF", kind: "STATUS_KIND_UNAVAILABLE" })).status as Json
    ).id as string;
    for (const name of ["Database", "API", "Web"]) {
      item[name] = ((await ok(server.url, "statusthing.v1.ItemsService/AddItem", { name, initialStatusId: status.UP })).item as Json).id as string;
    }
  });
  afterAll(async () => server?.stop());

  const statusOf = async (name: string) => (((await ok(server.url, "statusthing.v1.ItemsService/GetItem", { itemId: item[name] })).item as Json).status as Json).id;
  const get = async (id: string) => (await ok(server.url, `${INCIDENTS}/GetMaintenance`, { maintenanceId: id })).maintenance as MaintenanceJson;
  const tick = () => server.app.maintenance.tick();

  it("flips the items at starts_at and back at ends_at, once, leaving alone an item changed by hand", async () => {
    const scheduled = (
      await ok(server.url, `${INCIDENTS}/ScheduleMaintenance`, {
        title: "Database upgrade",
        message: "PostgreSQL 17; the API is read-only meanwhile.",
        startsAt: "2026-06-02T22:00:00Z",
        endsAt: "2026-06-02T23:30:00Z",
        itemIds: [item.Database, item.API],
        statusId: status.Maintenance,
      })
    ).maintenance as MaintenanceJson;
    expect(scheduled.phase).toBe("MAINTENANCE_PHASE_SCHEDULED");
    const list = await ok(server.url, `${INCIDENTS}/ListMaintenance`, { filter: "MAINTENANCE_FILTER_UPCOMING" });
    expect((list.maintenances as MaintenanceJson[]).map((m) => m.id)).toEqual([scheduled.id]);
    expect(list.timeZone).toBe("UTC");

    clock = new Date("2026-06-02T21:59:59Z");
    expect(await tick()).toBe(0);
    expect(await statusOf("Database")).toBe(status.UP);

    clock = new Date("2026-06-02T22:00:00Z");
    expect(await tick()).toBe(1);
    expect(await tick()).toBe(0);
    const active = await get(scheduled.id);
    expect(active).toMatchObject({ phase: "MAINTENANCE_PHASE_ACTIVE", startedAt: "2026-06-02T22:00:00Z" });
    expect(active.items.map((i) => [i.itemName, i.statusId, i.previousStatusId])).toEqual([
      ["Database", status.Maintenance, status.UP],
      ["API", status.Maintenance, status.UP],
    ]);
    expect(await statusOf("Database")).toBe(status.Maintenance);
    expect(await statusOf("API")).toBe(status.Maintenance);
    expect(await statusOf("Web")).toBe(status.UP);
    const notes = ((await ok(server.url, "statusthing.v1.ItemsService/GetItem", { itemId: item.API })).item as Json).notes as Array<{ text: string }>;
    expect(notes.at(-1)!.text).toBe(
      `Maintenance "Database upgrade" started, until 2026-06-02 23:30 UTC: PostgreSQL 17; the API is read-only meanwhile. (maintenance ${scheduled.id})`,
    );
    // An active window keeps its start, items and status.
    const late = await rpc(server.url, `${INCIDENTS}/UpdateMaintenance`, { maintenanceId: scheduled.id, itemIds: [item.Web] });
    expect([late.code, late.text]).toEqual(["failed_precondition", expect.stringContaining("MAINTENANCE_STARTED")]);

    // The API is found broken during the window and set by hand: it stays as set.
    await ok(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item.API, statusId: status.DOWN });

    clock = new Date("2026-06-02T23:30:00Z");
    expect(await tick()).toBe(1);
    const over = await get(scheduled.id);
    expect(over).toMatchObject({ phase: "MAINTENANCE_PHASE_COMPLETED", endedAt: "2026-06-02T23:30:00Z" });
    expect(over.items.find((i) => i.itemName === "API")!.leftAlone).toBe(true);
    expect(await statusOf("Database")).toBe(status.UP);
    expect(await statusOf("API")).toBe(status.DOWN);
    expect(await tick()).toBe(0);

    // History: the database went to maintenance at 22:00 and back at 23:30, once each.
    const history = await ok(server.url, "statusthing.v1.HistoryService/GetItemHistory", { itemId: item.Database });
    const transitions = (history.transitions as Array<{ at: string; status: { id: string } }>).map((t) => [t.at, t.status.id]);
    expect(transitions.slice(0, 3)).toEqual([
      ["2026-06-02T23:30:00Z", status.UP],
      ["2026-06-02T22:00:00Z", status.Maintenance],
      ["2026-06-01T08:00:00Z", status.UP],
    ]);
    const past = (await ok(server.url, `${INCIDENTS}/ListMaintenance`, { filter: "MAINTENANCE_FILTER_PAST" })).maintenances as MaintenanceJson[];
    expect(past.map((m) => m.id)).toEqual([scheduled.id]);
    await ok(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item.API, statusId: status.UP });
  });

  it("closes a window whose whole time passed unseen without touching its items", async () => {
    clock = new Date("2026-06-03T08:00:00Z");
    const scheduled = (
      await ok(server.url, `${INCIDENTS}/ScheduleMaintenance`, {
        title: "Short one",
        startsAt: "2026-06-03T09:00:00Z",
        endsAt: "2026-06-03T09:05:00Z",
        itemIds: [item.Web],
        statusId: status.Maintenance,
      })
    ).maintenance as MaintenanceJson;
    const before = (await ok(server.url, "statusthing.v1.HistoryService/GetItemHistory", { itemId: item.Web })).transitions as unknown[];
    clock = new Date("2026-06-03T10:00:00Z");
    expect(await tick()).toBe(1);
    expect(await get(scheduled.id)).toMatchObject({ phase: "MAINTENANCE_PHASE_COMPLETED", endedAt: "2026-06-03T09:05:00Z" });
    expect((await get(scheduled.id)).startedAt).toBeUndefined();
    expect(await statusOf("Web")).toBe(status.UP);
    expect((await ok(server.url, "statusthing.v1.HistoryService/GetItemHistory", { itemId: item.Web })).transitions).toEqual(before);
  });

  it("starts at once when scheduled with a start already past; completes early; cancels", async () => {
    clock = new Date("2026-06-04T12:00:00Z");
    const now = (
      await ok(server.url, `${INCIDENTS}/ScheduleMaintenance`, {
        title: "Emergency patch",
        startsAt: "2026-06-04T11:59:00Z",
        endsAt: "2026-06-04T13:00:00Z",
        itemIds: [item.Web],
        statusId: status.Maintenance,
      })
    ).maintenance as MaintenanceJson;
    expect(now.phase).toBe("MAINTENANCE_PHASE_ACTIVE");
    expect(await statusOf("Web")).toBe(status.Maintenance);
    const notStarted = (
      await ok(server.url, `${INCIDENTS}/ScheduleMaintenance`, {
        title: "Later",
        startsAt: "2026-06-05T12:00:00Z",
        endsAt: "2026-06-05T13:00:00Z",
        itemIds: [item.Web],
        statusId: status.Maintenance,
      })
    ).maintenance as MaintenanceJson;
    const early = await rpc(server.url, `${INCIDENTS}/CompleteMaintenance`, { maintenanceId: notStarted.id });
    expect([early.code, early.text]).toEqual(["failed_precondition", expect.stringContaining("MAINTENANCE_NOT_STARTED")]);

    clock = new Date("2026-06-04T12:10:00Z");
    const completed = await ok(server.url, `${INCIDENTS}/CompleteMaintenance`, { maintenanceId: now.id });
    expect(completed.maintenance).toMatchObject({ phase: "MAINTENANCE_PHASE_COMPLETED", endedAt: "2026-06-04T12:10:00Z" });
    expect(completed.leftAlone).toBeUndefined();
    expect(await statusOf("Web")).toBe(status.UP);
    const twice = await rpc(server.url, `${INCIDENTS}/CompleteMaintenance`, { maintenanceId: now.id });
    expect([twice.code, twice.text]).toEqual(["failed_precondition", expect.stringContaining("MAINTENANCE_OVER")]);

    // The status the upcoming window will show cannot go away meanwhile.
    const spare = ((await ok(server.url, "statusthing.v1.StatusService/AddStatus", { name: "Planned", color: "#3366FF", kind: "STATUS_KIND_UNAVAILABLE" })).status as Json).id;
    await ok(server.url, `${INCIDENTS}/UpdateMaintenance`, { maintenanceId: notStarted.id, statusId: spare });
    const inUse = await rpc(server.url, "statusthing.v1.StatusService/DeleteStatus", { statusId: spare });
    expect([inUse.code, inUse.text]).toEqual(["failed_precondition", expect.stringContaining("STATUS_IN_MAINTENANCE")]);
    const moved = (await ok(server.url, `${INCIDENTS}/UpdateMaintenance`, { maintenanceId: notStarted.id, title: "Later still", endsAt: "2026-06-05T14:00:00Z" }))
      .maintenance as MaintenanceJson & { title: string; endsAt: string };
    expect([moved.title, moved.endsAt]).toEqual(["Later still", "2026-06-05T14:00:00Z"]);
    const cancelled = await ok(server.url, `${INCIDENTS}/CancelMaintenance`, { maintenanceId: notStarted.id });
    expect(cancelled.maintenance).toMatchObject({ phase: "MAINTENANCE_PHASE_CANCELLED" });
    await ok(server.url, "statusthing.v1.StatusService/DeleteStatus", { statusId: spare });
    clock = new Date("2026-06-05T12:30:00Z");
    expect(await tick()).toBe(0);
    expect(await statusOf("Web")).toBe(status.UP);
  });

  it("refuses bad windows with the field named", async () => {
    clock = new Date("2026-06-06T12:00:00Z");
    const base = { title: "t", startsAt: "2026-06-07T10:00:00Z", endsAt: "2026-06-07T11:00:00Z", itemIds: [item.Web], statusId: status.Maintenance };
    const cases: Array<[object, string, string]> = [
      [{ ...base, title: "" }, "invalid_argument", "title"],
      [{ ...base, startsAt: undefined }, "invalid_argument", "starts_at"],
      [{ ...base, endsAt: "2026-06-07T10:00:00Z" }, "invalid_argument", "ends_at"],
      [{ ...base, startsAt: "2026-06-05T10:00:00Z", endsAt: "2026-06-05T11:00:00Z" }, "invalid_argument", "ends_at"],
      [{ ...base, itemIds: [] }, "invalid_argument", "item_ids"],
      [{ ...base, statusId: "" }, "invalid_argument", "status_id"],
      [{ ...base, statusId: "nope" }, "not_found", "STATUS_NOT_FOUND"],
      [{ ...base, itemIds: [item.Web, "nope"] }, "not_found", "ITEM_NOT_FOUND"],
      [{ ...base, message: "x".repeat(10_001) }, "invalid_argument", "message"],
    ];
    for (const [body, code, where] of cases) {
      const result = await rpc(server.url, `${INCIDENTS}/ScheduleMaintenance`, body);
      expect([result.code, result.text], JSON.stringify(body)).toEqual([code, expect.stringContaining(where)]);
    }
    expect((await ok(server.url, `${INCIDENTS}/ListMaintenance`, { filter: "MAINTENANCE_FILTER_UPCOMING" })).maintenances).toBeUndefined();
    expect((await rpc(server.url, `${INCIDENTS}/GetMaintenance`, { maintenanceId: "nope" })).code).toBe("not_found");
    expect((await rpc(server.url, `${INCIDENTS}/CancelMaintenance`, { maintenanceId: "nope" })).code).toBe("not_found");
  });
});
