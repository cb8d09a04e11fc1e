/**
 * The outbox as both built-in stores keep it: which change makes which event, the rows, and the
 * SQL they share (`?` placeholders; PostgreSQL numbers them). Each store calls `deriveOutboxEvent`
 * where it appends a change to its log, in the same transaction.
 */
import type { ItemView, StatusRecord } from "../../domain.js";
import { newId } from "../../ids.js";
import { INCIDENT_RESOLVED, PHASE_ACTIVE, PHASE_SCHEDULED, type IncidentRecord, type MaintenanceRecord } from "../../incident-records.js";
import type { LoggedChange } from "../change-codec.js";
import type { DeliveryRecord, OutboxEvent, WebhookFormat, WebhookPatch, WebhookProgress, WebhookRecord } from "../outbox-store.js";
import { toDate, type SqlTime } from "./rows.js";
import type { ValueEncoding } from "./values.js";

/** What subscribers were last told about an item: kept per item so a status change can say what it was before. */
export interface ItemNotice {
  itemId: string;
  name: string;
  statusId: string | null;
  statusName: string | null;
  statusColor: string | null;
  statusKind: number | null;
}

/** An event to write, before the log gives it a revision. */
export interface PendingEvent {
  type: string;
  itemId: string | undefined;
  data: Record<string, unknown>;
}

/** What one change means for the outbox: the event to write (if any) and the item's notice after it (null: forget it). */
export interface OutboxEffect {
  event: PendingEvent | undefined;
  notice: ItemNotice | null | undefined;
}

const statusData = (s: StatusRecord | undefined) => (s ? { id: s.id, name: s.name, color: s.color, kind: s.kind } : null);
const noticeStatus = (n: ItemNotice) => (n.statusId === null ? null : { id: n.statusId, name: n.statusName ?? "", color: n.statusColor ?? "", kind: n.statusKind ?? 0 });
const itemData = (item: ItemView) => ({ id: item.id, name: item.name, description: item.description, status: statusData(item.status) });

function noticeOf(item: ItemView): ItemNotice {
  const s = item.status;
  return { itemId: item.id, name: item.name, statusId: s?.id ?? null, statusName: s?.name ?? null, statusColor: s?.color ?? null, statusKind: s?.kind ?? null };
}

/**
 * Impact, state and phase as sent: the API's enum name without its prefix, in lower case
 * (`INCIDENT_IMPACT_MAJOR` is "major"). Kept here, not read from the generated code, so stores
 * stay apart from the wire; test/unit/outbox-incident-events.test.ts holds them to the enums.
 */
export const IMPACT_NAMES: Readonly<Record<number, string>> = { 1: "none", 2: "minor", 3: "major", 4: "critical" };
export const STATE_NAMES: Readonly<Record<number, string>> = { 1: "investigating", 2: "identified", 3: "monitoring", 4: "resolved" };
export const PHASE_NAMES: Readonly<Record<number, string>> = { 1: "scheduled", 2: "active", 3: "completed", 4: "cancelled" };
const named = (names: Readonly<Record<number, string>>, n: number) => names[n] ?? "unspecified";

const sameIds = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((id, i) => id === b[i]);
const itemIdsOf = (record: { items: ReadonlyArray<{ itemId: string }> }) => record.items.map((i) => i.itemId);

function incidentData(incident: IncidentRecord, withUpdate: boolean): Record<string, unknown> {
  const data: Record<string, unknown> = {
    incident: {
      id: incident.id,
      title: incident.title,
      impact: named(IMPACT_NAMES, incident.impact),
      state: named(STATE_NAMES, incident.state),
      item_ids: itemIdsOf(incident),
      created: incident.created.toISOString(),
      ...(incident.resolvedAt && { resolved_at: incident.resolvedAt.toISOString() }),
    },
  };
  const update = incident.updates.at(-1);
  if (withUpdate && update) {
    data.update = { id: update.id, state: named(STATE_NAMES, update.state), message: update.message, created: update.created.toISOString() };
  }
  return data;
}

