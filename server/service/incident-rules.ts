/**
 * The rules incidents and maintenance windows share for changing items, as pure functions over
 * what the store read inside the write's transaction (so the decision and the change are one).
 */
import { charCount, NOTE_TEXT_MAX } from "../../shared/limits.js";
import type { NoteRecord } from "../domain.js";
import { invalidArgument, notFound } from "../errors.js";
import { newId } from "../ids.js";
import type { AffectedItemRecord, LeftAlone } from "../incident-records.js";
import type { ItemChange, ItemNow } from "../store/incident-store.js";

/** The most items one incident or window may affect. */
export const MAX_AFFECTED_ITEMS = 500;

/** A requested status for an item; "" leaves its status as it is. */
export interface RequestedStatus {
  itemId: string;
  statusId: string;
}

/** Trimmed, required, not repeated, not too many. */
export function checkRequestedItems(field: string, requested: readonly RequestedStatus[]): RequestedStatus[] {
  if (requested.length > MAX_AFFECTED_ITEMS) throw invalidArgument(field, `must name at most ${MAX_AFFECTED_ITEMS} items`);
  const seen = new Set<string>();
  return requested.map((r, i) => {
    const itemId = r.itemId.trim();
    if (itemId === "") throw invalidArgument(`${field}[${i}].item_id`, "is required");
    if (seen.has(itemId)) throw invalidArgument(`${field}[${i}].item_id`, `names item ${JSON.stringify(itemId)} twice`);
    seen.add(itemId);
    return { itemId, statusId: r.statusId.trim() };
  });
}

/** What to read for a set of requested changes. */
export function readsOf(requested: readonly RequestedStatus[], affected: readonly AffectedItemRecord[] = []) {
  return {
    itemIds: [...requested.map((r) => r.itemId), ...affected.map((a) => a.itemId)],
    statusIds: [...requested.map((r) => r.statusId).filter((s) => s !== ""), ...affected.flatMap((a) => (a.previousStatusId ? [a.previousStatusId] : []))],
  };
}

/** The facts a decision reads. */
export interface Facts {
  items: ReadonlyMap<string, ItemNow>;
  statuses: ReadonlySet<string>;
}

/**
 * Applies requested statuses to the affected items (adding items not yet affected): remembers
 * each item's status before its first change, so the end can put it back. Unknown items or
 * statuses are not_found. Returns the new list and the items to change.
 */
export function setStatuses(
  affected: readonly AffectedItemRecord[],
  requested: readonly RequestedStatus[],
  facts: Facts,
): { items: AffectedItemRecord[]; changes: Array<{ itemId: string; statusId: string | undefined }> } {
  const items = affected.map((a) => ({ ...a }));
  const changes: Array<{ itemId: string; statusId: string | undefined }> = [];
  if (items.length + requested.filter((r) => !affected.some((a) => a.itemId === r.itemId)).length > MAX_AFFECTED_ITEMS) {
    throw invalidArgument("items", `an incident may affect at most ${MAX_AFFECTED_ITEMS} items`);
  }
  for (const r of requested) {
    const now = facts.items.get(r.itemId);
    if (!now) throw notFound("item", r.itemId);
    if (r.statusId !== "" && !facts.statuses.has(r.statusId)) throw notFound("status", r.statusId);
    let entry = items.find((a) => a.itemId === r.itemId);
    if (!entry) {
      entry = { itemId: r.itemId, itemName: now.name, statusId: undefined, changed: false, previousStatusId: undefined, leftAlone: false };
      items.push(entry);
    }
    entry.itemName = now.name;
    if (r.statusId === "") {
      changes.push({ itemId: r.itemId, statusId: undefined });
      continue;
    }
    if (!entry.changed) {
      entry.changed = true;
      entry.previousStatusId = now.statusId;
    }
    entry.statusId = r.statusId;
    entry.leftAlone = false;
    changes.push({ itemId: r.itemId, statusId: now.statusId === r.statusId ? undefined : r.statusId });
  }
  return { items, changes };
}

/**
 * The restore rule, at an incident's resolve or a window's end: each item the incident or window
 * changed goes back to the status it had before, unless `overrides` names it (a status to set
 * instead, or "" to leave it). An item whose status is no longer the one last set (someone
 * changed it by hand meanwhile), or whose earlier status is gone, is left alone and reported.
 * Deleted items are skipped.
 */
export function restore(
  affected: readonly AffectedItemRecord[],
  facts: Facts,
  overrides: ReadonlyMap<string, string> = new Map(),
): { items: AffectedItemRecord[]; changes: Array<{ itemId: string; statusId: string | undefined }>; leftAlone: LeftAlone[] } {
  const items = affected.map((a) => ({ ...a }));
  const changes: Array<{ itemId: string; statusId: string | undefined }> = [];
  const leftAlone: LeftAlone[] = [];
  for (const entry of items) {
    const now = facts.items.get(entry.itemId);
    if (!now) continue;
    entry.itemName = now.name;
    const override = overrides.get(entry.itemId);
    if (override !== undefined) {
      if (override === "") changes.push({ itemId: entry.itemId, statusId: undefined });
      else changes.push({ itemId: entry.itemId, statusId: override === now.statusId ? undefined : override });
      continue;
    }
    if (!entry.changed) continue;
    const back = entry.previousStatusId;
    if (now.statusId !== entry.statusId || back === undefined || !facts.statuses.has(back)) {
      entry.leftAlone = true;
      leftAlone.push({ itemId: entry.itemId, itemName: now.name, statusId: now.statusId });
      continue;
    }
    changes.push({ itemId: entry.itemId, statusId: back === now.statusId ? undefined : back });
  }
  return { items, changes, leftAlone };
}

/** A note for an item, telling what changed it (text cut to the note limit). */
export function noteFor(itemId: string, head: string, message: string, reference: string, at: Date): NoteRecord {
  const tail = ` (${reference})`;
  let body = message.trim() === "" ? head : `${head}: ${message.trim()}`;
  const room = NOTE_TEXT_MAX - charCount(tail);
  if (charCount(body) > room) body = `${[...body].slice(0, room - 1).join("")}…`;
  return { id: newId(), itemId, text: `${body}${tail}`, created: at, updated: at };
}

/** Item changes with a note on each item named. */
export function withNotes(changes: ReadonlyArray<{ itemId: string; statusId: string | undefined }>, note: (itemId: string) => NoteRecord): ItemChange[] {
  return changes.map((c) => ({ itemId: c.itemId, statusId: c.statusId, note: note(c.itemId) }));
}
