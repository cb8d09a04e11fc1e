import type { Group, Item } from "../../../../shared/gen/statusthing/v1/types_pb.js";

/** One part of the page: the items in no group (`group` undefined), or one group's items, in order. */
export interface PageSection {
  group: Group | undefined;
  items: Item[];
}

/**
 * The page order the server defines (README, "Groups and order"): items in no group first, then
 * the groups by position; within each, items by position. Items naming a group this client does
 * not know (yet) count as ungrouped. Sorting is stable, so equal places keep the order given.
 */
export function pageOrder(items: readonly Item[], groups: readonly Group[]): Item[] {
  const position = new Map(groups.map((g) => [g.id, g.position]));
  const place = (item: Item) => (item.groupId && position.has(item.groupId) ? position.get(item.groupId)! : -1);
  return [...items].sort((a, b) => place(a) - place(b) || a.position - b.position);
}

/** The page in sections: the ungrouped items (if any), then every group in order, with its items (even none). */
export function pageSections(items: readonly Item[], groups: readonly Group[]): PageSection[] {
  const ordered = [...groups].sort((a, b) => a.position - b.position);
  const known = new Set(ordered.map((g) => g.id));
  const byGroup = new Map<string, Item[]>(ordered.map((g) => [g.id, []]));
  const ungrouped: Item[] = [];
  for (const item of pageOrder(items, ordered)) {
    if (item.groupId && known.has(item.groupId)) byGroup.get(item.groupId)!.push(item);
    else ungrouped.push(item);
  }
  const sections: PageSection[] = ungrouped.length ? [{ group: undefined, items: ungrouped }] : [];
  for (const group of ordered) sections.push({ group, items: byGroup.get(group.id)! });
  return sections;
}