/**
 * An incident's event: `incident.created` for a new one, `incident.resolved` when its state
 * becomes resolved, `incident.updated` for a new update or another title, impact, state or items;
 * none for anything else (an item's name refreshed, what was restored at the end). `update` is
 * the newest update, sent when the change added it.
 */
function incidentEvent(incident: IncidentRecord, previous: IncidentRecord | undefined): PendingEvent | undefined {
  const page = (type: string, withUpdate: boolean): PendingEvent => ({ type, itemId: undefined, data: incidentData(incident, withUpdate) });
  if (!previous) return page("incident.created", true);
  const newUpdate = incident.updates.at(-1)?.id !== previous.updates.at(-1)?.id;
  if (incident.state === INCIDENT_RESOLVED && previous.state !== INCIDENT_RESOLVED) return page("incident.resolved", newUpdate);
  const changed =
    newUpdate ||
    incident.title !== previous.title ||
    incident.impact !== previous.impact ||
    incident.state !== previous.state ||
    !sameIds(itemIdsOf(incident), itemIdsOf(previous));
  return changed ? page("incident.updated", newUpdate) : undefined;
}

function maintenanceData(window: MaintenanceRecord): Record<string, unknown> {
  return {
    maintenance: {
      id: window.id,
      title: window.title,
      message: window.message,
      starts_at: window.startsAt.toISOString(),
      ends_at: window.endsAt.toISOString(),
      phase: named(PHASE_NAMES, window.phase),
      item_ids: itemIdsOf(window),
    },
  };
}

const isOver = (phase: number) => phase !== PHASE_SCHEDULED && phase !== PHASE_ACTIVE;

/**
 * A maintenance window's event: `maintenance.scheduled` for a new window or new times (an
 * active window's new end too: its `phase` says "active"); `maintenance.started` when it becomes
 * active (a new window that has already begun too); `maintenance.ended` when it is over,
 * completed or cancelled (its `phase` says which; a window cancelled before it started ends
 * too). Other edits (title, message, items) make none.
 */
function maintenanceEvent(window: MaintenanceRecord, previous: MaintenanceRecord | undefined): PendingEvent | undefined {
  const page = (type: string): PendingEvent => ({ type, itemId: undefined, data: maintenanceData(window) });
  const before = previous?.phase;
  if (isOver(window.phase)) return before !== undefined && isOver(before) ? undefined : page("maintenance.ended");
  if (window.phase === PHASE_ACTIVE && before !== PHASE_ACTIVE) return page("maintenance.started");
  if (!previous) return page("maintenance.scheduled");
  const moved = window.startsAt.getTime() !== previous.startsAt.getTime() || window.endsAt.getTime() !== previous.endsAt.getTime();
  return moved ? page("maintenance.scheduled") : undefined;
}

/**
 * The event a logged change makes, given what was last told about its item. A new item is
 * `item.added`; another status or a changed kind is `item.status_changed` (with the status before);
 * a deleted item `item.removed`; a note `note.added` or `note.updated`. Renames, status edits
 * that keep the kind, and note deletions make none. Incidents and maintenance windows make
 * page-wide events (see `incidentEvent`, `maintenanceEvent`), told apart by the record the write
 * replaced (`previous` on the change); their deletion makes none.
 */
export function deriveOutboxEvent(change: LoggedChange, known: ItemNotice | undefined): OutboxEffect {
  switch (change.kind) {
    case "item_upsert": {
      const { item } = change;
      const notice = noticeOf(item);
      if (change.withNotes || !known) return { event: { type: "item.added", itemId: item.id, data: { item: itemData(item) } }, notice };
      if (known.statusId === notice.statusId && known.statusKind === notice.statusKind) return { event: undefined, notice };
      return { event: { type: "item.status_changed", itemId: item.id, data: { item: itemData(item), previous_status: noticeStatus(known) } }, notice };
    }
    case "item_delete":
      return { event: { type: "item.removed", itemId: change.id, data: { item: { id: change.id, name: known?.name ?? "" } } }, notice: null };
    case "note_upsert": {
      const { item, note } = change;
      const data = { item: itemData(item), note: { id: note.id, text: note.text, created: note.created.toISOString(), updated: note.updated.toISOString() } };
      return { event: { type: change.previous ? "note.updated" : "note.added", itemId: item.id, data }, notice: noticeOf(item) };
    }
    case "incident_upsert":
      return { event: incidentEvent(change.incident, change.previous), notice: undefined };
    case "maintenance_upsert":
      return { event: maintenanceEvent(change.maintenance, change.previous), notice: undefined };
    default:
      return { event: undefined, notice: undefined };
  }
}

