/**
 * Incidents and scheduled maintenance in the Statuspage v2 JSON format: StatusThing's incidents
 * and maintenance windows with the field names and value sets Statuspage readers expect.
 */
import { INCIDENT_RESOLVED, PHASE_ACTIVE, PHASE_CANCELLED, PHASE_COMPLETED, PHASE_SCHEDULED, type IncidentRecord, type MaintenanceRecord } from "../incident-records.js";
import type { ComponentJson, Indicator } from "./statuspage.js";

/** What the documents show of incidents and maintenance, read once per data version. */
export interface IncidentsView {
  /** The latest incidents, newest first. */
  recent: IncidentRecord[];
  /** The unresolved ones, newest first. */
  unresolved: IncidentRecord[];
  /** The latest windows (not cancelled), latest start first. */
  maintenances: MaintenanceRecord[];
}

/** One update of an incident's timeline, as the format has it. */
interface IncidentUpdateJson {
  id: string;
  status: string;
  body: string;
  incident_id: string;
  created_at: string;
  updated_at: string;
  display_at: string;
  affected_components: Array<{ code: string; name: string }> | null;
}

/** An incident or a maintenance, as the format has it. */
export interface IncidentJson {
  id: string;
  name: string;
  status: string;
  impact: string;
  shortlink: string;
  created_at: string;
  updated_at: string;
  started_at: string;
  monitoring_at: string | null;
  resolved_at: string | null;
  scheduled_for: string | null;
  scheduled_until: string | null;
  page_id: string;
  incident_updates: IncidentUpdateJson[];
  components: ComponentJson[];
}

const STATE: Record<number, string> = { 1: "investigating", 2: "identified", 3: "monitoring", 4: "resolved" };
const IMPACT: Record<number, "none" | "minor" | "major" | "critical"> = { 1: "none", 2: "minor", 3: "major", 4: "critical" };
const PHASE: Record<number, string> = { [PHASE_SCHEDULED]: "scheduled", [PHASE_ACTIVE]: "in_progress", [PHASE_COMPLETED]: "completed", [PHASE_CANCELLED]: "completed" };

const iso = (date: Date) => date.toISOString();

/** Context every record needs: the page, and its components by id (affected items as they are now). */
export interface RecordContext {
  pageId: string;
  pageUrl: string;
  components: ReadonlyMap<string, ComponentJson>;
}

const componentsOf = (itemIds: readonly string[], ctx: RecordContext) => itemIds.flatMap((id) => ctx.components.get(id) ?? []);

export function incidentJson(incident: IncidentRecord, ctx: RecordContext): IncidentJson {
  const monitoring = incident.updates.find((u) => u.state === 3);
  const updates = [...incident.updates].reverse().map((u): IncidentUpdateJson => ({
    id: u.id,
    status: STATE[u.state]!,
    body: u.message,
    incident_id: incident.id,
    created_at: iso(u.created),
    updated_at: iso(u.created),
    display_at: iso(u.created),
    affected_components: u.statusChanges.length ? u.statusChanges.map((c) => ({ code: c.itemId, name: ctx.components.get(c.itemId)?.name ?? "" })) : null,
  }));
  return {
    id: incident.id,
    name: incident.title,
    status: STATE[incident.state]!,
    impact: IMPACT[incident.impact]!,
    shortlink: `${ctx.pageUrl}/incidents/${incident.id}`,
    created_at: iso(incident.created),
    updated_at: iso(incident.updated),
    started_at: iso(incident.created),
    monitoring_at: monitoring ? iso(monitoring.created) : null,
    resolved_at: incident.resolvedAt ? iso(incident.resolvedAt) : null,
    scheduled_for: null,
    scheduled_until: null,
    page_id: ctx.pageId,
    incident_updates: updates,
    components: componentsOf(
      incident.items.map((i) => i.itemId),
      ctx,
    ),
  };
}

/** A maintenance window, with a timeline made of its phases (scheduled, in progress, completed). */
export function maintenanceJson(window: MaintenanceRecord, ctx: RecordContext): IncidentJson {
  const update = (suffix: string, status: string, at: Date, body: string): IncidentUpdateJson => ({
    id: `${window.id}-${suffix}`,
    status,
    body,
    incident_id: window.id,
    created_at: iso(at),
    updated_at: iso(at),
    display_at: iso(at),
    affected_components: null,
  });
  const updates = [update("scheduled", "scheduled", window.created, window.message || window.title)];
  if (window.startedAt) updates.push(update("in_progress", "in_progress", window.startedAt, "The maintenance is in progress."));
  if (window.endedAt && window.phase === PHASE_COMPLETED) updates.push(update("completed", "completed", window.endedAt, "The maintenance has completed."));
  if (window.endedAt && window.phase === PHASE_CANCELLED) updates.push(update("completed", "completed", window.endedAt, "The maintenance was cancelled."));
  return {
    id: window.id,
    name: window.title,
    status: PHASE[window.phase]!,
    impact: "maintenance",
    shortlink: `${ctx.pageUrl}/history`,
    created_at: iso(window.created),
    updated_at: iso(window.updated),
    started_at: iso(window.startedAt ?? window.startsAt),
    monitoring_at: null,
    resolved_at: window.endedAt ? iso(window.endedAt) : null,
    scheduled_for: iso(window.startsAt),
    scheduled_until: iso(window.endsAt),
    page_id: ctx.pageId,
    incident_updates: updates.reverse(),
    components: componentsOf(
      window.items.map((i) => i.itemId),
      ctx,
    ),
  };
}

const RANK: Record<Indicator, number> = { none: 0, maintenance: 1, minor: 2, major: 3, critical: 4 };
const DESCRIPTION: Record<"minor" | "major" | "critical", string> = { minor: "Minor Service Outage", major: "Partial System Outage", critical: "Major System Outage" };

/** The page's indicator raised to the worst impact of an unresolved incident (as Statuspage does). */
export function withIncidentImpact(status: { indicator: Indicator; description: string }, unresolved: readonly IncidentRecord[]) {
  let worst = status;
  for (const incident of unresolved) {
    if (incident.state === INCIDENT_RESOLVED) continue;
    const impact = IMPACT[incident.impact]!;
    if (impact !== "none" && RANK[impact] > RANK[worst.indicator]) worst = { indicator: impact, description: DESCRIPTION[impact] };
  }
  return worst;
}
