/**
 * Incident and maintenance events (#18) reach real receivers on real ports, signed (checked with
 * the independent verifier in test/helpers/webhook-receiver.ts), in order; webhooks limited to
 * items get them when the incident's or window's items meet theirs. The maintenance scheduler's
 * timer is off: the test moves the clock (a few minutes, within the receivers' 5-minute
 * signature window) and ticks it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually, WebhookReceiver, type Received } from "../helpers/webhook-receiver.js";

const W = "statusthing.v1.WebhooksService";
const INCIDENTS = "statusthing.v1.IncidentsService";
type Json = Record<string, unknown>;

let server: TestServer | undefined;
const receivers: WebhookReceiver[] = [];

afterEach(async () => {
  await server?.stop();
  server = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

async function ok(url: string, procedure: string, body: object = {}): Promise<Json> {
  const result = await rpc(url, procedure, body);
  expect(result.code, `${procedure}: ${result.text}`).toBe("ok");
  return result.body;
}

const isAboutIncidents = (r: Received) => /^(incident|maintenance)\./.test(r.json.type as string);
const pageEvents = (r: WebhookReceiver) => r.accepted.filter(isAboutIncidents);

describe("incident and maintenance webhooks", () => {
  it("an incident declared, updated and resolved and a window scheduled, started and ended arrive signed, in order, to those whose items they touch", async () => {
    let offsetMs = 0;
    const now = () => new Date(Date.now() + offsetMs);
    server = await startTestServer({
      app: { now, maintenanceTickMs: 0, allowPrivateWebhooks: true, webhookDelivery: { retryDelayMs: () => 100, pollMs: 100 } },
    });
    const { url } = server;
    const status: Record<string, string> = {};
    for (const s of (await ok(url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>) status[s.name] = s.id;
    const item: Record<string, string> = {};
    for (const name of ["API", "DB", "Docs"]) item[name] = ((await ok(url, "statusthing.v1.ItemsService/AddItem", { name, initialStatusId: status.UP })).item as Json).id as string;

    const [all, onlyDb, onlyDocs, chat] = await Promise.all([1, 2, 3, 4].map(() => new WebhookReceiver().listen()));
    receivers.push(all!, onlyDb!, onlyDocs!, chat!);
    const add = async (r: WebhookReceiver, body: object) => {
      r.secrets = [((await ok(url, `${W}/AddWebhook`, { url: r.url, ...body })) as { secret: string }).secret];
    };
    await add(all!, {});
    await add(onlyDb!, { itemIds: [item.DB] });
    await add(onlyDocs!, { itemIds: [item.Docs] });
    await add(chat!, { format: "WEBHOOK_FORMAT_SLACK", events: ["incident.created", "incident.resolved", "maintenance.scheduled", "maintenance.started", "maintenance.ended"] });

    const created = (
      await ok(url, `${INCIDENTS}/CreateIncident`, {
        title: "API errors",
        impact: "INCIDENT_IMPACT_MAJOR",
        message: "Some requests fail.",
        items: [{ itemId: item.API, statusId: status.DOWN }],
      })
    ).incident as { id: string; updates: Array<{ id: string }> };
    await ok(url, `${INCIDENTS}/AddIncidentUpdate`, {
      incidentId: created.id,
      state: "INCIDENT_STATE_IDENTIFIED",
      message: "The database is out of connections.",
      items: [{ itemId: item.DB, statusId: status.DOWN }],
    });
    await ok(url, `${INCIDENTS}/UpdateIncident`, { incidentId: created.id, title: "API and database errors" });
    await ok(url, `${INCIDENTS}/ResolveIncident`, { incidentId: created.id, message: "Pool raised; all good." });

    const starts = new Date(Date.now() + 120_000);
    const ends = new Date(starts.getTime() + 120_000);
    const window = (
      await ok(url, `${INCIDENTS}/ScheduleMaintenance`, {
        title: "DB upgrade",
        message: "Writes pause <briefly>.",
        startsAt: starts.toISOString(),
        endsAt: ends.toISOString(),
        itemIds: [item.DB],
        statusId: status.WARNING,
      })
    ).maintenance as { id: string };
    offsetMs = 121_000;
    expect(await server.app.maintenance.tick()).toBe(1);
    offsetMs = 241_000;
    expect(await server.app.maintenance.tick()).toBe(1);

    const expected = ["incident.created", "incident.updated", "incident.updated", "incident.resolved", "maintenance.scheduled", "maintenance.started", "maintenance.ended"];
    await eventually(() => pageEvents(all!).length >= expected.length && chat!.accepted.length >= 5 && pageEvents(onlyDb!).length >= 6, "the incident and maintenance events");

    // In order, every one signed; the item events these changes caused arrive in their places too.
    expect(pageEvents(all!).map((r) => r.json.type)).toEqual(expected);
    for (const r of [all!, onlyDb!, chat!]) {
      expect(r.badSignatures).toEqual([]);
      expect(r.accepted.every((x) => x.verified[0] === undefined)).toBe(true);
    }
    // An incident's item changes are logged before the incident itself: their events come first.
    const types = all!.types();
    expect(types.indexOf("item.status_changed")).toBeLessThan(types.indexOf("incident.created"));

    const [declared, identified, renamed, resolved, scheduled, started, ended] = pageEvents(all!).map((r) => r.json as { version: number; data: Json });
    expect(declared).toMatchObject({
      version: 1,
      data: {
        incident: { id: created.id, title: "API errors", impact: "major", state: "investigating", item_ids: [item.API] },
        update: { id: created.updates[0]!.id, state: "investigating", message: "Some requests fail." },
      },
    });
    expect(declared!.data.incident).not.toHaveProperty("resolved_at");
    expect(identified!.data).toMatchObject({ incident: { state: "identified", item_ids: [item.API, item.DB] }, update: { message: "The database is out of connections." } });
    expect(renamed!.data).toMatchObject({ incident: { title: "API and database errors" } });
    expect(renamed!.data).not.toHaveProperty("update");
    expect(resolved!.data).toMatchObject({ incident: { state: "resolved", resolved_at: expect.any(String) }, update: { state: "resolved", message: "Pool raised; all good." } });
    expect(scheduled!.data).toEqual({
      maintenance: {
        id: window.id,
        title: "DB upgrade",
        message: "Writes pause <briefly>.",
        starts_at: starts.toISOString(),
        ends_at: ends.toISOString(),
        phase: "scheduled",
        item_ids: [item.DB],
      },
    });
    expect(started!.data).toMatchObject({ maintenance: { phase: "active" } });
    expect(ended!.data).toMatchObject({ maintenance: { phase: "completed" } });

    // Limited to DB: the incident from the update that added DB on, and the window; limited to Docs: none of them.
    expect(pageEvents(onlyDb!).map((r) => r.json.type)).toEqual(expected.slice(1));
    expect(pageEvents(onlyDocs!)).toEqual([]);

    expect(chat!.accepted.map((r) => (r.json as { text: string }).text)).toEqual([
      "Incident: *API errors* (major impact, investigating): Some requests fail.",
      "Resolved: *API and database errors*: Pool raised; all good.",
      expect.stringMatching(/^Maintenance scheduled: \*DB upgrade\*, \d{4}-\d\d-\d\d \d\d:\d\d UTC to .* UTC: Writes pause &lt;briefly&gt;\.$/),
      expect.stringMatching(/^Maintenance started: \*DB upgrade\*, until .* UTC$/),
      "Maintenance over: *DB upgrade*",
    ]);

    // The deliveries are listed per webhook like any other.
    const hooks = (await ok(url, `${W}/ListWebhooks`)).webhooks as Array<{ id: string; url: string }>;
    const chatHook = hooks.find((h) => h.url === chat!.url)!;
    const deliveries = (await ok(url, `${W}/ListDeliveries`, { webhookId: chatHook.id })).deliveries as Array<{ eventType: string; ok: boolean }>;
    expect(deliveries.map((d) => [d.eventType, d.ok])).toEqual([
      ["maintenance.ended", true],
      ["maintenance.started", true],
      ["maintenance.scheduled", true],
      ["incident.resolved", true],
      ["incident.created", true],
    ]);
  });
});
