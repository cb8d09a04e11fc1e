/**
 * Incidents and maintenance windows as the store keeps them: plain data, like domain.ts, so a store
 * of one's own needs nothing from the wire layer. Each is one aggregate, read and written whole.
 */

/** Impact on visitors, as IncidentImpact numbers (1 none … 4 critical). */
export type IncidentImpact = 1 | 2 | 3 | 4;
/** An incident's state, as IncidentState numbers (1 investigating … 4 resolved). */
export type IncidentState = 1 | 2 | 3 | 4;
export const INCIDENT_RESOLVED: IncidentState = 4;

/** A maintenance window's phase: MaintenancePhase numbers (1 scheduled, 2 active, 3 completed, 4 cancelled). */
export type MaintenancePhase = 1 | 2 | 3 | 4;
export const PHASE_SCHEDULED: MaintenancePhase = 1;
export const PHASE_ACTIVE: MaintenancePhase = 2;
export const PHASE_COMPLETED: MaintenancePhase = 3;
export const PHASE_CANCELLED: MaintenancePhase = 4;

/** An item an incident or window affects, and what it did to the item's status. */
export interface AffectedItemRecord {
  itemId: string;
  /** The item's name when it was added (or last seen). */
  itemName: string;
  /** The status the incident or window last set on it; undefined when it set none. */
  statusId: string | undefined;
  /** Whether it ever changed the item's status (then `previousStatusId` is what to go back to). */
  changed: boolean;
  /** The item's status before the first change; undefined when it had none. */
  previousStatusId: string | undefined;
  /** Set at the end when someone had changed the item by hand meanwhile, so it was not restored. */
  leftAlone: boolean;
}

/** One status change an update made. */
export interface StatusChangeRecord {
  itemId: string;
  statusId: string;
}

/** One entry of an incident's timeline. */
export interface IncidentUpdateRecord {
  id: string;
  state: IncidentState;
  message: string;
  statusChanges: StatusChangeRecord[];
  created: Date;
  /** Who posted it (a username), "" for the server itself. */
  author: string;
}

/** An incident with its whole timeline. */
export interface IncidentRecord {
  id: string;
  title: string;
  impact: IncidentImpact;
  state: IncidentState;
  items: AffectedItemRecord[];
  /** Oldest first. */
  updates: IncidentUpdateRecord[];
  resolvedAt: Date | undefined;
  created: Date;
  updated: Date;
}

/** A planned window during which the affected items show `statusId`. */
export interface MaintenanceRecord {
  id: string;
  title: string;
  message: string;
  startsAt: Date;
  endsAt: Date;
  statusId: string;
  items: AffectedItemRecord[];
  phase: MaintenancePhase;
  startedAt: Date | undefined;
  endedAt: Date | undefined;
  created: Date;
  updated: Date;
}

/** An affected item not restored at the end, because someone changed it meanwhile: as it is now. */
export interface LeftAlone {
  itemId: string;
  itemName: string;
  statusId: string | undefined;
}
