/**
 * JSON Schemas of the Statuspage v2 public API documents, written from that format's public
 * documentation (the "Status API" page of a Statuspage page: summary, status, components,
 * incidents, unresolved incidents, scheduled maintenances, upcoming and active): field names,
 * types and the allowed values. Strict about what readers rely on; extra fields are allowed,
 * as the format itself adds fields over time.
 */
import { Ajv } from "ajv";

const isoTime = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$" };
const nullableIsoTime = { anyOf: [isoTime, { type: "null" }] };

const page = {
  type: "object",
  required: ["id", "name", "url", "updated_at"],
  properties: {
    id: { type: "string", minLength: 1 },
    name: { type: "string" },
    url: { type: "string", pattern: "^https?://" },
    time_zone: { type: "string" },
    updated_at: isoTime,
  },
};

const component = {
  type: "object",
  required: ["id", "name", "status", "created_at", "updated_at", "position", "description", "showcase", "group_id", "page_id", "group", "only_show_if_degraded"],
  properties: {
    id: { type: "string", minLength: 1 },
    name: { type: "string" },
    status: { enum: ["operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"] },
    created_at: isoTime,
    updated_at: isoTime,
    position: { type: "integer", minimum: 0 },
    description: { type: ["string", "null"] },
    showcase: { type: "boolean" },
    start_date: { type: ["string", "null"] },
    group_id: { type: ["string", "null"] },
    page_id: { type: "string" },
    group: { type: "boolean" },
    only_show_if_degraded: { type: "boolean" },
    components: { type: "array", items: { type: "string" } },
  },
};

const incidentUpdate = {
  type: "object",
  required: ["id", "status", "body", "created_at", "updated_at", "display_at", "incident_id"],
  properties: {
    id: { type: "string" },
    status: { enum: ["investigating", "identified", "monitoring", "resolved", "postmortem", "scheduled", "in_progress", "verifying", "completed"] },
    body: { type: "string" },
    created_at: isoTime,
    updated_at: isoTime,
    display_at: isoTime,
    incident_id: { type: "string" },
  },
};

const incident = {
  type: "object",
  required: ["id", "name", "status", "impact", "shortlink", "created_at", "updated_at", "monitoring_at", "resolved_at", "page_id", "incident_updates"],
  properties: {
    id: { type: "string" },
    name: { type: "string" },
    status: { enum: ["investigating", "identified", "monitoring", "resolved", "postmortem", "scheduled", "in_progress", "verifying", "completed"] },
    impact: { enum: ["none", "minor", "major", "critical", "maintenance"] },
    shortlink: { type: "string" },
    created_at: isoTime,
    updated_at: isoTime,
    monitoring_at: nullableIsoTime,
    resolved_at: nullableIsoTime,
    scheduled_for: nullableIsoTime,
    scheduled_until: nullableIsoTime,
    page_id: { type: "string" },
    incident_updates: { type: "array", items: incidentUpdate },
    components: { type: "array", items: component },
  },
};

const status = {
  type: "object",
  required: ["indicator", "description"],
  properties: { indicator: { enum: ["none", "minor", "major", "critical", "maintenance"] }, description: { type: "string", minLength: 1 } },
};

const doc = (required: string[], properties: Record<string, unknown>) => ({ type: "object", required: ["page", ...required], properties: { page, ...properties } });

/** The schema of each document, by path. */
export const STATUSPAGE_SCHEMAS: Record<string, object> = {
  "/api/v2/summary.json": doc(["components", "incidents", "scheduled_maintenances", "status"], {
    components: { type: "array", items: component },
    incidents: { type: "array", items: incident },
    scheduled_maintenances: { type: "array", items: incident },
    status,
  }),
  "/api/v2/status.json": doc(["status"], { status }),
  "/api/v2/components.json": doc(["components"], { components: { type: "array", items: component } }),
  "/api/v2/incidents.json": doc(["incidents"], { incidents: { type: "array", items: incident } }),
  "/api/v2/incidents/unresolved.json": doc(["incidents"], { incidents: { type: "array", items: incident } }),
  "/api/v2/scheduled-maintenances.json": doc(["scheduled_maintenances"], { scheduled_maintenances: { type: "array", items: incident } }),
  "/api/v2/scheduled-maintenances/upcoming.json": doc(["scheduled_maintenances"], { scheduled_maintenances: { type: "array", items: incident } }),
  "/api/v2/scheduled-maintenances/active.json": doc(["scheduled_maintenances"], { scheduled_maintenances: { type: "array", items: incident } }),
};

const ajv = new Ajv({ allErrors: true });
const validators = new Map(Object.entries(STATUSPAGE_SCHEMAS).map(([path, schema]) => [path, ajv.compile(schema)]));

/** The schema errors of a document served at `path`, as readable lines; empty when it is valid. */
export function statuspageErrors(path: string, body: unknown): string[] {
  const validate = validators.get(path);
  if (!validate) throw new Error(`no schema for ${path}`);
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}
