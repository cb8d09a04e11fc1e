/** Incident and maintenance events (#18): their enum names, which webhooks limited to items get them, and their Slack text. */
import { describe, expect, it } from "vitest";
import { IncidentImpact, IncidentState, MaintenancePhase } from "../../shared/gen/statusthing/v1/incidents_pb.js";
import { IMPACT_NAMES, PHASE_NAMES, STATE_NAMES } from "../../server/store/sql/outbox.js";
import { wants } from "../../server/webhooks/delivery-worker.js";
import { chatText, webhookBody } from "../../server/webhooks/payload.js";

/** Every named value of a protobuf enum but UNSPECIFIED, as `prefix` + NAME. */
function wireNames(values: Record<string, string | number>, prefix: string): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [name, n] of Object.entries(values)) if (typeof n === "number" && n !== 0) out[n] = `${prefix}${name}`;
  return out;
}
const lowered = (names: Readonly<Record<number, string>>, prefix: string) => Object.fromEntries(Object.entries(names).map(([n, name]) => [n, `${prefix}${name.toUpperCase()}`]));

describe("incident and maintenance event data", () => {
  it("names impact, state and phase as the API's enum names without their prefix, in lower case", () => {
    expect(lowered(IMPACT_NAMES, "INCIDENT_IMPACT_")).toEqual(wireNames(IncidentImpact, "INCIDENT_IMPACT_"));
    expect(lowered(STATE_NAMES, "INCIDENT_STATE_")).toEqual(wireNames(IncidentState, "INCIDENT_STATE_"));
    expect(lowered(PHASE_NAMES, "MAINTENANCE_PHASE_")).toEqual(wireNames(MaintenancePhase, "MAINTENANCE_PHASE_"));
  });
});

describe("which webhooks limited to items get incident and maintenance events", () => {
  const incident = (itemIds: string[]) => ({ type: "incident.created", itemId: undefined, data: { incident: { id: "i", item_ids: itemIds } } });
  const window = (itemIds: string[]) => ({ type: "maintenance.started", itemId: undefined, data: { maintenance: { id: "m", item_ids: itemIds } } });

  it("those whose items meet the record's", () => {
    expect(wants({ events: [], itemIds: ["a"] }, incident(["b", "a"]))).toBe(true);
    expect(wants({ events: [], itemIds: ["a"] }, incident(["b"]))).toBe(false);
    expect(wants({ events: [], itemIds: ["a", "c"] }, window(["c"]))).toBe(true);
    expect(wants({ events: [], itemIds: ["a"] }, window(["b"]))).toBe(false);
  });

  it("not one affecting no item; every webhook without an item filter gets all", () => {
    expect(wants({ events: [], itemIds: ["a"] }, incident([]))).toBe(false);
    expect(wants({ events: [], itemIds: [] }, incident([]))).toBe(true);
    expect(wants({ events: ["incident.resolved"], itemIds: [] }, incident(["a"]))).toBe(false);
  });
});

describe("Slack text for incident and maintenance events", () => {
  const incident = { id: "i", title: "API <errors>", impact: "major", state: "identified", item_ids: [], created: "2026-11-30T10:00:00.000Z" };
  const update = { id: "u", state: "identified", message: "Found it & fixing", created: "2026-11-30T10:05:00.000Z" };
  const window = {
    id: "m",
    title: "DB upgrade",
    message: "Writes pause",
    starts_at: "2026-12-01T02:00:00.000Z",
    ends_at: "2026-12-01T03:30:00.000Z",
    phase: "scheduled",
    item_ids: [],
  };

  it.each([
    ["incident.created", { incident, update }, "Incident: *API &lt;errors&gt;* (major impact, identified): Found it &amp; fixing"],
    ["incident.updated", { incident, update }, "Incident *API &lt;errors&gt;* (major impact, identified): Found it &amp; fixing"],
    ["incident.updated", { incident }, "Incident *API &lt;errors&gt;* (major impact, identified) was edited"],
    ["incident.resolved", { incident: { ...incident, state: "resolved" }, update: { ...update, message: "All good" } }, "Resolved: *API &lt;errors&gt;*: All good"],
    ["maintenance.scheduled", { maintenance: window }, "Maintenance scheduled: *DB upgrade*, 2026-12-01 02:00 UTC to 2026-12-01 03:30 UTC: Writes pause"],
    ["maintenance.started", { maintenance: { ...window, phase: "active" } }, "Maintenance started: *DB upgrade*, until 2026-12-01 03:30 UTC"],
    ["maintenance.ended", { maintenance: { ...window, phase: "completed" } }, "Maintenance over: *DB upgrade*"],
    ["maintenance.ended", { maintenance: { ...window, phase: "cancelled" } }, "Maintenance cancelled: *DB upgrade*"],
  ])("%s", (type, data, text) => {
    expect(chatText({ type, data })).toBe(text);
    expect(JSON.parse(webhookBody({ type, data, at: new Date() }, "slack"))).toEqual({ text });
  });

  it("the JSON body carries the data as stored", () => {
    const body = JSON.parse(webhookBody({ type: "incident.created", data: { incident, update }, at: new Date("2026-11-30T10:00:01Z") }, "standard"));
    expect(body).toEqual({ type: "incident.created", timestamp: "2026-11-30T10:00:01.000Z", version: 1, data: { incident, update } });
  });
});

describe("the admin console's event choices", () => {
  it("offer every event type a webhook may ask for, once", async () => {
    const { WEBHOOK_EVENT_TYPES } = await import("../../server/store/outbox-store.js");
    const { WEBHOOK_EVENTS } = await import("../../web/src/lib/admin/webhook-events.js");
    expect(WEBHOOK_EVENTS.map((e) => e.value)).toEqual([...WEBHOOK_EVENT_TYPES]);
  });
});
