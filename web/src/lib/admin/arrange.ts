import type { Group, Item } from "$shared/gen/statusthing/v1/types_pb.js";

/** Where a dragged item lands: its group ("" for none) and its position there. */
export interface ItemDrop {
  groupId: string;
  position: number;
}

/**
 * Where an item dropped on `target` lands: before it when dropped on its upper half, else after.
 * `siblings` are the target's group's items in order (the dragged one may be among them: moving
 * down within a group, its own place frees up).
 */
export function dropOnItem(dragged: string, target: Item, siblings: readonly Item[], upperHalf: boolean): ItemDrop {
  const others = siblings.filter((item) => item.id !== dragged);
  const index = others.findIndex((item) => item.id === target.id);
  return { groupId: target.groupId, position: Math.max(0, index) + (upperHalf ? 0 : 1) };
}

/** How a move is said to a screen reader: "Moved “Search” to position 2 of 5 in EU region." */
export function describeItemMove(item: Item, groups: readonly Group[], siblings: readonly Item[]): string {
  const group = groups.find((g) => g.id === item.groupId);
  const where = group ? `in ${group.name}` : "among the items in no group";
  return `Moved “${item.name}” to position ${item.position + 1} of ${siblings.length} ${where}.`;
}

/** The same for a group: "Moved group “EU region” to position 1 of 3." */
export function describeGroupMove(group: Group, count: number): string {
  return `Moved group “${group.name}” to position ${group.position + 1} of ${count}.`;
}

/** A position past any group's end: the server puts the item last. */
export const LAST = 1_000_000;
