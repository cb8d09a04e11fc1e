import { MaintenancePhase, type Maintenance } from "../../../../shared/gen/statusthing/v1/incidents_pb.js";
import type { Item } from "../../../../shared/gen/statusthing/v1/types_pb.js";

/**
 * The ids of the items a page should read as "under maintenance": affected by a window under way
 * and still showing that window's status. An item someone set by hand meanwhile (say, to Down)
 * is no longer planned work, and reads as what it says.
 */
export function itemsInMaintenance(windows: readonly Maintenance[], items: readonly Item[]): ReadonlySet<string> {
  const statusOf = new Map(items.map((item) => [item.id, item.status?.id]));
  const ids = new Set<string>();
  for (const window of windows) {
    if (window.phase !== MaintenancePhase.ACTIVE) continue;
    for (const affected of window.items) {
      if (statusOf.get(affected.itemId) === window.statusId) ids.add(affected.itemId);
    }
  }
  return ids;
}
