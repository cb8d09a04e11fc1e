/**
 * Incidents and maintenance windows in SQL, shared by both built-in stores: one table holds both
 * kinds, each record whole as JSON (`body`, read and written as one aggregate), with the columns
 * lists filter and sort on beside it. `version` makes every write conditional on the record being
 * as it was read: a transition applied by one replica is not applied again by another.
 */
import type { AffectedItemRecord, IncidentRecord, IncidentUpdateRecord, MaintenanceRecord } from "../../incident-records.js";
import { PHASE_ACTIVE, PHASE_SCHEDULED } from "../../incident-records.js";
import type { IncidentKind, IncidentKinds, IncidentListQuery } from "../incident-store.js";
import type { ValueEncoding } from "./values.js";
import type { SqlTime } from "./rows.js";

/** The table, for each dialect's migration: `time` is its time column type, `text` its text type. */
export function incidentTableSql(time: string, text: string, integer: string): string {
  return `
  CREATE TABLE incidents (
    id         ${text}    PRIMARY KEY,
    kind       ${text}    NOT NULL,
    phase      integer    NOT NULL,
    starts_at  ${time}    NOT NULL,
    ends_at    ${time},
    due_at     ${time},
    version    ${integer} NOT NULL,
    body       ${text}    NOT NULL
  );
  CREATE INDEX incidents_by_start ON incidents (kind, starts_at, id);
  CREATE INDEX incidents_by_due ON incidents (due_at) WHERE due_at IS NOT NULL;
  `;
}

/** A row as read. */
export interface IncidentRow {
  body: string;
  version: number | string;
}

export const INCIDENT_SQL = {
  get: "SELECT body, version FROM incidents WHERE kind = ? AND id = ?",
  insert: "INSERT INTO incidents (id, kind, phase, starts_at, ends_at, due_at, version, body) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
  /** Only if nobody wrote it since it was read (version). */
  update: "UPDATE incidents SET phase = ?, starts_at = ?, ends_at = ?, due_at = ?, version = version + 1, body = ? WHERE id = ? AND version = ?",
  remove: "DELETE FROM incidents WHERE kind = ? AND id = ?",
  live: "SELECT body, version FROM incidents WHERE (kind = 'incident' AND phase = 1) OR (kind = 'maintenance' AND phase IN (1, 2)) ORDER BY starts_at, id",
  due: "SELECT id FROM incidents WHERE due_at IS NOT NULL AND due_at <= ? AND kind = 'maintenance' ORDER BY due_at, id LIMIT ?",
} as const;

/** `IN (?, ?, …)` for `count` values (at least one, so the SQL stays valid). */
export const placeholders = (count: number): string => `(${Array.from({ length: Math.max(count, 1) }, () => "?").join(", ")})`;

/** Items' ids, names and statuses, for `count` ids. */
export const itemsNowSql = (count: number): string => `SELECT id, name, status_id FROM items WHERE id IN ${placeholders(count)}`;
/** Which of `count` status ids exist. */
export const statusesNowSql = (count: number): string => `SELECT id FROM statuses WHERE id IN ${placeholders(count)}`;

/** The list query and its values. */
export function listSql(query: IncidentListQuery, to: ValueEncoding): { sql: string; values: unknown[] } {
  const where = ["kind = ?"];
  const values: unknown[] = [query.kind];
  if (query.phases.length > 0) {
    where.push(`phase IN ${placeholders(query.phases.length)}`);
    values.push(...query.phases);
  }
  if (query.from) {
    where.push("(ends_at IS NULL OR ends_at >= ?)");
    values.push(to.time(query.from));
  }
  if (query.to) {
    where.push("starts_at < ?");
    values.push(to.time(query.to));
  }
  const newest = query.order === "newest";
  if (query.after) {
    const at = to.time(query.after.startsAt);
    where.push(newest ? "(starts_at < ? OR (starts_at = ? AND id < ?))" : "(starts_at > ? OR (starts_at = ? AND id > ?))");
    values.push(at, at, query.after.id);
  }
  const direction = newest ? "DESC" : "ASC";
  values.push(query.limit);
  return { sql: `SELECT body, version FROM incidents WHERE ${where.join(" AND ")} ORDER BY starts_at ${direction}, id ${direction} LIMIT ?`, values };
}

