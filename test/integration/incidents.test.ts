import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const INCIDENTS = "statusthing.v1.IncidentsService";

type Json = Record<string, unknown>;
interface IncidentJson {
  id: string;
  title: string;
  impact: string;
  state: string;
  items: Array<{ itemId: string; itemName: string; statusId?: string; previousStatusId?: string; leftAlone?: boolean }>;
  updates: Array<{ state: string; message: string; statusChanges?: Array<{ itemId: string; statusId: string }>; author?: string }>;
  resolvedAt?: string;
}

async function ok(url: string, procedure: string, body: object = {}): Promise<Json> {
  const result = await rpc(url, procedure, body);
  expect(result.code, `${procedure}: ${result.text}`).toBe("ok");
  return result.body;
}

describe("IncidentsService: an incident's life, its status changes and the restore rule", () => {
  let server: TestServer;
  let clock = new Date("2026-05-04T09:00:00Z");
  const status: Record<string, string> = {};
  const item: Record<string, string> = {};
  beforeAll(async () => {
    server = await startTestServer({ app: { now: () => clock, maintenanceTickMs: 0 } });
    for (const s of (await ok(server.url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>) status[s.name] = s.id;
    status.Degraded = ((await ok(server.url, "statusthing.v1.StatusService/AddStatus", { name: "Degraded", color: "#FFA500", kind: "STATUS_KIND_WARNING" })).status as Json)
      .id as string;
    for (const name of ["Payments", "Search", "Login"]) {
      item[name] = ((await ok(server.url, "statusthing.v1.ItemsService/AddItem", { name, initialStatusId: status.UP })).item as Json).id as string;
    }
  });
  afterAll(async () => server?.stop());

  const statusOf = async (name: string) => (((await ok(server.url, "statusthing.v1.ItemsService/GetItem", { itemId: item[name] })).item as Json).status as Json).id;
  const notesOf = async (name: string) =>
    (((await ok(server.url, "statusthing.v1.ItemsService/GetItem", { itemId: item[name] })).item as Json).notes as Array<{ text: string }>).map((n) => n.text);

  it("sets statuses when declared and on updates, with notes naming the incident; resolve restores all but the item changed by hand, and names it", async () => {
    const created = (
      await ok(server.url, `${INCIDENTS}/CreateIncident`, {
        title: "Checkout errors",
        impact: "INCIDENT_IMPACT_MAJOR",
        message: "Card payments fail for some customers.",
        items: [
          { itemId: item.Payments, statusId: status.DOWN },
          { itemId: item.Search, statusId: status.Degraded },
        ],
      })
    ).incident as IncidentJson;
    expect(created).toMatchObject({ title: "Checkout errors", impact: "INCIDENT_IMPACT_MAJOR", state: "INCIDENT_STATE_INVESTIGATING" });
    expect(created.items.map((i) => [i.itemName, i.statusId, i.previousStatusId])).toEqual([
      ["Payments", status.DOWN, status.UP],
      ["Search", status.Degraded, status.UP],
    ]);
    expect(created.updates[0]!.author).toBe("token:tests (admin)");
    expect(await statusOf("Payments")).toBe(status.DOWN);
    expect(await statusOf("Search")).toBe(status.Degraded);
    expect((await notesOf("Payments")).at(-1)).toBe(`Incident "Checkout errors" — Investigating: Card payments fail for some customers. (incident ${created.id})`);

    // The history shows the change, at the incident's time, beside the note that explains it.
    const history = await ok(server.url, "statusthing.v1.HistoryService/GetItemHistory", { itemId: item.Payments });
    const [latest] = history.transitions as Array<{ at: string; status: { id: string } }>;
    expect(latest).toMatchObject({ at: "2026-05-04T09:00:00Z", status: { id: status.DOWN } });

    clock = new Date("2026-05-04T09:20:00Z");
    const updated = (
      await ok(server.url, `${INCIDENTS}/AddIncidentUpdate`, {
        incidentId: created.id,
        state: "INCIDENT_STATE_IDENTIFIED",
        message: "The card processor rejects our new certificate; rolling back.",
        items: [{ itemId: item.Login, statusId: status.Degraded }],
      })
    ).incident as IncidentJson;
    expect(updated.state).toBe("INCIDENT_STATE_IDENTIFIED");
    expect(updated.items.map((i) => i.itemName)).toEqual(["Payments", "Search", "Login"]);
    expect(updated.updates.map((u) => u.state)).toEqual(["INCIDENT_STATE_INVESTIGATING", "INCIDENT_STATE_IDENTIFIED"]);
    expect(updated.updates[1]!.statusChanges).toEqual([{ itemId: item.Login, statusId: status.Degraded }]);

    // Someone fixes Search by hand meanwhile: the resolve must leave it alone.
    await ok(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item.Search, statusId: status.WARNING });

    clock = new Date("2026-05-04T10:00:00Z");
    const resolved = await ok(server.url, `${INCIDENTS}/ResolveIncident`, { incidentId: created.id, message: "Rolled back; payments work again." });
    const incident = resolved.incident as IncidentJson;
    expect(incident).toMatchObject({ state: "INCIDENT_STATE_RESOLVED", resolvedAt: "2026-05-04T10:00:00Z" });
    expect(resolved.leftAlone).toEqual([{ itemId: item.Search, itemName: "Search", statusId: status.WARNING }]);
    expect(incident.items.find((i) => i.itemName === "Search")!.leftAlone).toBe(true);
    expect(await statusOf("Payments")).toBe(status.UP);
    expect(await statusOf("Login")).toBe(status.UP);
    expect(await statusOf("Search")).toBe(status.WARNING);
    expect((await notesOf("Login")).at(-1)).toBe(`Incident "Checkout errors" — Resolved: Rolled back; payments work again. (incident ${created.id})`);

    const fetched = (await ok(server.url, `${INCIDENTS}/GetIncident`, { incidentId: created.id })).incident as IncidentJson;
    expect(fetched.updates.map((u) => u.message)).toEqual([
      "Card payments fail for some customers.",
      "The card processor rejects our new certificate; rolling back.",
      "Rolled back; payments work again.",
    ]);
    // A resolved incident takes no more updates.
    const again = await rpc(server.url, `${INCIDENTS}/AddIncidentUpdate`, { incidentId: created.id, message: "one more" });
    expect([again.code, again.body.reason ?? again.text]).toEqual(["failed_precondition", expect.stringContaining("INCIDENT_RESOLVED")]);
  });

  it("resolves with a status given for an item instead of restoring it", async () => {
    const created = (
      await ok(server.url, `${INCIDENTS}/CreateIncident`, {
        title: "Login slow",
        impact: "INCIDENT_IMPACT_MINOR",
        message: "Logins take a minute.",
        items: [{ itemId: item.Login, statusId: status.Degraded }],
      })
    ).incident as IncidentJson;
    await ok(server.url, `${INCIDENTS}/ResolveIncident`, { incidentId: created.id, message: "Still watching it.", items: [{ itemId: item.Login, statusId: status.WARNING }] });
    expect(await statusOf("Login")).toBe(status.WARNING);
    await ok(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item.Login, statusId: status.UP });
  });

  it("lists open and resolved incidents newest first, in pages", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock = new Date(Date.UTC(2026, 4, 5, 8, i));
      ids.push(((await ok(server.url, `${INCIDENTS}/CreateIncident`, { title: `Blip ${i}`, impact: "INCIDENT_IMPACT_NONE", message: "A blip." })).incident as IncidentJson).id);
    }
    const open = (await ok(server.url, `${INCIDENTS}/ListIncidents`, { filter: "INCIDENT_FILTER_OPEN" })).incidents as IncidentJson[];
    expect(open.map((i) => i.id)).toEqual([...ids].reverse());
    const first = await ok(server.url, `${INCIDENTS}/ListIncidents`, { pageSize: 2 });
    const second = await ok(server.url, `${INCIDENTS}/ListIncidents`, { pageSize: 2, pageToken: first.nextPageToken });
    const third = await ok(server.url, `${INCIDENTS}/ListIncidents`, { pageSize: 2, pageToken: second.nextPageToken });
    const all = [...(first.incidents as IncidentJson[]), ...(second.incidents as IncidentJson[]), ...((third.incidents as IncidentJson[] | undefined) ?? [])];
    expect(all.map((i) => i.title)).toEqual(["Blip 2", "Blip 1", "Blip 0", "Login slow", "Checkout errors"]);
    expect(third.nextPageToken).toBeUndefined();
    const resolved = (await ok(server.url, `${INCIDENTS}/ListIncidents`, { filter: "INCIDENT_FILTER_RESOLVED" })).incidents as IncidentJson[];
    expect(resolved.map((i) => i.title)).toEqual(["Login slow", "Checkout errors"]);
    const window = (await ok(server.url, `${INCIDENTS}/ListIncidents`, { from: "2026-05-05T08:00:30Z", to: "2026-05-05T08:01:30Z" })).incidents as IncidentJson[];
    expect(window.map((i) => i.title)).toEqual(["Blip 1", "Blip 0"]);
    for (const id of ids) await ok(server.url, `${INCIDENTS}/DeleteIncident`, { incidentId: id });
    const gone = await rpc(server.url, `${INCIDENTS}/GetIncident`, { incidentId: ids[0] });
    expect(gone.code).toBe("not_found");
  });

  it("refuses bad input with the field named, and changes nothing", async () => {
    const cases: Array<[object, string, string]> = [
      [{ impact: "INCIDENT_IMPACT_MINOR", message: "m" }, "invalid_argument", "title"],
      [{ title: "x".repeat(201), impact: "INCIDENT_IMPACT_MINOR", message: "m" }, "invalid_argument", "title"],
      [{ title: "t", message: "m" }, "invalid_argument", "impact"],
      [{ title: "t", impact: 9, message: "m" }, "invalid_argument", "impact"],
      [{ title: "t", impact: "INCIDENT_IMPACT_MINOR", state: "INCIDENT_STATE_RESOLVED", message: "m" }, "invalid_argument", "state"],
      [{ title: "t", impact: "INCIDENT_IMPACT_MINOR" }, "invalid_argument", "message"],
      [{ title: "t", impact: "INCIDENT_IMPACT_MINOR", message: "m", items: [{ itemId: item.Login }, { itemId: item.Login }] }, "invalid_argument", "items[1].item_id"],
      [{ title: "t", impact: "INCIDENT_IMPACT_MINOR", message: "m", items: [{ itemId: "nope", statusId: status.DOWN }] }, "not_found", "ITEM_NOT_FOUND"],
      [
        {
          title: "t",
          impact: "INCIDENT_IMPACT_MINOR",
          message: "m",
          items: [
            { itemId: item.Login, statusId: "nope" },
            { itemId: item.Payments, statusId: status.DOWN },
          ],
        },
        "not_found",
        "STATUS_NOT_FOUND",
      ],
    ];
    const before = (await ok(server.url, `${INCIDENTS}/ListIncidents`)).incidents as IncidentJson[];
    for (const [body, code, where] of cases) {
      const result = await rpc(server.url, `${INCIDENTS}/CreateIncident`, body);
      expect([result.code, result.text], JSON.stringify(body)).toEqual([code, expect.stringContaining(where)]);
    }
    expect((await ok(server.url, `${INCIDENTS}/ListIncidents`)).incidents).toEqual(before);
    expect(await statusOf("Payments")).toBe(status.UP);
    expect((await rpc(server.url, `${INCIDENTS}/ListIncidents`, { pageToken: "garbage" })).code).toBe("invalid_argument");
    expect((await rpc(server.url, `${INCIDENTS}/ListIncidents`, { pageSize: 101 })).code).toBe("invalid_argument");
    expect((await rpc(server.url, `${INCIDENTS}/UpdateIncident`, { incidentId: "nope", title: "x" })).code).toBe("not_found");
    expect((await rpc(server.url, `${INCIDENTS}/ResolveIncident`, { incidentId: "nope", message: "x" })).code).toBe("not_found");
  });

  it("records each write in the audit log, with the incident or window as its object", async () => {
    const created = (await ok(server.url, `${INCIDENTS}/CreateIncident`, { title: "Audited", impact: "INCIDENT_IMPACT_NONE", message: "m" })).incident as IncidentJson;
    await ok(server.url, `${INCIDENTS}/ResolveIncident`, { incidentId: created.id, message: "done" });
    const window = (
      await ok(server.url, `${INCIDENTS}/ScheduleMaintenance`, {
        title: "Audited window",
        startsAt: new Date(clock.getTime() + 3_600_000).toISOString(),
        endsAt: new Date(clock.getTime() + 7_200_000).toISOString(),
        itemIds: [item.Login],
        statusId: status.Degraded,
      })
    ).maintenance as { id: string };
    const events = (await ok(server.url, "statusthing.v1.AuditService/ListAuditEvents", { pageSize: 500 })).events as Array<{
      procedure: string;
      objectType: string;
      objectId: string;
    }>;
    const find = (rpc: string, id: string) => events.find((e) => e.procedure === `${INCIDENTS}/${rpc}` && e.objectId === id);
    expect(find("CreateIncident", created.id)?.objectType).toBe("incident");
    expect(find("ResolveIncident", created.id)?.objectType).toBe("incident");
    expect(find("ScheduleMaintenance", window.id)?.objectType).toBe("maintenance");
    await ok(server.url, `${INCIDENTS}/CancelMaintenance`, { maintenanceId: window.id });
  });

  it("keeps an incident to a bounded number of updates", async () => {
    const created = (await ok(server.url, `${INCIDENTS}/CreateIncident`, { title: "Chatty", impact: "INCIDENT_IMPACT_NONE", message: "0" })).incident as IncidentJson;
    for (let i = 1; i < 200; i++) await ok(server.url, `${INCIDENTS}/AddIncidentUpdate`, { incidentId: created.id, message: String(i) });
    const full = await rpc(server.url, `${INCIDENTS}/AddIncidentUpdate`, { incidentId: created.id, message: "one too many" });
    expect([full.code, full.text]).toEqual(["failed_precondition", expect.stringContaining("INCIDENT_FULL")]);
    const resolved = (await ok(server.url, `${INCIDENTS}/ResolveIncident`, { incidentId: created.id, message: "closing" })).incident as IncidentJson;
    expect(resolved.updates).toHaveLength(201);
    await ok(server.url, `${INCIDENTS}/DeleteIncident`, { incidentId: created.id });
  });

  it("needs a login to write; reads are public", async () => {
    const write = await rpc(server.url, `${INCIDENTS}/CreateIncident`, { title: "t", impact: "INCIDENT_IMPACT_MINOR", message: "m" }, "anonymous");
    expect(write.code).toBe("unauthenticated");
    expect((await rpc(server.url, `${INCIDENTS}/ListIncidents`, {}, "anonymous")).code).toBe("ok");
    expect((await rpc(server.url, `${INCIDENTS}/ListMaintenance`, {}, "anonymous")).code).toBe("ok");
  });
});
