import type { GroupRecord, ItemView, NoteRecord, PageSettingsRecord, StatusRecord } from "../domain.js";
import type { IncidentRecord, MaintenanceRecord } from "../incident-records.js";
import { decodeRecord, encodeRecord } from "./sql/incidents.js";
import { settingsFromJson, settingsToJson } from "./settings-store.js";

/**
 * The change log's stored format, shared by the built-in stores: JSON with dates as epoch
 * milliseconds, kept apart from protobuf so stores stay independent of the wire.
 *
 * What is stored is what changed, never a whole aggregate: an item event carries the item
 * without its notes, a note event one note (and the item's fields, whose `updated` it moves).
 * `readChanges` still answers with whole items, notes included: see change-assembly.ts.
 */

/** A note as the log keeps it: with its creation order, so a note put back keeps its place. */
export interface LoggedNote extends NoteRecord {
  seq: number;
}

/** One change as a store appends it to its log (the revision is given by the log). */
export type LoggedChange =
  | { kind: "status_upsert"; status: StatusRecord }
  | { kind: "status_delete"; id: string }
  /**
   * The item after the change; its notes are not stored, except with `withNotes` on the item's
   * first change (its initial note), so a replay of the log forward sees that note too.
   */
  | { kind: "item_upsert"; item: ItemView; withNotes?: boolean }
  /** The deleted item's notes are kept so that earlier revisions can still be shown with theirs. */
  | { kind: "item_delete"; id: string; notes: LoggedNote[] }
  /** A note added (no `previous`) or edited (`previous` is what it said before), and its item after. */
  | { kind: "note_upsert"; item: ItemView; note: LoggedNote; previous?: { text: string; updated: Date } }
  | { kind: "note_delete"; item: ItemView; note: LoggedNote }
  /**
   * An incident or maintenance window after the change, whole (see store/incident-store.ts).
   * `previous` is the record the write replaced (undefined for a new one): handed to the outbox
   * in the same transaction (it tells created from updated, and phase changes), never stored in
   * the log, so an entry read back has none.
   */
  | { kind: "incident_upsert"; incident: IncidentRecord; previous?: IncidentRecord }
  | { kind: "incident_delete"; id: string }
  | { kind: "maintenance_upsert"; maintenance: MaintenanceRecord; previous?: MaintenanceRecord }
  | { kind: "maintenance_delete"; id: string }
  | { kind: "group_upsert"; group: GroupRecord }
  | { kind: "group_delete"; id: string }
  /** The page settings after a change (images described, their bytes not logged). */
  | { kind: "settings_upsert"; settings: PageSettingsRecord };

/** A stored change log row, decoded. */
export type LogEntry = LoggedChange & { revision: number };

interface StatusJson {
  id: string;
  name: string;
  description: string;
  color: string;
  kind: number;
  created: number;
  updated: number;
}
interface NoteJson {
  id: string;
  itemId: string;
  text: string;
  created: number;
  updated: number;
  seq?: number;
}
interface ItemJson {
  id: string;
  name: string;
  description: string;
  status: StatusJson | null;
  /** Only in rows written before notes were logged on their own: the whole list at that revision. */
  notes?: NoteJson[];
  /** Absent in rows from before groups: no group, position 0. */
  groupId?: string;
  position?: number;
  created: number;
  updated: number;
}
interface GroupJson {
  id: string;
  name: string;
  description: string;
  position: number;
  collapsed: boolean;
  created: number;
  updated: number;
}

const statusToJson = (s: StatusRecord): StatusJson => ({ ...s, created: s.created.getTime(), updated: s.updated.getTime() });
const statusFromJson = (s: StatusJson): StatusRecord => ({ ...s, created: new Date(s.created), updated: new Date(s.updated) });
const noteToJson = (n: LoggedNote): NoteJson => ({
  id: n.id,
  itemId: n.itemId,
  text: n.text,
  created: n.created.getTime(),
  updated: n.updated.getTime(),
  seq: n.seq,
});
const noteFromJson = (n: NoteJson, fallbackSeq = 0): LoggedNote => ({
  id: n.id,
  itemId: n.itemId,
  text: n.text,
  created: new Date(n.created),
  updated: new Date(n.updated),
  seq: n.seq ?? fallbackSeq,
});
const itemToJson = (item: ItemView): ItemJson => ({
  id: item.id,
  name: item.name,
  description: item.description,
  status: item.status ? statusToJson(item.status) : null,
  ...(item.groupId !== undefined && { groupId: item.groupId }),
  ...(item.position && { position: item.position }),
  created: item.created.getTime(),
  updated: item.updated.getTime(),
});
const itemFromJson = (item: ItemJson): ItemView => ({
  id: item.id,
  name: item.name,
  description: item.description,
  status: item.status ? statusFromJson(item.status) : undefined,
  notes: item.notes?.map((n, i) => noteFromJson(n, i)),
  ...(item.groupId !== undefined && { groupId: item.groupId }),
  position: item.position ?? 0,
  created: new Date(item.created),
  updated: new Date(item.updated),
});

