/**
 * Status history as both stores keep it: when an item's change is a transition, and how a row of
 * the `status_transitions` table maps to a StatusTransition. The SQL around it is each store's.
 */
import type { ItemView, StatusTransition } from "../../domain.js";

/** What the newest transition of an item says, as far as deciding the next one needs. */
export interface LastTransition {
  status_id: string | null;
  status_kind: number | null;
  deleted: boolean | number;
}

/**
 * Whether an item's state after a change is a new transition: its first, another status, or
 * its status's kind changed. A rename, a note or a status's new name or color is not.
 */
export function isTransition(last: LastTransition | undefined, item: ItemView): boolean {
  if (!last || last.deleted) return true;
  return (last.status_id ?? undefined) !== item.status?.id || (last.status_kind ?? undefined) !== item.status?.kind;
}

/** A row of `status_transitions`, in either store's column types. */
export interface TransitionRow {
  item_id: string;
  item_name: string;
  at: number | Date;
  revision: number | string;
  status_id: string | null;
  status_name: string | null;
  status_color: string | null;
  status_kind: number | null;
  deleted: boolean | number;
  reconstructed: boolean | number;
}

export function toTransition(row: TransitionRow): StatusTransition {
  return {
    itemId: row.item_id,
    itemName: row.item_name,
    at: row.at instanceof Date ? row.at : new Date(row.at),
    revision: Number(row.revision),
    status: row.status_id === null ? undefined : { id: row.status_id, name: row.status_name ?? "", color: row.status_color ?? "", kind: row.status_kind ?? 0 },
    deleted: Boolean(row.deleted),
    reconstructed: Boolean(row.reconstructed),
  };
}

/** An item's part of a transition row: item_id, item_name, status_id, status_name, status_color, status_kind. */
export function transitionValues(item: Pick<ItemView, "id" | "name" | "status">): [string, string, string | null, string | null, string | null, number | null] {
  const status = item.status;
  return [item.id, item.name, status?.id ?? null, status?.name ?? null, status?.color ?? null, status?.kind ?? null];
}
