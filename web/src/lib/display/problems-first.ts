import type { Item } from "../../../../shared/gen/statusthing/v1/types_pb.js";
import { compareSeverity } from "../../../../shared/status-kinds.js";

/** Items worst first (by their status's kind); equally bad items keep their creation order. */
export function problemsFirst(items: readonly Item[]): Item[] {
  return [...items].sort((a, b) => compareSeverity(a.status?.kind, b.status?.kind));
}
