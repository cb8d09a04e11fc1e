import { IncidentImpact } from "../../../../shared/gen/statusthing/v1/incidents_pb.js";
import type { KindIcon, Tone } from "../../../../shared/status-kinds.js";

// Impact apart from the other labels (labels.ts): the live pages' change announcements need state
// labels only, and the impact badge comes with the incident cards and the wall's incident strip.

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
