/**
 * What each status kind means on a page: how bad it is, its words and its icon. Statuses are
 * user-defined (name, color), but their kind is fixed, so severity, ordering and the overall
 * banner come from here and never from a user's choice of name or color.
 */
import { StatusKind } from "./gen/statusthing/v1/types_pb.js";

/** The family a kind belongs to; pages pick fixed, contrast-checked colors by tone. */
export type Tone = "down" | "warning" | "maintenance" | "info" | "up" | "neutral";

/**
 * How time in a kind counts towards uptime: "up" and "degraded" count as available, "down" as not,
 * "uncounted" (not in service yet, decommissioned, planned maintenance, no status) not at all.
 */
export type UptimeClass = "up" | "degraded" | "down" | "uncounted";

/** The uptime classes in the order pages list them. */
export const UPTIME_CLASSES: readonly UptimeClass[] = ["up", "degraded", "down", "uncounted"];

/** Icon names; the web app draws each as an SVG. */
export type KindIcon = "check" | "cross" | "power" | "ban" | "alert" | "search" | "eye" | "plus" | "archive" | "wrench" | "question";

/** The page-facing facts about one kind. */
export interface KindMeta {
  readonly kind: StatusKind;
  /** Higher is worse; pages sort problems first by it. */
  readonly severity: number;
  /** A short human label, e.g. "Down". */
  readonly label: string;
  readonly tone: Tone;
  readonly icon: KindIcon;
  /** Whether an item in this kind needs attention: sorted first, counted as a problem, announced. */
  readonly problem: boolean;
  /** The overall banner's wording when this is the worst kind on the page. */
  readonly banner: string;
  /** What follows "is" or "are" in a sentence naming items in this kind: "Search is *degraded*". */
  readonly state: string;
  /** A color for the kind where a status's own color cannot be used. */
  readonly color: string;
  /** How time spent in this kind counts towards uptime (the README's class table). */
  readonly uptime: UptimeClass;
}

const OPERATIONAL = "All systems operational";

const KINDS: readonly KindMeta[] = [
  { kind: StatusKind.DOWN, severity: 100, label: "Down", tone: "down", icon: "cross", problem: true, banner: "Major outage", state: "down", color: "#D92D20", uptime: "down" },
  {
    kind: StatusKind.OFFLINE,
    severity: 95,
    label: "Offline",
    tone: "down",
    icon: "power",
    problem: true,
    banner: "Major outage",
    state: "offline",
    color: "#B42318",
    uptime: "down",
  },
  {
    kind: StatusKind.UNAVAILABLE,
    severity: 90,
    label: "Unavailable",
    tone: "maintenance",
    icon: "ban",
    problem: true,
    banner: "Some systems unavailable",
    state: "unavailable",
    color: "#7A5AF8",
    uptime: "uncounted",
  },
  {
    kind: StatusKind.WARNING,
    severity: 80,
    label: "Warning",
    tone: "warning",
    icon: "alert",
    problem: true,
    banner: "Partial outage",
    state: "degraded",
    color: "#F79009",
    uptime: "degraded",
  },
  {
    kind: StatusKind.INVESTIGATING,
    severity: 70,
    label: "Investigating",
    tone: "warning",
    icon: "search",
    problem: true,
    banner: "Investigating an issue",
    state: "under investigation",
    color: "#FDB022",
    uptime: "degraded",
  },
  {
    kind: StatusKind.OBSERVING,
    severity: 60,
    label: "Observing",
    tone: "info",
    icon: "eye",
    problem: true,
    banner: "Monitoring a fix",
    state: "being monitored",
    color: "#2E90FA",
    uptime: "degraded",
  },
  { kind: StatusKind.UP, severity: 20, label: "Up", tone: "up", icon: "check", problem: false, banner: OPERATIONAL, state: "up", color: "#17B26A", uptime: "up" },
  {
    kind: StatusKind.AVAILABLE,
    severity: 20,
    label: "Available",
    tone: "up",
    icon: "check",
    problem: false,
    banner: OPERATIONAL,
    state: "available",
    color: "#17B26A",
    uptime: "up",
  },
  { kind: StatusKind.ONLINE, severity: 20, label: "Online", tone: "up", icon: "check", problem: false, banner: OPERATIONAL, state: "online", color: "#17B26A", uptime: "up" },
  {
    kind: StatusKind.UNKNOWN,
    severity: 15,
    label: "No status",
    tone: "neutral",
    icon: "question",
    problem: false,
    banner: "No status reported",
    state: "without a status",
    color: "#98A2B3",
    uptime: "uncounted",
  },
  {
    kind: StatusKind.CREATED,
    severity: 12,
    label: "Not in service yet",
    tone: "neutral",
    icon: "plus",
    problem: false,
    banner: "Not in service yet",
    state: "not in service yet",
    color: "#98A2B3",
    uptime: "uncounted",
  },
  {
    kind: StatusKind.DECOMM,
    severity: 10,
    label: "Decommissioned",
    tone: "neutral",
    icon: "archive",
    problem: false,
    banner: "Decommissioned",
    state: "decommissioned",
    color: "#667085",
    uptime: "uncounted",
  },
];

