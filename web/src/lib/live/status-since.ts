import type { Item } from "../../../../shared/gen/statusthing/v1/types_pb.js";
import { toMs } from "../format/time.js";

/**
 * Since when an item has had its current status. The server sends no such time (an item's
 * `updated` moves on a rename too, and there is no status history RPC yet), so it is derived:
 * exact when this client saw the change happen or the item never changed since it was created,
 * otherwise only a bound ("since `at` or earlier": the status held at the item's last update).
 */
export interface StatusSince {
  readonly statusId: string;
  /** Epoch ms, server time. */
  readonly at: number;
  /** False when the change happened before this client looked: the status is as old as `at` or older. */
  readonly exact: boolean;
}

/** What a client that has never seen this item before can tell from the item alone. */
function fromItem(item: Item): StatusSince | undefined {
  const created = toMs(item.timestamps?.created);
  const updated = toMs(item.timestamps?.updated);
  if (created === undefined) return undefined;
  // Never updated: the status is the one it was created with.
  if (updated === undefined || updated <= created) return { statusId: item.status?.id ?? "", at: created, exact: true };
  return { statusId: item.status?.id ?? "", at: updated, exact: false };
}

/**
 * The next `StatusSince` of an item, given what was known before and the item as it is now:
 * a different status than before is a change at the item's `updated` time; the same status keeps
 * what was known; an item seen for the first time is judged from its own timestamps.
 */
export function nextStatusSince(previous: StatusSince | undefined, item: Item): StatusSince | undefined {
  const statusId = item.status?.id ?? "";
  if (previous && previous.statusId === statusId) return previous;
  if (previous) {
    const updated = toMs(item.timestamps?.updated);
    if (updated !== undefined) return { statusId, at: updated, exact: true };
  }
  return fromItem(item);
}
