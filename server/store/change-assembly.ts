import type { ChangeRecord, NoteRecord } from "../domain.js";
import type { LogEntry, LoggedNote } from "./change-codec.js";

/**
 * What a store reads, from one consistent snapshot, to answer `readChanges` from its compact log.
 */
export interface ChangePage {
  /** The log entries after the requested revision, oldest first, at most the limit. */
  entries: LogEntry[];
  /**
   * Every note_upsert, note_delete and item_delete entry after the requested revision (up to the
   * newest, beyond the page too) for the items in `entries` (see itemsNeedingNotes).
   */
  noteHistory: LogEntry[];
  /** The current notes of those items. */
  currentNotes: LoggedNote[];
}

/** The items of a page whose notes `readChanges` must show. */
export function itemsNeedingNotes(entries: readonly LogEntry[]): string[] {
  const ids = new Set<string>();
  for (const e of entries) if (e.kind === "item_upsert" || e.kind === "note_upsert" || e.kind === "note_delete") ids.add(e.item.id);
  return [...ids];
}

/**
 * Turns a page of the compact log into the changes `Store.readChanges` promises: each item
 * event and note event becomes an item_upsert with the whole item, notes as they were at that
 * revision. The notes are found by walking back from the current notes, undoing each later note
 * event (an edit keeps the text before it, a delete the note itself, an item delete its notes).
 *
 * 1. Start from the current notes of the page's items.
 * 2. Go through the page newest first; before each entry, undo every history entry newer than it.
 * 3. The notes are now those at the entry's revision: emit the entry with them.
 */
export function assembleChanges(page: ChangePage): ChangeRecord[] {
  const notes = new Map<string, Map<string, LoggedNote>>();
  const notesOf = (itemId: string) => {
    let map = notes.get(itemId);
    if (!map) notes.set(itemId, (map = new Map()));
    return map;
  };
  for (const note of page.currentNotes) notesOf(note.itemId).set(note.id, note);
  const history = [...page.noteHistory].sort((a, b) => b.revision - a.revision);
  let next = 0;
  const out: ChangeRecord[] = [];
  for (let i = page.entries.length - 1; i >= 0; i--) {
    const entry = page.entries[i]!;
    while (next < history.length && history[next]!.revision > entry.revision) undo(history[next++]!, notesOf);
    out.push(toChange(entry, (itemId) => ordered(notesOf(itemId))));
  }
  return out.reverse();
}

/**
 * The change `readChanges` would answer for `entry`, worked out forward instead of read back:
 * from the notes its item had just before it (`notesBefore`, the state at the revision before
 * `entry`'s). A note event changes that list (a new note comes last, having the highest `seq`;
 * an edit keeps its place); an item event leaves it as it was. This is how a process hands its
 * own committed changes on without reading the log (see Store.onCommit).
 */
export function changeAfter(entry: LogEntry, notesBefore: (itemId: string) => readonly NoteRecord[] | undefined): ChangeRecord {
  return toChange(entry, (itemId) => notesAfter(entry, notesBefore(itemId) ?? []));
}

function notesAfter(entry: LogEntry, before: readonly NoteRecord[]): NoteRecord[] {
  switch (entry.kind) {
    case "note_upsert": {
      const { seq: _seq, ...note } = entry.note;
      return before.some((n) => n.id === note.id) ? before.map((n) => (n.id === note.id ? note : n)) : [...before, note];
    }
    case "note_delete":
      return before.filter((n) => n.id !== entry.note.id);
    default:
      return [...before];
  }
}

function undo(entry: LogEntry, notesOf: (itemId: string) => Map<string, LoggedNote>): void {
  switch (entry.kind) {
    case "note_upsert": {
      const map = notesOf(entry.item.id);
      if (entry.previous) map.set(entry.note.id, { ...(map.get(entry.note.id) ?? entry.note), text: entry.previous.text, updated: entry.previous.updated });
      else map.delete(entry.note.id);
      return;
    }
    case "note_delete":
      notesOf(entry.item.id).set(entry.note.id, entry.note);
      return;
    case "item_delete": {
      const map = notesOf(entry.id);
      map.clear();
      for (const note of entry.notes) map.set(note.id, note);
      return;
    }
    default:
      return;
  }
}

function ordered(map: Map<string, LoggedNote>): NoteRecord[] {
  return [...map.values()].sort((a, b) => a.seq - b.seq).map(({ seq: _seq, ...note }) => note);
}

function toChange(entry: LogEntry, notesAt: (itemId: string) => NoteRecord[]): ChangeRecord {
  switch (entry.kind) {
    case "item_upsert": {
      // A row from before note events carries its whole note list: it is exact for its revision.
      const legacy = entry.item.notes?.map((n) => ({ id: n.id, itemId: n.itemId, text: n.text, created: n.created, updated: n.updated }));
      return { revision: entry.revision, kind: "item_upsert", item: { ...entry.item, notes: legacy ?? notesAt(entry.item.id) } };
    }
    case "note_upsert":
    case "note_delete":
      return { revision: entry.revision, kind: "item_upsert", item: { ...entry.item, notes: notesAt(entry.item.id) } };
    case "item_delete":
      return { revision: entry.revision, kind: "item_delete", id: entry.id };
    case "status_upsert":
      return { revision: entry.revision, kind: "status_upsert", status: entry.status };
    case "status_delete":
      return { revision: entry.revision, kind: "status_delete", id: entry.id };
    case "incident_upsert":
    case "incident_delete":
    case "maintenance_upsert":
    case "maintenance_delete":
      return entry;
    case "group_upsert":
      return { revision: entry.revision, kind: "group_upsert", group: entry.group };
    case "group_delete":
      return { revision: entry.revision, kind: "group_delete", id: entry.id };
    case "settings_upsert":
      return { revision: entry.revision, kind: "settings_upsert", settings: entry.settings };
  }
}
