import type { GroupRecord, ItemView } from "../domain.js";
import type { AuditActor } from "./audit-context.js";

/** A new group, validated by the service, with its id and time; the store places it last. */
export interface NewGroup {
  id: string;
  name: string;
  description: string;
  collapsed: boolean;
  created: Date;
}

/** Changes to a group; undefined fields stay as they are. */
export interface GroupPatch {
  name?: string;
  description?: string;
  collapsed?: boolean;
  updated: Date;
}

/**
 * Groups and the page order: `Store.groups`, in the store's own database and sharing its writes.
 *
 * Page order: items in no group first, then the groups by position; within each, items by
 * position. A move renumbers every group it touches 0, 1, 2, … in one write, and writes are
 * serialized, so concurrent moves always leave a total order with no position taken twice or
 * skipped. Every item or group whose group or position changed is logged (item_upsert,
 * group_upsert), so live pages re-order. Moving changes no item's or group's `updated` time:
 * arranging the page is not news about the item.
 */
export interface GroupStore {
  /** Every group in position order. */
  listGroups(): Promise<GroupRecord[]>;
  getGroup(id: string): Promise<GroupRecord | undefined>;
  /** Adds the group after the others. Throws already_exists when the name is taken. */
  addGroup(group: NewGroup, audit?: AuditActor): Promise<GroupRecord>;
  /** Throws not_found, or already_exists when renaming onto a taken name. */
  updateGroup(id: string, patch: GroupPatch, audit?: AuditActor): Promise<GroupRecord>;
  /** Deletes the group; its items become ungrouped, after those already in no group, in their order. Throws not_found. */
  deleteGroup(id: string, audit?: AuditActor): Promise<void>;
  /** Puts the item into `groupId` (undefined: no group) at `position` (past the end: last). Throws not_found (item or group). */
  moveItem(itemId: string, groupId: string | undefined, position: number, audit?: AuditActor): Promise<ItemView>;
  /** Puts the group at `position` among the groups (past the end: last). Throws not_found. */
  moveGroup(id: string, position: number, audit?: AuditActor): Promise<GroupRecord>;
}

/** `ids` with `id` taken out and put back at `position` (clamped to the list): the order after a move. */
export function placeAt(ids: readonly string[], id: string, position: number): string[] {
  const rest = ids.filter((other) => other !== id);
  rest.splice(Math.min(Math.max(0, position), rest.length), 0, id);
  return rest;
}
