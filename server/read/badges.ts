/**
 * SVG badges for READMEs and dashboards, drawn by shields.io's own library (`badge-maker`), so
 * they look like every other badge beside them. The library escapes the text it is given.
 */
import { kindMeta } from "../../shared/status-kinds.js";
import type { ItemView } from "../domain.js";
import { invalidArgument } from "../errors.js";
import { lazyModule } from "../lazy-module.js";

// Its font-width tables are ~4 MB of heap: loaded with the first badge, not at start-up.
const badgeMaker = lazyModule("badge-maker", () => import("badge-maker"));

async function makeBadge(format: Parameters<typeof import("badge-maker").makeBadge>[0]): Promise<string> {
  return (await badgeMaker()).makeBadge(format);
}

/** The styles a badge may be asked for with `?style=`. */
export const BADGE_STYLES = ["flat", "flat-square", "for-the-badge"] as const;
export type BadgeStyle = (typeof BADGE_STYLES)[number];

/** Longest `?label=`, in characters: a badge is a word or two. */
export const BADGE_LABEL_MAX = 100;

/** What a badge request may choose. */
export interface BadgeOptions {
  style: BadgeStyle;
  /** Replaces the default label; undefined keeps it. */
  label: string | undefined;
}

/** Reads `?style=` and `?label=`; anything else in the query is ignored, a bad value refused. */
export function parseBadgeOptions(query: URLSearchParams): BadgeOptions {
  const style = query.get("style") ?? "flat";
  if (!(BADGE_STYLES as readonly string[]).includes(style)) {
    throw invalidArgument("style", `must be one of ${BADGE_STYLES.join(", ")}`);
  }
  const label = query.get("label") ?? undefined;
  if (label !== undefined && [...label].length > BADGE_LABEL_MAX) {
    throw invalidArgument("label", `at most ${BADGE_LABEL_MAX} characters`);
  }
  return { style: style as BadgeStyle, label };
}

/** The page's overall state: "status | major outage" in the worst kind's color. */
export function pageBadge(banner: string, worstKind: number, options: BadgeOptions): Promise<string> {
  return makeBadge({ label: options.label ?? "status", message: banner.toLowerCase(), color: kindMeta(worstKind).color, style: options.style });
}

/** One item: its name, and its status's name in its kind's color. */
export function itemBadge(item: ItemView, options: BadgeOptions): Promise<string> {
  const meta = kindMeta(item.status?.kind);
  return makeBadge({ label: options.label ?? item.name, message: item.status?.name ?? meta.label, color: meta.color, style: options.style });
}

/** The badge for an item that does not exist: grey, served with 404. */
export function notFoundBadge(options: BadgeOptions): Promise<string> {
  return makeBadge({ label: options.label ?? "status", message: "not found", color: "#9F9F9F", style: options.style });
}