/** Kinds of change that never make an event (see deriveOutboxEvent), whatever was told before. */
const EVENTLESS_KINDS: ReadonlySet<LoggedChange["kind"]> = new Set<LoggedChange["kind"]>([
  "status_upsert",
  "status_delete",
  "note_delete",
  "incident_delete",
  "maintenance_delete",
  "group_upsert",
  "group_delete",
  "settings_upsert",
]);

/**
 * Whether `change` may make an outbox event (deriveOutboxEvent decides, given the notice): a
 * commit whose changes all answer no wrote none, and the delivery worker need not look for work.
 */
export function mayMakeOutboxEvent(change: Pick<LoggedChange, "kind">): boolean {
  return !EVENTLESS_KINDS.has(change.kind);
}

/** The item a change concerns (whose notice `deriveOutboxEvent` needs), if any. */
export function noticeKey(change: LoggedChange): string | undefined {
  if (change.kind === "item_upsert" || change.kind === "note_upsert") return change.item.id;
  if (change.kind === "item_delete") return change.id;
  return undefined;
}

/** Makes the event row for a pending event at `revision`: its stable id is made here, once. */
export function outboxEventAt(pending: PendingEvent, revision: number, at: Date): OutboxEvent {
  return { revision, id: newId(), type: pending.type, itemId: pending.itemId, at, data: pending.data };
}

const WEBHOOK_COLUMNS =
  "id, url, description, events, item_ids, format, secret, previous_secret, previous_secret_until, enabled, disabled_reason, cursor, attempts, next_attempt_at, failing_since, created_at, updated_at";
const DELIVERY_COLUMNS = "id, webhook_id, event_id, event_type, at, attempt, status_code, duration_ms, error, ok";

