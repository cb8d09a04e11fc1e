import type { Item } from "../../../../shared/gen/statusthing/v1/types_pb.js";
import { compareSeverity, kindMeta, MAINTENANCE_META } from "../../../../shared/status-kinds.js";

/**
 * Items worst first (by their status's kind); equally bad items keep their creation order. Items
 * in `maintenance` (a window under way) rank as maintenance: after the problems, before the rest.
 */
export function problemsFirst(items: readonly Item[], maintenance?: ReadonlySet<string>): Item[] {
  if (!maintenance?.size) return [...items].sort((a, b) => compareSeverity(a.status?.kind, b.status?.kind));
  const severity = (item: Item) => (maintenance.has(item.id) ? MAINTENANCE_META.severity : kindMeta(item.status?.kind).severity);
  return [...items].sort((a, b) => severity(b) - severity(a));
}
