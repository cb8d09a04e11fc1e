import type { ChangeRecord } from "../domain.js";
import { INCIDENT_RESOLVED, PHASE_ACTIVE, PHASE_SCHEDULED, type IncidentRecord, type MaintenanceRecord } from "../incident-records.js";

/**
 * What a live view shows of incidents and maintenance: the open incidents and the upcoming or
 * active windows, kept current from the change log (each change carries the whole record, so
 * applying one again, or one older than what was loaded, only brings it up to date).
 */
export class LiveIncidents {
  private readonly open = new Map<string, IncidentRecord>();
  private readonly windows = new Map<string, MaintenanceRecord>();

  load(state: { incidents: readonly IncidentRecord[]; maintenances: readonly MaintenanceRecord[] }): void {
    for (const incident of state.incidents) this.putIncident(incident);
    for (const window of state.maintenances) this.putWindow(window);
  }

  apply(change: ChangeRecord): void {
    switch (change.kind) {
      case "incident_upsert":
        return this.putIncident(change.incident);
      case "incident_delete":
        this.open.delete(change.id);
        return;
      case "maintenance_upsert":
        return this.putWindow(change.maintenance);
      case "maintenance_delete":
        this.windows.delete(change.id);
        return;
      default:
        return;
    }
  }

  /** Open incidents, newest first. */
  incidents(): IncidentRecord[] {
    return [...this.open.values()].sort((a, b) => b.created.getTime() - a.created.getTime() || (a.id < b.id ? 1 : -1));
  }

  /** Upcoming and active windows, soonest start first. */
  maintenances(): MaintenanceRecord[] {
    return [...this.windows.values()].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || (a.id < b.id ? -1 : 1));
  }

  private putIncident(incident: IncidentRecord): void {
    if (incident.state === INCIDENT_RESOLVED) this.open.delete(incident.id);
    else this.open.set(incident.id, incident);
  }

  private putWindow(window: MaintenanceRecord): void {
    if (window.phase === PHASE_SCHEDULED || window.phase === PHASE_ACTIVE) this.windows.set(window.id, window);
    else this.windows.delete(window.id);
  }
}
