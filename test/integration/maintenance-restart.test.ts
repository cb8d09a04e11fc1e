/**
 * A real server process stopped across maintenance transitions and started again (same SQLite
 * file, real clock): a window that began while it was down starts when it comes back; one that
 * ended while it was down puts its items back; one whose whole window passed leaves nothing behind.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { killLeftoverServers, startServerProcess, stopServerProcess, waitUntil } from "../helpers/server-process.js";
import { pollUntil } from "../helpers/watch.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-maintenance-"));
});
afterEach(async () => {
  await killLeftoverServers();
  rmSync(dir, { recursive: true, force: true });
});

type Json = Record<string, unknown>;
const INCIDENTS = "statusthing.v1.IncidentsService";

async function ok(url: string, procedure: string, body: object = {}): Promise<Json> {
  const result = await rpc(url, procedure, body);
  expect(result.code, `${procedure}: ${result.text}`).toBe("ok");
  return result.body;
}

it("catches up on maintenance transitions that came due while the server was stopped", async () => {
  const dbPath = join(dir, "statusthing.db");
  const first = await startServerProcess(dbPath);
  const statuses = (await ok(first.url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>;
  const up = statuses.find((s) => s.name === "UP")!.id;
  const maint = ((await ok(first.url, "statusthing.v1.StatusService/AddStatus", { name: "Maintenance", color: "#3366FF", kind: "STATUS_KIND_UNAVAILABLE" })).status as Json)
    .id as string;
  const item: Record<string, string> = {};
  for (const name of ["Starts", "Ends", "Missed"])
    item[name] = ((await ok(first.url, "statusthing.v1.ItemsService/AddItem", { name, initialStatusId: up })).item as Json).id as string;

  const t0 = Date.now();
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const schedule = async (title: string, itemId: string, startsMs: number, endsMs: number) =>
    ((await ok(first.url, `${INCIDENTS}/ScheduleMaintenance`, { title, startsAt: at(startsMs), endsAt: at(endsMs), itemIds: [itemId], statusId: maint })).maintenance as Json)
      .id as string;
  const starts = await schedule("Starts while down", item.Starts!, 25_000, 3_600_000);
  const ends = await schedule("Ends while down", item.Ends!, -60_000, 15_000);
  const missed = await schedule("Missed entirely", item.Missed!, 15_000, 20_000);
  expect(((await ok(first.url, "statusthing.v1.ItemsService/GetItem", { itemId: item.Ends })).item as { status: { id: string } }).status.id).toBe(maint);

  expect(await stopServerProcess(first)).toEqual({ code: 0, signal: null });
  const stoppedAt = Date.now();
  // The test is about transitions the first server could not have made: it stopped (within
  // seconds, given 15) before any came due.
  expect(stoppedAt, "the first server stopped before the first transition came due").toBeLessThan(t0 + 15_000);
  await waitUntil(() => Date.now() > t0 + 25_500, 60_000, "every transition to come due");

  const second = await startServerProcess(dbPath);
  const get = async (id: string) => (await ok(second.url, `${INCIDENTS}/GetMaintenance`, { maintenanceId: id })).maintenance as Json;
  await pollUntil(async () => (await get(starts)).phase === "MAINTENANCE_PHASE_ACTIVE", 20_000, "the window that began while down to start");
  const started = await get(starts);
  expect(Date.parse(started.startedAt as string)).toBeGreaterThan(stoppedAt);
  expect(await get(ends)).toMatchObject({ phase: "MAINTENANCE_PHASE_COMPLETED" });
  expect(await get(missed)).toMatchObject({ phase: "MAINTENANCE_PHASE_COMPLETED", endedAt: at(20_000) });
  expect((await get(missed)).startedAt).toBeUndefined();

  const statusOf = async (name: string) => (((await ok(second.url, "statusthing.v1.ItemsService/GetItem", { itemId: item[name] })).item as Json).status as Json).id;
  expect([await statusOf("Starts"), await statusOf("Ends"), await statusOf("Missed")]).toEqual([maint, up, up]);
  const kindsOf = async (name: string) =>
    ((await ok(second.url, "statusthing.v1.HistoryService/GetItemHistory", { itemId: item[name] })).transitions as Array<{ status: { id: string } }>).map((t) => t.status.id);
  expect(await kindsOf("Starts")).toEqual([maint, up]);
  expect(await kindsOf("Ends")).toEqual([up, maint, up]);
  // Nothing happened to the item of the window nobody saw.
  expect(await kindsOf("Missed")).toEqual([up]);
  expect(await stopServerProcess(second)).toEqual({ code: 0, signal: null });
}, 120_000);