export const OUTBOX_SQL = {
  insertEvent: "INSERT INTO outbox_events (revision, id, type, item_id, at, data) VALUES (?, ?, ?, ?, ?, ?)",
  eventsAfter: "SELECT revision, id, type, item_id, at, data FROM outbox_events WHERE revision > ? ORDER BY revision LIMIT ?",
  latestEvent: "SELECT COALESCE(MAX(revision), 0) AS latest FROM outbox_events",
  getNotice: "SELECT item_id, name, status_id, status_name, status_color, status_kind FROM outbox_item_notices WHERE item_id = ?",
  deleteNotice: "DELETE FROM outbox_item_notices WHERE item_id = ?",
  upsertNotice: `INSERT INTO outbox_item_notices (item_id, name, status_id, status_name, status_color, status_kind) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (item_id) DO UPDATE SET name = excluded.name, status_id = excluded.status_id, status_name = excluded.status_name,
      status_color = excluded.status_color, status_kind = excluded.status_kind`,
  insertWebhook: `INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', (SELECT COALESCE(MAX(revision), 0) FROM outbox_events), 0, ?, NULL, ?, ?)`,
  getWebhook: `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`,
  listWebhooks: `SELECT ${WEBHOOK_COLUMNS} FROM webhooks ORDER BY id`,
  updateWebhook: `UPDATE webhooks SET url = ?, description = ?, events = ?, item_ids = ?, format = ?, enabled = ?, secret = ?, previous_secret = ?,
    previous_secret_until = ?, updated_at = ? WHERE id = ?`,
  reenableWebhook: "UPDATE webhooks SET enabled = ?, disabled_reason = '', attempts = 0, failing_since = NULL, next_attempt_at = ?, updated_at = ? WHERE id = ?",
  deleteDeliveriesOf: "DELETE FROM webhook_deliveries WHERE webhook_id = ?",
  deleteWebhook: "DELETE FROM webhooks WHERE id = ?",
  /** The due webhooks a claim may take; the dialect adds its row locking. */
  dueWebhooks: `SELECT w.id FROM webhooks w WHERE w.enabled = ? AND w.next_attempt_at <= ? AND (w.lease_until IS NULL OR w.lease_until < ?)
    AND EXISTS (SELECT 1 FROM outbox_events e WHERE e.revision > w.cursor) ORDER BY w.next_attempt_at LIMIT ?`,
  lease: "UPDATE webhooks SET lease_owner = ?, lease_until = ? WHERE id = ?",
  progress: `UPDATE webhooks SET cursor = ?, attempts = ?, next_attempt_at = ?, failing_since = ?, enabled = CASE WHEN ? THEN enabled ELSE ? END,
    disabled_reason = CASE WHEN ? THEN disabled_reason ELSE ? END, lease_owner = CASE WHEN ? THEN lease_owner ELSE NULL END, lease_until = ?
    WHERE id = ? AND lease_owner = ?`,
  insertDelivery: `INSERT INTO webhook_deliveries (${DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  listDeliveries: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = ? ORDER BY at DESC, id DESC LIMIT ?`,
  /** Keeps what an enabled webhook, or the mail cursor (while mail is on), has not passed. */
  pruneEvents: `DELETE FROM outbox_events WHERE at < ? AND revision <= COALESCE((SELECT MIN(cursor) FROM webhooks WHERE enabled = ?), (SELECT MAX(revision) FROM outbox_events))
    AND revision <= COALESCE((SELECT cursor FROM mail_cursor WHERE id = 1), (SELECT MAX(revision) FROM outbox_events))`,
  pruneDeliveries: `DELETE FROM webhook_deliveries WHERE id IN (SELECT d.id FROM webhook_deliveries d
    WHERE (SELECT COUNT(*) FROM webhook_deliveries n WHERE n.webhook_id = d.webhook_id AND (n.at > d.at OR (n.at = d.at AND n.id > d.id))) >= ?)`,
} as const;

export interface NoticeRow {
  item_id: string;
  name: string;
  status_id: string | null;
  status_name: string | null;
  status_color: string | null;
  status_kind: number | null;
}

export interface OutboxEventRow {
  revision: number | string;
  id: string;
  type: string;
  item_id: string | null;
  at: SqlTime;
  data: string;
}

export interface WebhookRow {
  id: string;
  url: string;
  description: string;
  events: string;
  item_ids: string;
  format: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: SqlTime | null;
  enabled: number | boolean;
  disabled_reason: string;
  cursor: number | string;
  attempts: number;
  next_attempt_at: SqlTime;
  failing_since: SqlTime | null;
  created_at: SqlTime;
  updated_at: SqlTime;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  at: SqlTime;
  attempt: number;
  status_code: number;
  duration_ms: number;
  error: string;
  ok: number | boolean;
}

export const toNotice = (r: NoticeRow): ItemNotice => ({
  itemId: r.item_id,
  name: r.name,
  statusId: r.status_id,
  statusName: r.status_name,
  statusColor: r.status_color,
  statusKind: r.status_kind,
});

export const noticeValues = (n: ItemNotice) => [n.itemId, n.name, n.statusId, n.statusName, n.statusColor, n.statusKind];

export function eventValues(e: OutboxEvent, enc: ValueEncoding): unknown[] {
  return [e.revision, e.id, e.type, e.itemId ?? null, enc.time(e.at), JSON.stringify(e.data)];
}

export function toOutboxEvent(r: OutboxEventRow): OutboxEvent {
  return { revision: Number(r.revision), id: r.id, type: r.type, itemId: r.item_id ?? undefined, at: toDate(r.at), data: JSON.parse(r.data) as Record<string, unknown> };
}

