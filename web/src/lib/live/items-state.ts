import type { WatchItemsResponse } from "../../../../shared/gen/statusthing/v1/services_pb.js";
import type { Group, Item, Status } from "../../../../shared/gen/statusthing/v1/types_pb.js";
import type { PageSettings } from "../../../../shared/gen/statusthing/v1/settings_pb.js";
import { IncidentState, MaintenancePhase, type Incident, type Maintenance } from "../../../../shared/gen/statusthing/v1/incidents_pb.js";
import { nextStatusSince, type StatusSince } from "./status-since.js";

/** What one stream message did to the state, for announcements. */
export type AppliedChange =
  | { kind: "snapshot" }
  | { kind: "item"; before: Item | undefined; after: Item | undefined }
  | { kind: "status" }
  | { kind: "group" }
  | { kind: "settings" }
  | { kind: "incident"; before: Incident | undefined; after: Incident | undefined }
  | { kind: "maintenance"; before: Maintenance | undefined; after: Maintenance | undefined }
  | { kind: "none" };

/** Whether an incident belongs on a live page: it is not resolved. */
export const isOpenIncident = (incident: Incident) => incident.state !== IncidentState.RESOLVED;
/** Whether a window belongs on a live page: announced or under way. */
export const isCurrentMaintenance = (window: Maintenance) => window.phase === MaintenancePhase.SCHEDULED || window.phase === MaintenancePhase.ACTIVE;

/**
 * The client's copy of what `WatchItems` describes: items in creation order, statuses, and the
 * revision it is at. Plain data, no framework: the live-state class wraps it for the pages.
 */
export class ItemsState {
  /** The revision of the last message applied (heartbeats included); 0 before the first snapshot. */
  revision = 0n;
  /** Whether a snapshot has been applied: before it, "no items" means "not known yet". */
  loaded = false;
  readonly items = new Map<string, Item>();
  readonly statuses = new Map<string, Status>();
  /** The page's groups (when the stream was opened with include_groups). */
  readonly groups = new Map<string, Group>();
  /** Open incidents (with `include_incidents`): like the snapshot, a resolved one leaves. */
  readonly incidents = new Map<string, Incident>();
  /** Upcoming and active maintenance windows (with `include_incidents`); an ended one leaves. */
  readonly maintenances = new Map<string, Maintenance>();
  /** Since when each item has had its status, as far as this client can tell (see `StatusSince`). */
  readonly statusSince = new Map<string, StatusSince>();
  /** The page settings (name, logo, accent…), when the stream was asked for them (include_settings). */
  settings: PageSettings | undefined;

  /** Applies one message of the stream, in order. */
  apply(message: WatchItemsResponse): AppliedChange {
    const event = message.event;
    if (message.revision > this.revision) this.revision = message.revision;
    switch (event.case) {
      case "snapshot": {
        // A snapshot replaces everything, reset or not.
        // What was seen of status changes survives it: a resync does not forget when Payments went down.
        const since = new Map(this.statusSince);
        this.items.clear();
        this.statuses.clear();
        this.statusSince.clear();
        this.groups.clear();
        for (const group of event.value.groups) this.groups.set(group.id, group);
        for (const item of event.value.items) this.#setItem(item, since.get(item.id));
        for (const status of event.value.statuses) this.statuses.set(status.id, status);
        if (event.value.settings) this.settings = event.value.settings;
        this.incidents.clear();
        this.maintenances.clear();
        for (const incident of event.value.incidents) if (isOpenIncident(incident)) this.incidents.set(incident.id, incident);
        for (const window of event.value.maintenances) if (isCurrentMaintenance(window)) this.maintenances.set(window.id, window);
        this.revision = message.revision;
        this.loaded = true;
        return { kind: "snapshot" };
      }
      case "itemChanged": {
        const before = this.items.get(event.value.id);
        this.#setItem(event.value, this.statusSince.get(event.value.id));
        return { kind: "item", before, after: event.value };
      }
      case "itemRemoved": {
        const before = this.items.get(event.value);
        // After a resume it may name an item this client never had: nothing to do then.
        if (!before) return { kind: "none" };
        this.items.delete(event.value);
        this.statusSince.delete(event.value);
        return { kind: "item", before, after: undefined };
      }
      case "statusChanged":
        this.statuses.set(event.value.id, event.value);
        return { kind: "status" };
      case "statusRemoved":
        this.statuses.delete(event.value);
        return { kind: "status" };
      case "groupChanged":
        this.groups.set(event.value.id, event.value);
        return { kind: "group" };
      case "groupRemoved":
        this.groups.delete(event.value);
        return { kind: "group" };
      case "settingsChanged":
        this.settings = event.value;
        return { kind: "settings" };
      case "incidentChanged": {
        const before = this.incidents.get(event.value.id);
        if (isOpenIncident(event.value)) this.incidents.set(event.value.id, event.value);
        else this.incidents.delete(event.value.id);
        return { kind: "incident", before, after: event.value };
      }
      case "incidentRemoved": {
        const before = this.incidents.get(event.value);
        if (!before) return { kind: "none" };
        this.incidents.delete(event.value);
        return { kind: "incident", before, after: undefined };
      }
      case "maintenanceChanged": {
        const before = this.maintenances.get(event.value.id);
        if (isCurrentMaintenance(event.value)) this.maintenances.set(event.value.id, event.value);
        else this.maintenances.delete(event.value.id);
        return { kind: "maintenance", before, after: event.value };
      }
      case "maintenanceRemoved": {
        const before = this.maintenances.get(event.value);
        if (!before) return { kind: "none" };
        this.maintenances.delete(event.value);
        return { kind: "maintenance", before, after: undefined };
      }
      default:
        return { kind: "none" };
    }
  }

  #setItem(item: Item, previous: StatusSince | undefined): void {
    this.items.set(item.id, item);
    const since = nextStatusSince(previous, item);
    if (since) this.statusSince.set(item.id, since);
    else this.statusSince.delete(item.id);
  }
}
