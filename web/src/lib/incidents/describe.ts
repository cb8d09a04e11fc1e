import { IncidentState, MaintenancePhase, type Incident, type Maintenance } from "../../../../shared/gen/statusthing/v1/incidents_pb.js";
import { stateLabel } from "./labels.js";

/**
 * What a screen reader user should hear when an incident changes on a live page:
 * "New incident: Payments failing", "Payments failing: Identified", "Incident resolved: Payments failing".
 */
export function describeIncidentChange(before: Incident | undefined, after: Incident | undefined): string | undefined {
  if (!after) return before ? `Incident removed: ${before.title}` : undefined;
  if (after.state === IncidentState.RESOLVED) return `Incident resolved: ${after.title}`;
  if (!before) return `New incident: ${after.title}`;
  if (after.updates.length > before.updates.length) return `${after.title}: ${stateLabel(after.state)}. ${after.updates.at(-1)?.message ?? ""}`.trim();
  return undefined;
}

/** The same for a maintenance window: "Maintenance started: Database upgrade", "Maintenance scheduled: …". */
export function describeMaintenanceChange(before: Maintenance | undefined, after: Maintenance | undefined): string | undefined {
  if (!after) return undefined;
  if (before?.phase === after.phase) return undefined;
  switch (after.phase) {
    case MaintenancePhase.SCHEDULED:
      return `Maintenance scheduled: ${after.title}`;
    case MaintenancePhase.ACTIVE:
      return `Maintenance started: ${after.title}`;
    case MaintenancePhase.COMPLETED:
      return `Maintenance over: ${after.title}`;
    case MaintenancePhase.CANCELLED:
      return `Maintenance cancelled: ${after.title}`;
    default:
      return undefined;
  }
}