/** The columns of a record: phase, when it starts and ends (for lists), when its next transition is due. */
export function recordColumns<K extends IncidentKind>(
  kind: K,
  record: IncidentKinds[K],
  to: ValueEncoding,
): { phase: number; startsAt: SqlTime; endsAt: SqlTime | null; dueAt: SqlTime | null } {
  if (kind === "incident") {
    const incident = record as IncidentRecord;
    return { phase: incident.resolvedAt ? 2 : 1, startsAt: to.time(incident.created), endsAt: incident.resolvedAt ? to.time(incident.resolvedAt) : null, dueAt: null };
  }
  const window = record as MaintenanceRecord;
  const due = window.phase === PHASE_SCHEDULED ? window.startsAt : window.phase === PHASE_ACTIVE ? window.endsAt : undefined;
  return { phase: window.phase, startsAt: to.time(window.startsAt), endsAt: to.time(window.endedAt ?? window.endsAt), dueAt: due ? to.time(due) : null };
}

/** Values for INCIDENT_SQL.insert. */
export function insertValues<K extends IncidentKind>(kind: K, record: IncidentKinds[K], to: ValueEncoding): unknown[] {
  const c = recordColumns(kind, record, to);
  return [record.id, kind, c.phase, c.startsAt, c.endsAt, c.dueAt, encodeRecord(kind, record)];
}

/** Values for INCIDENT_SQL.update. */
export function updateValues<K extends IncidentKind>(kind: K, record: IncidentKinds[K], version: number, to: ValueEncoding): unknown[] {
  const c = recordColumns(kind, record, to);
  return [c.phase, c.startsAt, c.endsAt, c.dueAt, encodeRecord(kind, record), record.id, version];
}

// --- the JSON body (also the change log's payload): dates as epoch milliseconds.

const ms = (date: Date | undefined) => (date ? date.getTime() : null);
const date = (value: number | null | undefined) => (value === null || value === undefined ? undefined : new Date(value));

type Json = Record<string, unknown>;

const itemToJson = (item: AffectedItemRecord): Json => ({ ...item, statusId: item.statusId ?? null, previousStatusId: item.previousStatusId ?? null });
const itemFromJson = (json: Json): AffectedItemRecord => ({
  itemId: json.itemId as string,
  itemName: json.itemName as string,
  statusId: (json.statusId as string | null) ?? undefined,
  changed: json.changed as boolean,
  previousStatusId: (json.previousStatusId as string | null) ?? undefined,
  leftAlone: json.leftAlone as boolean,
});
const updateToJson = (update: IncidentUpdateRecord): Json => ({ ...update, created: ms(update.created) });
const updateFromJson = (json: Json): IncidentUpdateRecord => ({
  id: json.id as string,
  state: json.state as IncidentUpdateRecord["state"],
  message: json.message as string,
  statusChanges: json.statusChanges as IncidentUpdateRecord["statusChanges"],
  created: new Date(json.created as number),
  author: json.author as string,
});

/** A record as JSON text. */
export function encodeRecord<K extends IncidentKind>(kind: K, record: IncidentKinds[K]): string {
  if (kind === "incident") {
    const r = record as IncidentRecord;
    return JSON.stringify({
      ...r,
      items: r.items.map(itemToJson),
      updates: r.updates.map(updateToJson),
      resolvedAt: ms(r.resolvedAt),
      created: ms(r.created),
      updated: ms(r.updated),
    });
  }
  const r = record as MaintenanceRecord;
  return JSON.stringify({
    ...r,
    items: r.items.map(itemToJson),
    startsAt: ms(r.startsAt),
    endsAt: ms(r.endsAt),
    startedAt: ms(r.startedAt),
    endedAt: ms(r.endedAt),
    created: ms(r.created),
    updated: ms(r.updated),
  });
}

/** A record from its JSON text. */
export function decodeRecord<K extends IncidentKind>(kind: K, text: string): IncidentKinds[K] {
  const j = JSON.parse(text) as Json;
  if (kind === "incident") {
    const incident: IncidentRecord = {
      id: j.id as string,
      title: j.title as string,
      impact: j.impact as IncidentRecord["impact"],
      state: j.state as IncidentRecord["state"],
      items: (j.items as Json[]).map(itemFromJson),
      updates: (j.updates as Json[]).map(updateFromJson),
      resolvedAt: date(j.resolvedAt as number | null),
      created: new Date(j.created as number),
      updated: new Date(j.updated as number),
    };
    return incident as IncidentKinds[K];
  }
  const window: MaintenanceRecord = {
    id: j.id as string,
    title: j.title as string,
    message: j.message as string,
    startsAt: new Date(j.startsAt as number),
    endsAt: new Date(j.endsAt as number),
    statusId: j.statusId as string,
    items: (j.items as Json[]).map(itemFromJson),
    phase: j.phase as MaintenanceRecord["phase"],
    startedAt: date(j.startedAt as number | null),
    endedAt: date(j.endedAt as number | null),
    created: new Date(j.created as number),
    updated: new Date(j.updated as number),
  };
  return window as IncidentKinds[K];
}
