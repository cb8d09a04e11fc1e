import { IncidentImpact, IncidentState, MaintenancePhase } from "../../../../shared/gen/statusthing/v1/incidents_pb.js";
import type { KindIcon, Tone } from "../../../../shared/status-kinds.js";

/** How an impact reads on a page: words, and the tone and icon its badge takes (never color alone). */
export interface ImpactMeta {
  readonly label: string;
  readonly tone: Tone;
  readonly icon: KindIcon;
}

const IMPACTS: Record<IncidentImpact, ImpactMeta> = {
  [IncidentImpact.UNSPECIFIED]: { label: "Impact not set", tone: "neutral", icon: "question" },
  [IncidentImpact.NONE]: { label: "No impact", tone: "info", icon: "eye" },
  [IncidentImpact.MINOR]: { label: "Minor impact", tone: "warning", icon: "alert" },
  [IncidentImpact.MAJOR]: { label: "Major impact", tone: "down", icon: "cross" },
  [IncidentImpact.CRITICAL]: { label: "Critical impact", tone: "down", icon: "cross" },
};

/** The impact's words, tone and icon; an unknown number reads as "not set". */
export function impactMeta(impact: IncidentImpact): ImpactMeta {
  return IMPACTS[impact] ?? IMPACTS[IncidentImpact.UNSPECIFIED];
}

/** The impacts an admin picks from, least first. */
export const IMPACT_CHOICES: readonly IncidentImpact[] = [IncidentImpact.NONE, IncidentImpact.MINOR, IncidentImpact.MAJOR, IncidentImpact.CRITICAL];

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
