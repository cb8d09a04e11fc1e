/**
 * The Statuspage v2 JSON format (`/api/v2/*.json`), as its public documentation describes it:
 * the field names and value sets that aggregators, dashboards and Statuspage clients read. Our
 * items are its components; their status comes from the status kind by one table.
 */
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import type { ItemView } from "../domain.js";
import type { PageIdentity } from "./page-identity.js";

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
}

/** Builds the page, its components and its indicator from the items as the store has them. */
export function statuspageView(identity: PageIdentity, items: readonly ItemView[], now: Date): StatuspageView {
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
  const newest = items.reduce<Date | undefined>((latest, item) => (latest && latest >= item.updated ? latest : item.updated), undefined);
  return {
    page: { id: identity.id, name: identity.name, url: identity.url, time_zone: identity.timeZone, updated_at: (newest ?? now).toISOString() },
    components,
    status: pageIndicator(components.map((c) => c.status)),
  };
}

/**
 * The documents of `/api/v2/`, by path. Incidents and scheduled maintenance are empty lists
 * until StatusThing has incidents; the keys are there so that readers find what they expect.
 */
export const STATUSPAGE_DOCUMENTS: Readonly<Record<string, (view: StatuspageView) => object>> = {
  "/api/v2/summary.json": (v) => ({ page: v.page, components: v.components, incidents: [], scheduled_maintenances: [], status: v.status }),
  "/api/v2/status.json": (v) => ({ page: v.page, status: v.status }),
  "/api/v2/components.json": (v) => ({ page: v.page, components: v.components }),
  "/api/v2/incidents.json": (v) => ({ page: v.page, incidents: [] }),
  "/api/v2/incidents/unresolved.json": (v) => ({ page: v.page, incidents: [] }),
  "/api/v2/scheduled-maintenances.json": (v) => ({ page: v.page, scheduled_maintenances: [] }),
  "/api/v2/scheduled-maintenances/upcoming.json": (v) => ({ page: v.page, scheduled_maintenances: [] }),
  "/api/v2/scheduled-maintenances/active.json": (v) => ({ page: v.page, scheduled_maintenances: [] }),
};
