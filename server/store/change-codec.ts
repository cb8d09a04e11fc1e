import type { ChangeRecord, ItemView, NoteRecord, StatusRecord, UnnumberedChange } from "../domain.js";

/**
 * The change log's payload format, shared by every store: JSON with dates as epoch
 * milliseconds. Kept apart from protobuf so stores stay independent of the wire.
 */

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
}
interface ItemJson {
  id: string;
  name: string;
  description: string;
  status: StatusJson | null;
  notes: NoteJson[];
  created: number;
  updated: number;
}

const statusToJson = (s: StatusRecord): StatusJson => ({ ...s, created: s.created.getTime(), updated: s.updated.getTime() });
const statusFromJson = (s: StatusJson): StatusRecord => ({ ...s, created: new Date(s.created), updated: new Date(s.updated) });
const noteToJson = (n: NoteRecord): NoteJson => ({ ...n, created: n.created.getTime(), updated: n.updated.getTime() });
const noteFromJson = (n: NoteJson): NoteRecord => ({ ...n, created: new Date(n.created), updated: new Date(n.updated) });

/** Encodes a change's payload: the record after the change, or the id of what was deleted. */
export function encodeChangePayload(change: UnnumberedChange): { kind: ChangeRecord["kind"]; entityId: string; payload: string } {
  switch (change.kind) {
    case "item_upsert": {
      const item: ItemJson = {
        id: change.item.id,
        name: change.item.name,
        description: change.item.description,
        status: change.item.status ? statusToJson(change.item.status) : null,
        notes: (change.item.notes ?? []).map(noteToJson),
        created: change.item.created.getTime(),
        updated: change.item.updated.getTime(),
      };
      return { kind: change.kind, entityId: item.id, payload: JSON.stringify(item) };
    }
    case "status_upsert":
      return { kind: change.kind, entityId: change.status.id, payload: JSON.stringify(statusToJson(change.status)) };
    case "item_delete":
    case "status_delete":
      return { kind: change.kind, entityId: change.id, payload: "" };
  }
}

/** Decodes a change log row back into a change. */
export function decodeChange(revision: number, kind: string, entityId: string, payload: string): ChangeRecord {
  switch (kind) {
    case "item_upsert": {
      const item = JSON.parse(payload) as ItemJson;
      const view: ItemView = {
        id: item.id,
        name: item.name,
        description: item.description,
        status: item.status ? statusFromJson(item.status) : undefined,
        notes: item.notes.map(noteFromJson),
        created: new Date(item.created),
        updated: new Date(item.updated),
      };
      return { revision, kind, item: view };
    }
    case "status_upsert":
      return { revision, kind, status: statusFromJson(JSON.parse(payload) as StatusJson) };
    case "item_delete":
    case "status_delete":
      return { revision, kind, id: entityId };
    default:
      throw new Error(`unknown change kind ${JSON.stringify(kind)} at revision ${revision}`);
  }
}
