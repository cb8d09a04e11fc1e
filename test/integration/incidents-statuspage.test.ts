import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { STATUSPAGE_SCHEMAS, statuspageErrors } from "../helpers/statuspage-schema.js";

const INCIDENTS = "statusthing.v1.IncidentsService";
type Json = Record<string, unknown>;

async function ok(url: string, procedure: string, body: object = {}): Promise<Json> {
  const result = await rpc(url, procedure, body);
  expect(result.code, `${procedure}: ${result.text}`).toBe("ok");
  return result.body;
}

describe("incidents and maintenance in the Statuspage v2 documents", () => {
  let server: TestServer;
  let clock = new Date("2026-09-01T10:00:00Z");
  beforeAll(async () => {
    server = await startTestServer({ app: { now: () => clock, maintenanceTickMs: 0, timeZone: "Europe/Berlin" } });
  });
  afterAll(async () => server?.stop());

  const docs = async () => {
    const out: Record<string, Json> = {};
    for (const path of Object.keys(STATUSPAGE_SCHEMAS)) {
      const body = (await (await fetch(`${server.url}${path}`)).json()) as Json;
      expect(statuspageErrors(path, body), path).toEqual([]);
      out[path] = body;
    }
    return out;
  };

  it("lists unresolved incidents and upcoming or active maintenance in the summary, with their updates and components", async () => {
    const statuses = (await ok(server.url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>;
    const up = statuses.find((s) => s.name === "UP")!.id;
    const down = statuses.find((s) => s.name === "DOWN")!.id;
    const api = ((await ok(server.url, "statusthing.v1.ItemsService/AddItem", { name: "API", initialStatusId: up })).item as Json).id as string;
    const web = ((await ok(server.url, "statusthing.v1.ItemsService/AddItem", { name: "Web", initialStatusId: up })).item as Json).id as string;
    const maint = ((await ok(server.url, "statusthing.v1.StatusService/AddStatus", { name: "Maintenance", color: "#3366FF", kind: "STATUS_KIND_UNAVAILABLE" })).status as Json).id;

    const incident = (
      await ok(server.url, `${INCIDENTS}/CreateIncident`, {
        title: "API errors",
        impact: "INCIDENT_IMPACT_CRITICAL",
        message: "Looking into it.",
        items: [{ itemId: web, statusId: up }],
      })
    ).incident as Json;
    clock = new Date("2026-09-01T10:10:00Z");
    await ok(server.url, `${INCIDENTS}/AddIncidentUpdate`, {
      incidentId: incident.id,
      state: "INCIDENT_STATE_MONITORING",
      message: "Fix deployed.",
      items: [{ itemId: api, statusId: down }],
    });
    const soon = (
      await ok(server.url, `${INCIDENTS}/ScheduleMaintenance`, {
        title: "DB upgrade",
        message: "Read-only for an hour.",
        startsAt: "2026-09-02T22:00:00Z",
        endsAt: "2026-09-02T23:00:00Z",
        itemIds: [api],
        statusId: maint,
      })
    ).maintenance as Json;

    let d = await docs();
    const summary = d["/api/v2/summary.json"]!;
    expect((summary.page as Json).time_zone).toBe("Europe/Berlin");
    // Only Web's component is "operational" and the incident is critical: the page says so.
    expect(summary.status).toEqual({ indicator: "critical", description: "Major System Outage" });
    const [open] = summary.incidents as Json[];
    expect(open).toMatchObject({
      id: incident.id,
      name: "API errors",
      status: "monitoring",
      impact: "critical",
      monitoring_at: "2026-09-01T10:10:00.000Z",
      resolved_at: null,
      shortlink: `${server.url}/incidents/${incident.id}`,
    });
    expect((open!.incident_updates as Json[]).map((u) => [u.status, u.body])).toEqual([
      ["monitoring", "Fix deployed."],
      ["investigating", "Looking into it."],
    ]);
    expect((open!.components as Json[]).map((c) => [c.name, c.status])).toEqual([
      ["Web", "operational"],
      ["API", "major_outage"],
    ]);
    expect((summary.scheduled_maintenances as Json[]).map((m) => [m.id, m.status, m.impact, m.scheduled_for, m.scheduled_until])).toEqual([
      [soon.id, "scheduled", "maintenance", "2026-09-02T22:00:00.000Z", "2026-09-02T23:00:00.000Z"],
    ]);
    expect((d["/api/v2/scheduled-maintenances/upcoming.json"]!.scheduled_maintenances as Json[]).map((m) => m.id)).toEqual([soon.id]);
    expect(d["/api/v2/scheduled-maintenances/active.json"]!.scheduled_maintenances).toEqual([]);

    clock = new Date("2026-09-01T11:00:00Z");
    await ok(server.url, `${INCIDENTS}/ResolveIncident`, { incidentId: incident.id, message: "All good." });
    clock = new Date("2026-09-02T22:00:00Z");
    await server.app.maintenance.tick();
    d = await docs();
    expect(d["/api/v2/incidents/unresolved.json"]!.incidents).toEqual([]);
    expect((d["/api/v2/incidents.json"]!.incidents as Json[]).map((i) => [i.id, i.status, i.resolved_at])).toEqual([[incident.id, "resolved", "2026-09-01T11:00:00.000Z"]]);
    expect((d["/api/v2/scheduled-maintenances/active.json"]!.scheduled_maintenances as Json[]).map((m) => [m.id, m.status])).toEqual([[soon.id, "in_progress"]]);
    expect(d["/api/v2/summary.json"]!.status).toEqual({ indicator: "maintenance", description: "Service Under Maintenance" });

    // The page's feed has an entry per incident update, linking to the incident's page.
    const atom = await (await fetch(`${server.url}/feed.atom`)).text();
    expect(atom).toContain(`<link href="${server.url}/incidents/${incident.id as string}"/>`);
    expect(atom).toContain('<title type="html"><![CDATA[API errors — Resolved]]></title>');
  });
});
