/**
 * The audit log's rows, SQL and values, shared by both stores. A store writes one row per audited
 * call, with the call's first write, in that write's transaction (see audit/audit-context.ts).
 */
import type { AuditActor } from "../audit-context.js";
import { newId } from "../../ids.js";
import type { AuditFilter, AuditRecord } from "../audit-store.js";
import { toDate, type SqlTime } from "./rows.js";
import type { ValueEncoding } from "./values.js";

export const AUDIT_COLUMNS = "id, at, actor, actor_id, procedure, object_type, object_id, client_address, summary";

export const AUDIT_SQL = {
  insert: `INSERT INTO audit_events (${AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  prune: "DELETE FROM audit_events WHERE at < ?",
} as const;

export interface AuditRow {
  id: string;
  at: SqlTime;
  actor: string;
  actor_id: string;
  procedure: string;
  object_type: string;
  object_id: string;
  client_address: string;
  summary: string;
}

export function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: toDate(row.at),
    actor: row.actor,
    actorId: row.actor_id,
    procedure: row.procedure,
    objectType: row.object_type,
    objectId: row.object_id,
    clientAddress: row.client_address,
    summary: row.summary,
  };
}

/** The row for `actor`'s call, whose write returned `written`: its object id is the request's, else what was written (an add). */
export function auditValues(actor: AuditActor, written: unknown, at: Date, to: ValueEncoding): Array<string | number | Date | boolean> {
  const writtenId = (written as { id?: unknown } | undefined)?.id;
  const objectId = actor.objectId || (typeof writtenId === "string" ? writtenId : "");
  return [newId(), to.time(at), actor.actor, actor.actorId, actor.procedure, actor.objectType, objectId, actor.clientAddress, actor.summary];
}

/** Whether the write about to run must write the audit row too: inside an audited call not yet recorded. */
export function needsAuditRow(actor: AuditActor | undefined): actor is AuditActor {
  return actor !== undefined && !actor.recorded;
}

/** A listing's SQL (with `?` placeholders) and values: only the filters given, newest first. */
export function auditListQuery(filter: AuditFilter, to: ValueEncoding): { sql: string; values: Array<string | number | Date | boolean> } {
  const where: string[] = [];
  const values: Array<string | number | Date | boolean> = [];
  const add = (clause: string, value: string | number | Date | boolean) => {
    where.push(clause);
    values.push(value);
  };
  if (filter.actorId) add("actor_id = ?", filter.actorId);
  if (filter.objectId) add("object_id = ?", filter.objectId);
  if (filter.since) add("at >= ?", to.time(filter.since));
  if (filter.until) add("at < ?", to.time(filter.until));
  if (filter.beforeId) add("id < ?", filter.beforeId);
  values.push(filter.limit);
  return { sql: `SELECT ${AUDIT_COLUMNS} FROM audit_events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ?`, values };
}
