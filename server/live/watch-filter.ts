import type { ItemView } from "../domain.js";

/** Which items a watcher wants: ListItems' filters. Empty sets mean "no filter". */
export interface WatchFilter {
  statusIds: ReadonlySet<string>;
  kinds: ReadonlySet<number>;
  extended: boolean;
  /** Incidents and maintenance windows too (WatchItemsRequest.include_incidents): off for older clients. */
  incidents: boolean;
}

export function createWatchFilter(statusIds: readonly string[], kinds: readonly number[], extended: boolean, incidents = false): WatchFilter {
  return { statusIds: new Set(statusIds), kinds: new Set(kinds), extended, incidents };
}

/** A stable key: watchers with equal filters share one group, so each event is filtered and encoded once. */
export function filterKey(filter: WatchFilter): string {
  return JSON.stringify([[...filter.statusIds].sort(), [...filter.kinds].sort((a, b) => a - b), filter.extended, filter.incidents]);
}

/** Whether an item passes the filter, exactly as ListItems decides. */
export function matchesFilter(filter: WatchFilter, item: ItemView): boolean {
  if (filter.statusIds.size > 0 && (!item.status || !filter.statusIds.has(item.status.id))) return false;
  if (filter.kinds.size > 0 && (!item.status || !filter.kinds.has(item.status.kind))) return false;
  return true;
}
