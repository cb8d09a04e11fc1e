import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const HOUR = 3_600;
const HISTORY = "statusthing.v1.HistoryService";

interface UptimeJson {
  upSeconds?: number;
  degradedSeconds?: number;
  downSeconds?: number;
  uncountedSeconds?: number;
  worstKind?: string;
  ratio?: number;
}
interface ItemUptimeJson {
  itemId: string;
  days: Array<{ date: string; uptime: UptimeJson }>;
  last24Hours: UptimeJson;
  last7Days: UptimeJson;
  last30Days: UptimeJson;
  last90Days: UptimeJson;
}

async function ok(url: string, procedure: string, body: object = {}): Promise<Record<string, unknown>> {
  const result = await rpc(url, procedure, body);
  expect(result.code, `${procedure}: ${result.text}`).toBe("ok");
  return result.body;
}

describe("HistoryService with a clock set by the test (America/New_York)", () => {
  let server: TestServer;
  let clock = new Date("2026-03-07T12:00:00Z");
  const at = (iso: string) => (clock = new Date(iso));
  beforeAll(async () => {
    server = await startTestServer({ app: { now: () => clock, timeZone: "America/New_York" } });
  });
  afterAll(async () => server?.stop());

  it("counts uptime per local day (the 23-hour day too), keeps a renamed and deleted status as it was, and lists the history newest first", async () => {
    at("2026-03-07T12:00:00Z"); // 07:00 EST
    const broken = (await ok(server.url, "statusthing.v1.StatusService/AddStatus", { name: "Broken", color: "#FF0000", kind: "STATUS_KIND_DOWN" })).status as { id: string };
    const item = (await ok(server.url, "statusthing.v1.ItemsService/AddItem", { name: "Checkout", initialStatusId: broken.id })).item as { id: string };
    const statuses = (await ok(server.url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>;
    const up = statuses.find((s) => s.name === "UP")!;
    at("2026-03-07T14:00:00Z"); // 09:00 EST: back up after two hours
    await ok(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item.id, statusId: up.id });
    await ok(server.url, "statusthing.v1.NotesService/AddNote", { itemId: item.id, noteText: "Fixed the payment provider timeout" });
    // The status is renamed, then deleted: the history still says what it was.
    await ok(server.url, "statusthing.v1.StatusService/UpdateStatus", { statusId: broken.id, name: "Kaputt" });
    await ok(server.url, "statusthing.v1.StatusService/DeleteStatus", { statusId: broken.id });
    at("2026-03-09T12:00:00Z");

    const uptime = await ok(server.url, `${HISTORY}/GetUptime`, { itemIds: [item.id], days: 3 });
    expect(uptime.timeZone).toBe("America/New_York");
    const [report] = uptime.items as ItemUptimeJson[];
    expect(report!.days.map((d) => d.date)).toEqual(["2026-03-07", "2026-03-08", "2026-03-09"]);
    const [created, shortDay, today] = report!.days.map((d) => d.uptime);
    expect(created).toMatchObject({ downSeconds: 2 * HOUR, upSeconds: 15 * HOUR, worstKind: "STATUS_KIND_DOWN" });
    expect(created!.ratio).toBeCloseTo(15 / 17);
    expect(shortDay).toMatchObject({ upSeconds: 23 * HOUR, worstKind: "STATUS_KIND_UP", ratio: 1 });
    expect(today).toMatchObject({ upSeconds: 8 * HOUR, worstKind: "STATUS_KIND_UP" });
    expect(report!.last24Hours).toMatchObject({ upSeconds: 24 * HOUR, ratio: 1 });
    expect(report!.last7Days).toMatchObject({ upSeconds: (15 + 23 + 8) * HOUR, downSeconds: 2 * HOUR, worstKind: "STATUS_KIND_DOWN" });
    expect(report!.last90Days).toEqual(report!.last7Days);

    const history = await ok(server.url, `${HISTORY}/GetItemHistory`, { itemId: item.id });
    const transitions = history.transitions as Array<{ status?: { name: string; kind: string }; at: string }>;
    expect(transitions.map((t) => [t.status?.name, t.status?.kind, t.at])).toEqual([
      ["UP", "STATUS_KIND_UP", "2026-03-07T14:00:00Z"],
      ["Broken", "STATUS_KIND_DOWN", "2026-03-07T12:00:00Z"],
    ]);
    expect((history.notes as Array<{ text: string }>).map((n) => n.text)).toEqual(["Fixed the payment provider timeout"]);
  });

  it("pages through the history and keeps a deleted item's days", async () => {
    at("2026-03-10T00:00:00Z");
    const statuses = (await ok(server.url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>;
    const ids = Object.fromEntries(statuses.map((s) => [s.name, s.id]));
    const item = (await ok(server.url, "statusthing.v1.ItemsService/AddItem", { name: "Search", initialStatusId: ids.UP })).item as { id: string };
    for (const [hour, name] of [
      [1, "WARNING"],
      [2, "DOWN"],
      [3, "UP"],
      [4, "WARNING"],
    ] as const) {
      at(`2026-03-10T0${hour}:00:00Z`);
      await ok(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item.id, statusId: ids[name] });
    }
    at("2026-03-10T05:00:00Z");
    await ok(server.url, "statusthing.v1.ItemsService/DeleteItem", { itemId: item.id });

    const names: string[] = [];
    let pageToken = "";
    let pages = 0;
    do {
      const page = await ok(server.url, `${HISTORY}/GetItemHistory`, { itemId: item.id, pageSize: 2, pageToken });
      names.push(...(page.transitions as Array<{ status?: { name: string }; deleted?: boolean }>).map((t) => (t.deleted ? "deleted" : t.status!.name)));
      pageToken = (page.nextPageToken as string | undefined) ?? "";
      pages++;
    } while (pageToken !== "" && pages < 10);
    expect(names).toEqual(["deleted", "WARNING", "UP", "DOWN", "WARNING", "UP"]);
    expect(pages).toBe(3);

    const window = await ok(server.url, `${HISTORY}/GetItemHistory`, { itemId: item.id, from: "2026-03-10T01:30:00Z", to: "2026-03-10T03:30:00Z" });
    expect((window.transitions as Array<{ status: { name: string } }>).map((t) => t.status.name)).toEqual(["UP", "DOWN"]);

    at("2026-03-11T12:00:00Z");
    const all = await ok(server.url, `${HISTORY}/GetUptime`, { days: 2 });
    expect((all.items as ItemUptimeJson[]).map((i) => i.itemId)).not.toContain(item.id);
    const gone = (await ok(server.url, `${HISTORY}/GetUptime`, { itemIds: [item.id], days: 2 })).items as ItemUptimeJson[];
    // New York's 2026-03-10 began at 04:00Z: the item existed there from 04:00Z to 05:00Z, in WARNING.
    expect(gone[0]!.days[0]!.uptime).toMatchObject({ degradedSeconds: HOUR, worstKind: "STATUS_KIND_WARNING" });
    expect(gone[0]!.days[1]!.uptime.worstKind).toBeUndefined();
  });

  it("pages the notes with the transitions: one timeline, newest first, the token covering both", async () => {
    at("2026-03-12T00:00:00Z");
    const statuses = (await ok(server.url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>;
    const ids = Object.fromEntries(statuses.map((s) => [s.name, s.id]));
    const item = (await ok(server.url, "statusthing.v1.ItemsService/AddItem", { name: "Mail", initialStatusId: ids.UP })).item as { id: string };
    const steps: Array<[number, "status" | "note", string]> = [
      [1, "status", "DOWN"],
      [2, "note", "Looking into it"],
      [3, "note", "Found the cause"],
      [4, "status", "WARNING"],
      [5, "note", "Watching"],
      [6, "status", "UP"],
    ];
    for (const [hour, what, value] of steps) {
      at(`2026-03-12T0${hour}:00:00Z`);
      if (what === "status") await ok(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item.id, statusId: ids[value] });
      else await ok(server.url, "statusthing.v1.NotesService/AddNote", { itemId: item.id, noteText: value });
    }
    at("2026-03-12T07:00:00Z");

    const read = async (window: object) => {
      const pages: string[][] = [];
      let pageToken = "";
      do {
        const page = await ok(server.url, `${HISTORY}/GetItemHistory`, { itemId: item.id, pageSize: 3, pageToken, ...window });
        const entries = [
          ...((page.transitions ?? []) as Array<{ at: string; status: { name: string } }>).map((t) => ({ at: t.at, text: t.status.name })),
          ...((page.notes ?? []) as Array<{ timestamps: { created: string }; text: string }>).map((n) => ({ at: n.timestamps.created, text: n.text })),
        ];
        pages.push(entries.sort((a, b) => b.at.localeCompare(a.at)).map((e) => e.text));
        pageToken = (page.nextPageToken as string | undefined) ?? "";
      } while (pageToken !== "" && pages.length < 10);
      return pages;
    };
    expect(await read({})).toEqual([["UP", "Watching", "WARNING"], ["Found the cause", "Looking into it", "DOWN"], ["UP"]]);
    // A window limits both; the token keeps to it.
    expect(await read({ from: "2026-03-12T01:30:00Z", to: "2026-03-12T05:30:00Z" })).toEqual([["Watching", "WARNING", "Found the cause"], ["Looking into it"]]);
    // Each page's notes come oldest first.
    const first = await ok(server.url, `${HISTORY}/GetItemHistory`, { itemId: item.id, pageSize: 4, from: "2026-03-12T01:30:00Z" });
    expect((first.notes as Array<{ text: string }>).map((n) => n.text)).toEqual(["Found the cause", "Watching"]);
  });

  it("refuses bad questions with invalid_argument or not_found, naming the field", async () => {
    expect((await rpc(server.url, `${HISTORY}/GetUptime`, { days: 367 })).code).toBe("invalid_argument");
    expect((await rpc(server.url, `${HISTORY}/GetUptime`, { itemIds: ["2Aw4tVy3wNnW9jFHlTPGJNxqbtv"] })).code).toBe("not_found");
    expect((await rpc(server.url, `${HISTORY}/GetItemHistory`, { itemId: "" })).code).toBe("invalid_argument");
    expect((await rpc(server.url, `${HISTORY}/GetItemHistory`, { itemId: "2Aw4tVy3wNnW9jFHlTPGJNxqbtv" })).code).toBe("not_found");
    expect((await rpc(server.url, `${HISTORY}/GetPageAt`, {})).body.message).toContain("at");
    expect((await rpc(server.url, `${HISTORY}/GetPageAt`, { at: "2030-01-01T00:00:00Z" })).code).toBe("invalid_argument");
  });
});

describe("GetPageAt: the page as it was", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.stop());
  const pause = () => new Promise((resolve) => setTimeout(resolve, 15));

  it("shows names, descriptions, statuses and notes as they were, and deleted items that existed then", async () => {
    const statuses = (await ok(server.url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>;
    const ids = Object.fromEntries(statuses.map((s) => [s.name, s.id]));
    const item = (
      await ok(server.url, "statusthing.v1.ItemsService/AddItem", { name: "api", description: "the old API", initialStatusId: ids.DOWN, initialNoteText: "Looking into it" })
    ).item as {
      id: string;
      notes: Array<{ id: string }>;
    };
    await ok(server.url, "statusthing.v1.ItemsService/AddItem", { name: "web", initialStatusId: ids.UP });
    await pause();
    const then = new Date();
    await pause();
    await ok(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item.id, name: "API gateway", description: "new", statusId: ids.UP });
    await ok(server.url, "statusthing.v1.NotesService/UpdateNote", { noteId: item.notes[0]!.id, noteText: "Fixed" });
    await ok(server.url, "statusthing.v1.StatusService/UpdateStatus", { statusId: ids.DOWN, name: "Outage" });
    await ok(server.url, "statusthing.v1.ItemsService/DeleteItem", { itemId: item.id });

    const past = await ok(server.url, `${HISTORY}/GetPageAt`, { at: then.toISOString(), extended: true });
    const items = past.items as Array<{ name: string; description: string; status: { name: string }; notes: Array<{ text: string }> }>;
    expect(items.map((i) => [i.name, i.description, i.status.name, i.notes?.map((n) => n.text) ?? []])).toEqual([
      ["api", "the old API", "DOWN", ["Looking into it"]],
      ["web", undefined, "UP", []],
    ]);
    expect((past.statuses as Array<{ name: string }>).map((s) => s.name)).toContain("DOWN");
    expect(Date.parse(past.revisionTime as string)).toBeLessThanOrEqual(then.getTime());
    expect(Date.parse(past.nextChangeTime as string)).toBeGreaterThan(then.getTime());

    const downOnly = await ok(server.url, `${HISTORY}/GetPageAt`, { at: then.toISOString(), kinds: ["STATUS_KIND_DOWN"] });
    expect((downOnly.items as Array<{ name: string; notes?: unknown }>).map((i) => [i.name, i.notes])).toEqual([["api", undefined]]);

    const now = await ok(server.url, `${HISTORY}/GetPageAt`, { at: new Date().toISOString() });
    const live = await ok(server.url, "statusthing.v1.ItemsService/ListItems");
    expect(now.items).toEqual(live.items);
    expect(now.nextChangeTime).toBeUndefined();
  });
});