export function toWebhook(r: WebhookRow): WebhookRecord {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    events: JSON.parse(r.events) as string[],
    itemIds: JSON.parse(r.item_ids) as string[],
    format: r.format as WebhookFormat,
    secret: r.secret,
    previousSecret: r.previous_secret ?? undefined,
    previousSecretUntil: r.previous_secret_until === null ? undefined : toDate(r.previous_secret_until),
    enabled: Boolean(r.enabled),
    disabledReason: r.disabled_reason,
    cursor: Number(r.cursor),
    attempts: r.attempts,
    nextAttemptAt: toDate(r.next_attempt_at),
    failingSince: r.failing_since === null ? undefined : toDate(r.failing_since),
    created: toDate(r.created_at),
    updated: toDate(r.updated_at),
  };
}

export function toDelivery(r: DeliveryRow): DeliveryRecord {
  return {
    id: r.id,
    webhookId: r.webhook_id,
    eventId: r.event_id,
    eventType: r.event_type,
    at: toDate(r.at),
    attempt: r.attempt,
    statusCode: r.status_code,
    durationMs: r.duration_ms,
    error: r.error,
    ok: Boolean(r.ok),
  };
}

export function deliveryValues(d: DeliveryRecord, enc: ValueEncoding): unknown[] {
  return [d.id, d.webhookId, d.eventId, d.eventType, enc.time(d.at), d.attempt, d.statusCode, Math.round(d.durationMs), d.error, enc.bool(d.ok)];
}

/** Values for `OUTBOX_SQL.insertWebhook`. */
export function webhookValues(w: Omit<WebhookRecord, "cursor" | "attempts" | "failingSince" | "disabledReason">, enc: ValueEncoding): unknown[] {
  const until = w.previousSecretUntil;
  return [
    w.id,
    w.url,
    w.description,
    JSON.stringify(w.events),
    JSON.stringify(w.itemIds),
    w.format,
    w.secret,
    w.previousSecret ?? null,
    until ? enc.time(until) : null,
    enc.bool(w.enabled),
    enc.time(w.nextAttemptAt),
    enc.time(w.created),
    enc.time(w.updated),
  ];
}

/** Values for `OUTBOX_SQL.updateWebhook`: the patch laid over the current record. */
export function webhookPatchValues(current: WebhookRecord, patch: WebhookPatch, enc: ValueEncoding): unknown[] {
  // A rotation sets both previous fields (to undefined, to forget the old secret): present means set.
  const previousSecret = "previousSecret" in patch ? patch.previousSecret : current.previousSecret;
  const previousUntil = "previousSecretUntil" in patch ? patch.previousSecretUntil : current.previousSecretUntil;
  return [
    patch.url ?? current.url,
    patch.description ?? current.description,
    JSON.stringify(patch.events ?? current.events),
    JSON.stringify(patch.itemIds ?? current.itemIds),
    patch.format ?? current.format,
    enc.bool(patch.enabled ?? current.enabled),
    patch.secret ?? current.secret,
    previousSecret ?? null,
    previousUntil ? enc.time(previousUntil) : null,
    enc.time(patch.updated),
    current.id,
  ];
}

/** Values for `OUTBOX_SQL.progress`. */
export function progressValues(id: string, owner: string, p: WebhookProgress, enc: ValueEncoding): unknown[] {
  const keepEnabled = p.disabledReason === undefined;
  const keepLease = p.leaseUntil !== undefined;
  return [
    p.cursor,
    p.attempts,
    enc.time(p.nextAttemptAt),
    p.failingSince ? enc.time(p.failingSince) : null,
    enc.bool(keepEnabled),
    enc.bool(false),
    enc.bool(keepEnabled),
    p.disabledReason ?? "",
    enc.bool(keepLease),
    p.leaseUntil ? enc.time(p.leaseUntil) : null,
    id,
    owner,
  ];
}
