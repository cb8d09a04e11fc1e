import { IncidentState, MaintenancePhase } from "../../../../shared/gen/statusthing/v1/incidents_pb.js";

const STATES: Record<IncidentState, string> = {
  [IncidentState.UNSPECIFIED]: "Investigating",
  [IncidentState.INVESTIGATING]: "Investigating",
  [IncidentState.IDENTIFIED]: "Identified",
  [IncidentState.MONITORING]: "Monitoring",
  [IncidentState.RESOLVED]: "Resolved",
};

/** "Investigating", "Identified", "Monitoring", "Resolved". */
export function stateLabel(state: IncidentState): string {
  return STATES[state] ?? "Investigating";
}

/** The states an admin sets while an incident is open (resolving has its own form). */
export const OPEN_STATE_CHOICES: readonly IncidentState[] = [IncidentState.INVESTIGATING, IncidentState.IDENTIFIED, IncidentState.MONITORING];

const PHASES: Record<MaintenancePhase, string> = {
  [MaintenancePhase.UNSPECIFIED]: "Scheduled",
  [MaintenancePhase.SCHEDULED]: "Scheduled",
  [MaintenancePhase.ACTIVE]: "In progress",
  [MaintenancePhase.COMPLETED]: "Completed",
  [MaintenancePhase.CANCELLED]: "Cancelled",
};

/** "Scheduled", "In progress", "Completed", "Cancelled". */
export function phaseLabel(phase: MaintenancePhase): string {
  return PHASES[phase] ?? "Scheduled";
}