const BY_KIND = new Map<StatusKind, KindMeta>(KINDS.map((meta) => [meta.kind, meta]));

/** Every kind's metadata, worst first. */
export const ALL_KINDS: readonly KindMeta[] = KINDS;

/** The metadata of a kind; an unknown or future number reads as "No status". */
export function kindMeta(kind: StatusKind | undefined): KindMeta {
  return BY_KIND.get(kind ?? StatusKind.UNKNOWN) ?? BY_KIND.get(StatusKind.UNKNOWN)!;
}

/** How time in a kind counts towards uptime; an unknown number is not counted. */
export function uptimeClass(kind: StatusKind | undefined): UptimeClass {
  return kindMeta(kind).uptime;
}

/** Orders worst first; equal severities keep their given order (sort is stable). */
export function compareSeverity(a: StatusKind | undefined, b: StatusKind | undefined): number {
  return kindMeta(b).severity - kindMeta(a).severity;
}

/** The overall state of a page: the worst kind present and its wording. */
export interface Overall {
  /** The worst kind among the items, UNKNOWN when there are none. */
  readonly worst: KindMeta;
  /** e.g. "All systems operational", "Partial outage", "Major outage". */
  readonly banner: string;
  /** How many items are in a problem kind. */
  readonly problems: number;
  readonly total: number;
}

/**
 * How an item in planned maintenance reads on a page, whatever status the maintenance gave it:
 * not a problem (it is planned and announced), but worse than "operational", so a page with only
 * maintenance says "Maintenance in progress" rather than "All systems operational".
 */
export const MAINTENANCE_META: KindMeta = {
  kind: StatusKind.UNAVAILABLE,
  severity: 50,
  label: "Maintenance",
  tone: "maintenance",
  icon: "wrench",
  problem: false,
  banner: "Maintenance in progress",
  state: "under maintenance",
  color: "#7A5AF8",
  uptime: "uncounted",
};

/** The banner for a page showing items of these kinds: the worst kind's wording. */
export function overallStatus(kinds: Iterable<StatusKind | undefined>): Overall {
  const metas: KindMeta[] = [];
  for (const kind of kinds) metas.push(kindMeta(kind));
  return overallOfMetas(metas);
}

/** The banner for items already read as metadata (e.g. {@link MAINTENANCE_META} for an item in maintenance). */
export function overallOfMetas(metas: Iterable<KindMeta>): Overall {
  let worst: KindMeta | undefined;
  let problems = 0;
  let total = 0;
  for (const meta of metas) {
    total++;
    if (meta.problem) problems++;
    if (!worst || meta.severity > worst.severity) worst = meta;
  }
  if (!worst) return { worst: kindMeta(StatusKind.UNKNOWN), banner: "No systems listed yet", problems: 0, total: 0 };
  return { worst, banner: worst.banner, problems, total };
}

/** Whether a number is a StatusKind this code knows (UNKNOWN, 0, included; a future kind is not). */
export function isKnownKind(value: number): value is StatusKind {
  return BY_KIND.has(value);
}

/**
 * The one parser of kinds as text, on the server (`/ws` query) and in the web app (display URL):
 * "down", "DOWN", "status_kind_down", "2". Undefined for an unknown word or number and for
 * UNKNOWN, which is no kind to ask for.
 */
export function parseKind(text: string): StatusKind | undefined {
  const word = text
    .trim()
    .toUpperCase()
    .replace(/^STATUS_KIND_/, "");
  if (word === "") return undefined;
  if (/^\d+$/.test(word)) {
    const number = Number(word);
    return BY_KIND.has(number) && number !== StatusKind.UNKNOWN ? (number as StatusKind) : undefined;
  }
  const kind = (StatusKind as unknown as Record<string, number | undefined>)[word];
  return kind === undefined || kind === StatusKind.UNKNOWN ? undefined : (kind as StatusKind);
}

/** Parses a list of kinds ("down,warning" or repeated values); unknown words are skipped. */
export function parseKinds(values: Iterable<string>): StatusKind[] {
  const kinds = new Set<StatusKind>();
  for (const value of values) {
    for (const part of value.split(",")) {
      const kind = parseKind(part);
      if (kind !== undefined) kinds.add(kind);
    }
  }
  return [...kinds];
}
