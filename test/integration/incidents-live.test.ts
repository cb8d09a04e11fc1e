import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { openWatch, pollUntil, type Watch, type WatchProtocol } from "../helpers/watch.js";

const INCIDENTS = "statusthing.v1.IncidentsService";
type Json = Record<string, unknown>;

async function ok(url: string, procedure: string, body: object = {}): Promise<Json> {
  const result = await rpc(url, procedure, body);
  expect(result.code, `${procedure}: ${result.text}`).toBe("ok");
  return result.body;
}

const cases = (watch: Watch) => watch.messages.map((m) => m.event.case);
const NEW_KINDS = ["incidentChanged", "incidentRemoved", "maintenanceChanged", "maintenanceRemoved"];

describe("incidents and maintenance on the live stream: only for clients that ask", () => {
  let server: TestServer;
  let clock = new Date("2026-07-01T10:00:00Z");
  let up = "";
  let down = "";
  let itemId = "";
  beforeAll(async () => {
    server = await startTestServer({ app: { now: () => clock, maintenanceTickMs: 0 } });
    const statuses = (await ok(server.url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>;
    up = statuses.find((s) => s.name === "UP")!.id;
    down = statuses.find((s) => s.name === "DOWN")!.id;
    itemId = ((await ok(server.url, "statusthing.v1.ItemsService/AddItem", { name: "Payments", initialStatusId: up })).item as Json).id as string;
  });
  afterAll(async () => server?.stop());

  for (const protocol of ["connect-json", "grpc-h2c", "ws"] as WatchProtocol[]) {
    it(`${protocol}: a new client gets them in its snapshot and as events; an old client sees only the item changes`, async () => {
      // One incident already open: in the snapshot of those who ask.
      const before = (await ok(server.url, `${INCIDENTS}/CreateIncident`, { title: `Earlier (${protocol})`, impact: "INCIDENT_IMPACT_MINOR", message: "m" })).incident as Json;
      const fresh = openWatch(server.url, protocol, { includeIncidents: true });
      const old = openWatch(server.url, protocol, {});
      await pollUntil(() => fresh.messages.length > 0 && old.messages.length > 0, 15_000, "both snapshots");
      const snapshot = fresh.messages[0]!.event;
      expect(snapshot.case).toBe("snapshot");
      if (snapshot.case === "snapshot") expect(snapshot.value.incidents.map((i) => i.id)).toContain(before.id);
      const oldSnapshot = old.messages[0]!.event;
      if (oldSnapshot.case === "snapshot") expect([oldSnapshot.value.incidents, oldSnapshot.value.maintenances]).toEqual([[], []]);

      const created = (
        await ok(server.url, `${INCIDENTS}/CreateIncident`, {
          title: `Checkout down (${protocol})`,
          impact: "INCIDENT_IMPACT_CRITICAL",
          message: "Investigating.",
          items: [{ itemId, statusId: down }],
        })
      ).incident as Json;
      await ok(server.url, `${INCIDENTS}/ResolveIncident`, { incidentId: created.id, message: "Fixed." });
      clock = new Date(clock.getTime() + 60_000);
      const window = (
        await ok(server.url, `${INCIDENTS}/ScheduleMaintenance`, {
          title: "Patch",
          startsAt: new Date(clock.getTime() + 3_600_000).toISOString(),
          endsAt: new Date(clock.getTime() + 7_200_000).toISOString(),
          itemIds: [itemId],
          statusId: down,
        })
      ).maintenance as Json;
      await ok(server.url, `${INCIDENTS}/CancelMaintenance`, { maintenanceId: window.id });
      await ok(server.url, `${INCIDENTS}/DeleteIncident`, { incidentId: before.id });
      // A plain item change last: once the old client has it, it has had every event before it.
      await ok(server.url, "statusthing.v1.NotesService/AddNote", { itemId, noteText: `done ${protocol}` });
      const { revision } = (await fetch(`${server.url}/healthz`).then((r) => r.json())) as { revision: number };
      for (const [name, w] of [
        ["new", fresh],
        ["old", old],
      ] as const) {
        await pollUntil(
          () => w.lastRevision >= revision,
          15_000,
          `the ${name} client reaches revision ${revision}`,
          () => JSON.stringify(cases(w)),
        );
      }

      const incidentStates = fresh.messages.flatMap((m) => (m.event.case === "incidentChanged" && m.event.value.id === created.id ? [m.event.value.state] : []));
      expect(incidentStates).toEqual([1, 4]);
      const phases = fresh.messages.flatMap((m) => (m.event.case === "maintenanceChanged" ? [m.event.value.phase] : []));
      expect(phases).toEqual([1, 4]);
      expect(fresh.messages.filter((m) => m.event.case === "incidentRemoved").map((m) => m.event.value)).toEqual([before.id]);
      // The old client saw the incident's status changes on the item, and nothing new.
      expect(cases(old).filter((c) => NEW_KINDS.includes(c ?? ""))).toEqual([]);
      expect(old.messages.some((m) => m.event.case === "itemChanged" && m.event.value.status?.id === down)).toBe(true);
      fresh.close();
      old.close();
    });
  }

  it("a client resuming with since_revision gets the missed incident events only if it asks", async () => {
    const { revision } = (await fetch(`${server.url}/healthz`).then((r) => r.json())) as { revision: number };
    const created = (await ok(server.url, `${INCIDENTS}/CreateIncident`, { title: "While away", impact: "INCIDENT_IMPACT_NONE", message: "m" })).incident as Json;
    await ok(server.url, "statusthing.v1.NotesService/AddNote", { itemId, noteText: "after" });
    const fresh = openWatch(server.url, "connect-json", { includeIncidents: true, sinceRevision: BigInt(revision) });
    const old = openWatch(server.url, "connect-json", { sinceRevision: BigInt(revision) });
    await pollUntil(() => fresh.messages.some((m) => m.event.case === "itemChanged") && old.messages.some((m) => m.event.case === "itemChanged"), 15_000, "the replays");
    expect(fresh.messages.filter((m) => m.event.case === "incidentChanged").map((m) => (m.event.value as { id: string }).id)).toContain(created.id);
    expect(cases(old)).toContain("itemChanged");
    expect(cases(old).filter((c) => NEW_KINDS.includes(c ?? ""))).toEqual([]);
    fresh.close();
    old.close();
  });
});