const groupToJson = (g: GroupRecord): GroupJson => ({ ...g, created: g.created.getTime(), updated: g.updated.getTime() });
const groupFromJson = (g: GroupJson): GroupRecord => ({ ...g, created: new Date(g.created), updated: new Date(g.updated) });

/**
 * Encodes a change for the log. `entityId` is the item for every item and note event, so an
 * item's note history can be read by it.
 */
export function encodeChangePayload(change: LoggedChange): { kind: LoggedChange["kind"]; entityId: string; payload: string } {
  switch (change.kind) {
    case "item_upsert":
      return {
        kind: change.kind,
        entityId: change.item.id,
        payload: JSON.stringify(
          change.withNotes && change.item.notes ? { ...itemToJson(change.item), notes: change.item.notes.map((n, seq) => noteToJson({ ...n, seq })) } : itemToJson(change.item),
        ),
      };
    case "item_delete":
      return { kind: change.kind, entityId: change.id, payload: JSON.stringify({ notes: change.notes.map(noteToJson) }) };
    case "note_upsert": {
      const previous = change.previous && { text: change.previous.text, updated: change.previous.updated.getTime() };
      return { kind: change.kind, entityId: change.item.id, payload: JSON.stringify({ item: itemToJson(change.item), note: noteToJson(change.note), previous }) };
    }
    case "note_delete":
      return { kind: change.kind, entityId: change.item.id, payload: JSON.stringify({ item: itemToJson(change.item), note: noteToJson(change.note) }) };
    case "status_upsert":
      return { kind: change.kind, entityId: change.status.id, payload: JSON.stringify(statusToJson(change.status)) };
    case "status_delete":
    case "incident_delete":
    case "maintenance_delete":
      return { kind: change.kind, entityId: change.id, payload: "" };
    case "incident_upsert":
      return { kind: change.kind, entityId: change.incident.id, payload: encodeRecord("incident", change.incident) };
    case "maintenance_upsert":
      return { kind: change.kind, entityId: change.maintenance.id, payload: encodeRecord("maintenance", change.maintenance) };
    case "group_upsert":
      return { kind: change.kind, entityId: change.group.id, payload: JSON.stringify(groupToJson(change.group)) };
    case "group_delete":
      return { kind: change.kind, entityId: change.id, payload: "" };
    case "settings_upsert":
      return { kind: change.kind, entityId: "settings", payload: settingsToJson(change.settings) };
  }
}

/** Decodes a change log row. Rows from before note events (whole items, empty deletes) still read. */
export function decodeLogEntry(revision: number, kind: string, entityId: string, payload: string): LogEntry {
  switch (kind) {
    case "item_upsert":
      return { revision, kind, item: itemFromJson(JSON.parse(payload) as ItemJson) };
    case "item_delete": {
      const notes = payload === "" ? [] : (JSON.parse(payload) as { notes: NoteJson[] }).notes;
      return { revision, kind, id: entityId, notes: notes.map((n) => noteFromJson(n)) };
    }
    case "note_upsert": {
      const p = JSON.parse(payload) as { item: ItemJson; note: NoteJson; previous?: { text: string; updated: number } };
      const previous = p.previous && { text: p.previous.text, updated: new Date(p.previous.updated) };
      return { revision, kind, item: itemFromJson(p.item), note: noteFromJson(p.note), ...(previous ? { previous } : {}) };
    }
    case "note_delete": {
      const p = JSON.parse(payload) as { item: ItemJson; note: NoteJson };
      return { revision, kind, item: itemFromJson(p.item), note: noteFromJson(p.note) };
    }
    case "status_upsert":
      return { revision, kind, status: statusFromJson(JSON.parse(payload) as StatusJson) };
    case "status_delete":
    case "incident_delete":
    case "maintenance_delete":
      return { revision, kind, id: entityId };
    case "incident_upsert":
      return { revision, kind, incident: decodeRecord("incident", payload) };
    case "maintenance_upsert":
      return { revision, kind, maintenance: decodeRecord("maintenance", payload) };
    case "group_upsert":
      return { revision, kind, group: groupFromJson(JSON.parse(payload) as GroupJson) };
    case "group_delete":
      return { revision, kind, id: entityId };
    case "settings_upsert":
      return { revision, kind, settings: settingsFromJson(payload) };
    default:
      throw new Error(`unknown change kind ${JSON.stringify(kind)} at revision ${revision}`);
  }
}
