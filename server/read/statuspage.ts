/**
 * The Statuspage v2 JSON format (`/api/v2/*.json`), as its public documentation describes it:
 * the field names and value sets that aggregators, dashboards and Statuspage clients read. Our
 * items are its components; their status comes from the status kind by one table.
 */
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import type { ItemView } from "../domain.js";
import type { PageIdentity } from "./page-identity.js";
import { incidentJson, maintenanceJson, withIncidentImpact, type IncidentJson, type IncidentsView } from "./statuspage-incidents.js";

/** A component's status: the only values the format allows. */
export type ComponentStatus = "operational" | "degraded_performance" | "partial_outage" | "major_outage" | "under_maintenance";

/** The page's overall indicator: the only values the format allows. */
export type Indicator = "none" | "minor" | "major" | "critical" | "maintenance";

/**
 * Status kind → component status, the one table (the README shows it). Kinds that say nothing
 * about health (not in service yet, decommissioned, no status) read as operational: the format
 * has no other value, and they are not outages.
 */
export const COMPONENT_STATUS_OF_KIND: Readonly<Record<StatusKind, ComponentStatus>> = {
  [StatusKind.UNKNOWN]: "operational",
  [StatusKind.UP]: "operational",
  [StatusKind.DOWN]: "major_outage",
  [StatusKind.WARNING]: "partial_outage",
  [StatusKind.UNAVAILABLE]: "under_maintenance",
  [StatusKind.AVAILABLE]: "operational",
  [StatusKind.INVESTIGATING]: "degraded_performance",
  [StatusKind.OBSERVING]: "degraded_performance",
  [StatusKind.CREATED]: "operational",
  [StatusKind.ONLINE]: "operational",
  [StatusKind.OFFLINE]: "major_outage",
  [StatusKind.DECOMM]: "operational",
};

/** The component status of an item's current status kind. */
export function componentStatus(kind: number | undefined): ComponentStatus {
  return COMPONENT_STATUS_OF_KIND[(kind ?? StatusKind.UNKNOWN) as StatusKind] ?? "operational";
}

/** The indicator and its description for a page whose components have these statuses. */
export function pageIndicator(statuses: readonly ComponentStatus[]): { indicator: Indicator; description: string } {
  const has = (status: ComponentStatus) => statuses.includes(status);
  if (has("major_outage")) {
    return statuses.every((s) => s === "major_outage")
      ? { indicator: "critical", description: "Major System Outage" }
      : { indicator: "major", description: "Partial System Outage" };
  }
  if (has("partial_outage")) return { indicator: "minor", description: "Partial System Outage" };
  if (has("degraded_performance")) return { indicator: "minor", description: "Minor Service Outage" };
  if (has("under_maintenance")) return { indicator: "maintenance", description: "Service Under Maintenance" };
  return { indicator: "none", description: "All Systems Operational" };
}

/** The `page` object every document starts with. */
export interface PageJson {
  id: string;
  name: string;
  url: string;
  time_zone: string;
  updated_at: string;
}

/** One component, with every field the format documents. */
export interface ComponentJson {
  id: string;
  name: string;
  status: ComponentStatus;
  created_at: string;
  updated_at: string;
  position: number;
  description: string | null;
  showcase: boolean;
  start_date: string | null;
  group_id: string | null;
  page_id: string;
  group: boolean;
  only_show_if_degraded: boolean;
}

/** The page's data at one moment, from which every document is cut. */
export interface StatuspageView {
  page: PageJson;
  components: ComponentJson[];
  status: { indicator: Indicator; description: string };
  /** The latest incidents, newest first. */
  incidents: IncidentJson[];
  /** The unresolved incidents, newest first. */
  unresolved: IncidentJson[];
  /** The latest maintenance windows, latest first (the format's "scheduled maintenances"). */
  maintenances: IncidentJson[];
}

/** Builds the page, its components, incidents, maintenance and indicator from what the store has. */
export function statuspageView(
  identity: PageIdentity,
  items: readonly ItemView[],
  now: Date,
  incidents: IncidentsView = { recent: [], unresolved: [], maintenances: [] },
): StatuspageView {
  const components = items.map((item, index): ComponentJson => ({
    id: item.id,
    name: item.name,
    status: componentStatus(item.status?.kind),
    created_at: item.created.toISOString(),
    updated_at: item.updated.toISOString(),
    position: index + 1,
    description: item.description === "" ? null : item.description,
    showcase: true,
    start_date: null,
    group_id: null,
    page_id: identity.id,
    group: false,
    only_show_if_degraded: false,
  }));
  const updates = [...items.map((i) => i.updated), ...incidents.recent.map((i) => i.updated), ...incidents.maintenances.map((m) => m.updated)];
  const newest = updates.reduce<Date | undefined>((latest, at) => (latest && latest >= at ? latest : at), undefined);
  const ctx = { pageId: identity.id, pageUrl: identity.url, components: new Map(components.map((c) => [c.id, c])) };
  return {
    page: { id: identity.id, name: identity.name, url: identity.url, time_zone: identity.timeZone, updated_at: (newest ?? now).toISOString() },
    components,
    status: withIncidentImpact(pageIndicator(components.map((c) => c.status)), incidents.unresolved),
    incidents: incidents.recent.map((i) => incidentJson(i, ctx)),
    unresolved: incidents.unresolved.map((i) => incidentJson(i, ctx)),
    maintenances: incidents.maintenances.map((m) => maintenanceJson(m, ctx)),
  };
}

const upcoming = (v: StatuspageView) => v.maintenances.filter((m) => m.status === "scheduled").reverse();
const active = (v: StatuspageView) => v.maintenances.filter((m) => m.status === "in_progress");

/**
 * The documents of `/api/v2/`, by path: as Statuspage, the summary carries the unresolved
 * incidents and the upcoming or in-progress maintenance; the lists the latest 50.
 */
export const STATUSPAGE_DOCUMENTS: Readonly<Record<string, (view: StatuspageView) => object>> = {
  "/api/v2/summary.json": (v) => ({ page: v.page, components: v.components, incidents: v.unresolved, scheduled_maintenances: [...active(v), ...upcoming(v)], status: v.status }),
  "/api/v2/status.json": (v) => ({ page: v.page, status: v.status }),
  "/api/v2/components.json": (v) => ({ page: v.page, components: v.components }),
  "/api/v2/incidents.json": (v) => ({ page: v.page, incidents: v.incidents }),
  "/api/v2/incidents/unresolved.json": (v) => ({ page: v.page, incidents: v.unresolved }),
  "/api/v2/scheduled-maintenances.json": (v) => ({ page: v.page, scheduled_maintenances: v.maintenances }),
  "/api/v2/scheduled-maintenances/upcoming.json": (v) => ({ page: v.page, scheduled_maintenances: upcoming(v) }),
  "/api/v2/scheduled-maintenances/active.json": (v) => ({ page: v.page, scheduled_maintenances: active(v) }),
};
