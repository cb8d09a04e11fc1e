import type { Group, Item } from "../../../../shared/gen/statusthing/v1/types_pb.js";

/** Pages with more items than this get a filter box. */
export const FILTER_FROM = 20;

/**
 * The items a visitor's filter text keeps: every word of it must appear (ignoring case and
 * accents) in the item's name, its status, or its group's name. Empty text keeps everything.
 */
export function filterItems(items: readonly Item[], groups: readonly Group[], text: string): Item[] {
  const words = fold(text).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...items];
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  return items.filter((item) => {
    const haystack = fold(`${item.name} ${item.status?.name ?? ""} ${groupName.get(item.groupId) ?? ""}`);
    return words.every((word) => haystack.includes(word));
  });
}

function fold(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}
