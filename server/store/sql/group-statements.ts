/**
 * The SQL of groups and the page order (see group-store.ts), the same for both stores, with `?`
 * placeholders as in statements.ts. `IS NOT DISTINCT FROM` compares group ids with "no group" as a value.
 */
import { nameKey, type GroupRecord } from "../../domain.js";
import type { GroupPatch, NewGroup } from "../group-store.js";
import { toDate, type SqlBool, type SqlTime } from "./rows.js";
import type { ValueEncoding } from "./values.js";

export const GROUP_COLUMNS = "id, name, description, position, collapsed, created_at, updated_at";

export interface GroupRow {
  id: string;
  name: string;
  description: string;
  position: number;
  collapsed: SqlBool;
  created_at: SqlTime;
  updated_at: SqlTime;
}

/** An item's place: its group (null for none) and position. */
export interface PlaceRow {
  id: string;
  group_id: string | null;
  position: number;
}

export const GROUP_SQL = {
  listGroups: `SELECT ${GROUP_COLUMNS} FROM item_groups ORDER BY position, seq`,
  getGroup: `SELECT ${GROUP_COLUMNS} FROM item_groups WHERE id = ?`,
  /** Values: groupValues. The new group goes last (writes are serialized, so the count is exact). */
  insertGroup: `INSERT INTO item_groups (id, name, name_key, description, collapsed, created_at, updated_at, position)
    VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(position) + 1, 0) FROM item_groups))`,
  /** Values: groupPatchValues. */
  updateGroup: `UPDATE item_groups SET name = coalesce(?, name), name_key = coalesce(?, name_key), description = coalesce(?, description),
    collapsed = coalesce(?, collapsed), updated_at = ? WHERE id = ?`,
  deleteGroup: "DELETE FROM item_groups WHERE id = ?",
  /** Values: position, id. */
  setGroupPosition: "UPDATE item_groups SET position = ? WHERE id = ?",
  itemPlace: "SELECT id, group_id, position FROM items WHERE id = ?",
  /** The items of one group (null: no group) in their order. */
  itemsIn: "SELECT id, group_id, position FROM items WHERE group_id IS NOT DISTINCT FROM ? ORDER BY position, seq",
  /** Values: group id (null: none), position, item id. */
  placeItem: "UPDATE items SET group_id = ?, position = ? WHERE id = ?",
} as const;

export function toGroup(row: GroupRow): GroupRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    position: row.position,
    collapsed: Boolean(row.collapsed),
    created: toDate(row.created_at),
    updated: toDate(row.updated_at),
  };
}

export function groupValues(group: NewGroup, to: ValueEncoding): unknown[] {
  const at = to.time(group.created);
  return [group.id, group.name, nameKey(group.name), group.description, to.bool(group.collapsed), at, at];
}

export function groupPatchValues(id: string, patch: GroupPatch, to: ValueEncoding): unknown[] {
  const name = patch.name ?? null;
  return [name, name === null ? null : nameKey(name), patch.description ?? null, patch.collapsed === undefined ? null : to.bool(patch.collapsed), to.time(patch.updated), id];
}
