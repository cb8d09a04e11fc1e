/**
 * Domain records: what the store keeps and the services hand around. They are plain data,
 * independent of protobuf, so a store of one's own needs nothing from the wire layer.
 */

/** A user-defined status such as "Up" or "Degraded". `kind` is a StatusKind number, never 0. */
export interface StatusRecord {
  id: string;
  name: string;
  description: string;
  /** Uppercase `#RRGGBB`. */
  color: string;
  kind: number;
  created: Date;
  updated: Date;
}

/** A note (status update) attached to an item. */
export interface NoteRecord {
  id: string;
  itemId: string;
  text: string;
  created: Date;
  updated: Date;
}

/** An item with its status joined in, and its notes when they were asked for. */
export interface ItemView {
  id: string;
  name: string;
  description: string;
  status: StatusRecord | undefined;
  /** Undefined when notes were not loaded; otherwise in creation order. */
  notes: NoteRecord[] | undefined;
  created: Date;
  updated: Date;
}

/** Which items ListItems returns; empty arrays mean "no filter". */
export interface ItemFilter {
  statusIds: readonly string[];
  kinds: readonly number[];
  withNotes: boolean;
}

/**
 * The key under which names are unique: trimmed and case-folded, so "API" and " api " collide.
 */
export function nameKey(name: string): string {
  return name.trim().normalize("NFC").toLowerCase();
}
