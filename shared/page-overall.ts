import type { StatusKind } from "./gen/statusthing/v1/types_pb.js";
import { kindMeta, MAINTENANCE_META, overallOfMetas, type KindMeta, type Overall } from "./status-kinds.js";

// The page's overall state, apart from problemSummary's sentence (problem-summary.ts), which the
// wall does not show.

/** What the summary needs of an item. */
export interface NamedKind {
  readonly name: string;
  readonly kind: StatusKind | undefined;
  /** In a maintenance window that is under way (and still showing its status): planned, not a problem. */
  readonly maintenance?: boolean;
}

/** How an item reads on a page: as maintenance while its window is under way, else by its kind. */
export function pageMeta(item: NamedKind): KindMeta {
  return item.maintenance ? MAINTENANCE_META : kindMeta(item.kind);
}

/** The page's overall state, counting items in maintenance as maintenance ("Maintenance in progress"), not as problems. */
export function pageOverall(items: Iterable<NamedKind>): Overall {
  return overallOfMetas(Array.from(items, pageMeta));
}
