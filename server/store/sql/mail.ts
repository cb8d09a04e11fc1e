/**
 * Email subscriptions as both built-in stores keep them: the rows, the SQL they share (`?`
 * placeholders; PostgreSQL numbers them) and the per-address confirmation throttle, decided the
 * same way by both.
 */
import type { ConfirmationRequest, MailRecipient, QueuedMail, SubscriberRecord } from "../mail-store.js";
import { toDate, type SqlTime } from "./rows.js";
import type { ValueEncoding } from "./values.js";

const SUBSCRIBER_COLUMNS = "id, email, item_ids, confirmed_at, created_at, unsubscribe_token";
const RECIPIENT_COLUMNS = `${SUBSCRIBER_COLUMNS}, window_start, window_count, skipped`;
const QUEUE_COLUMNS = "seq, message_id, subscriber_id, to_address, subject, text_body, html_body, headers, created_at, attempts";

/** The due mails a claim may take: each the oldest queued for its subscriber. The dialect adds its row locking. */
const DUE_MAILS = `SELECT m.seq FROM mail_queue m WHERE m.next_attempt_at <= ? AND (m.lease_until IS NULL OR m.lease_until < ?)
    AND NOT EXISTS (SELECT 1 FROM mail_queue o WHERE o.subscriber_id = m.subscriber_id AND o.seq < m.seq) ORDER BY m.seq LIMIT ?`;

export const MAIL_SQL = {
  throttleOf: "SELECT id, confirmed_at, last_confirmation_at, confirmations_since, confirmations_count FROM mail_subscribers WHERE email_key = ?",
  insertSubscriber: `INSERT INTO mail_subscribers (id, email, email_key, item_ids, pending_item_ids, confirmed_at, confirm_token_hash, confirm_expires_at,
    unsubscribe_token, created_at, last_confirmation_at, confirmations_since, confirmations_count) VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?, ?, ?, ?)`,
  /** A new choice and token for an existing address: a pending one's choice is replaced, a confirmed one's waits in pending_item_ids. */
  renewSubscriber: `UPDATE mail_subscribers SET email = ?, item_ids = CASE WHEN confirmed_at IS NULL THEN ? ELSE item_ids END,
    pending_item_ids = CASE WHEN confirmed_at IS NULL THEN NULL ELSE ? END, confirm_token_hash = ?, confirm_expires_at = ?,
    last_confirmation_at = ?, confirmations_since = ?, confirmations_count = ? WHERE id = ?`,
  getSubscriber: `SELECT ${SUBSCRIBER_COLUMNS} FROM mail_subscribers WHERE id = ?`,
  confirm: `UPDATE mail_subscribers SET item_ids = COALESCE(pending_item_ids, item_ids), pending_item_ids = NULL, confirmed_at = COALESCE(confirmed_at, ?),
    confirm_token_hash = NULL, confirm_expires_at = NULL WHERE confirm_token_hash = ? AND confirm_expires_at > ? RETURNING ${SUBSCRIBER_COLUMNS}`,
  unsubscribe: "DELETE FROM mail_subscribers WHERE unsubscribe_token = ?",
  removeSubscriber: "DELETE FROM mail_subscribers WHERE id = ?",
  /** Queued mails go with their subscriber (the foreign key cascades too; said here for stores without it). */
  deleteMailsOf: "DELETE FROM mail_queue WHERE subscriber_id = ?",
  deleteMailsByToken: "DELETE FROM mail_queue WHERE subscriber_id IN (SELECT id FROM mail_subscribers WHERE unsubscribe_token = ?)",
  /** Newest first; a page continues after (created_at, id) of the last one before it. */
  listSubscribers: `SELECT ${SUBSCRIBER_COLUMNS} FROM mail_subscribers WHERE email_key LIKE ? ESCAPE '!' AND (created_at < ? OR (created_at = ? AND id < ?))
    ORDER BY created_at DESC, id DESC LIMIT ?`,
  countSubscribers: "SELECT COUNT(confirmed_at) AS confirmed, COUNT(*) - COUNT(confirmed_at) AS pending FROM mail_subscribers",
  pruneUnconfirmed: "DELETE FROM mail_subscribers WHERE confirmed_at IS NULL AND (confirm_expires_at IS NULL OR confirm_expires_at < ?)",
  ensureCursor: `INSERT INTO mail_cursor (id, cursor) SELECT 1, COALESCE(MAX(revision), 0) FROM outbox_events WHERE NOT EXISTS (SELECT 1 FROM mail_cursor)
    ON CONFLICT (id) DO NOTHING`,
  dropCursor: "DELETE FROM mail_cursor",
  /** Whether the cursor could be claimed now: a read, so an idle poll writes nothing. */
  cursorDue: `SELECT cursor FROM mail_cursor WHERE id = 1 AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)
    AND EXISTS (SELECT 1 FROM outbox_events e WHERE e.revision > mail_cursor.cursor)`,
  claimCursor: `UPDATE mail_cursor SET lease_owner = ?, lease_until = ? WHERE id = 1 AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)
    AND EXISTS (SELECT 1 FROM outbox_events e WHERE e.revision > mail_cursor.cursor) RETURNING cursor`,
  recipients: `SELECT ${RECIPIENT_COLUMNS} FROM mail_subscribers WHERE confirmed_at IS NOT NULL ORDER BY id`,
  moveCursor: "UPDATE mail_cursor SET cursor = ?, lease_owner = ?, lease_until = ? WHERE id = 1 AND lease_owner = ? AND cursor = ?",
  subscriberExists: "SELECT 1 AS found FROM mail_subscribers WHERE id = ?",
  insertMail: `INSERT INTO mail_queue (message_id, subscriber_id, to_address, subject, text_body, html_body, headers, created_at, next_attempt_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
  setThrottle: "UPDATE mail_subscribers SET window_start = ?, window_count = ?, skipped = ? WHERE id = ?",
  dueMails: DUE_MAILS,
  leaseMail: "UPDATE mail_queue SET lease_owner = ?, lease_until = ? WHERE seq = ?",
  getMail: `SELECT ${QUEUE_COLUMNS} FROM mail_queue WHERE seq = ?`,
  finishMail: "DELETE FROM mail_queue WHERE seq = ? AND lease_owner = ?",
  retryMail: "UPDATE mail_queue SET attempts = ?, next_attempt_at = ?, last_error = ?, lease_owner = NULL, lease_until = NULL WHERE seq = ? AND lease_owner = ?",
  queuedMails: "SELECT COUNT(*) AS n FROM mail_queue",
} as const;

export { QUEUE_COLUMNS };

export interface SubscriberRow {
  id: string;
  email: string;
  item_ids: string;
  confirmed_at: SqlTime | null;
  created_at: SqlTime;
  unsubscribe_token: string;
}

export interface RecipientRow extends SubscriberRow {
  window_start: SqlTime | null;
  window_count: number;
  skipped: number;
}

export interface ThrottleRow {
  id: string;
  confirmed_at: SqlTime | null;
  last_confirmation_at: SqlTime | null;
  confirmations_since: SqlTime | null;
  confirmations_count: number;
}

export interface QueueRow {
  seq: number | string;
  message_id: string;
  subscriber_id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  headers: string;
  created_at: SqlTime;
  attempts: number;
}

export function toSubscriber(r: SubscriberRow): SubscriberRecord {
  return {
    id: r.id,
    email: r.email,
    itemIds: JSON.parse(r.item_ids) as string[],
    confirmedAt: r.confirmed_at === null ? undefined : toDate(r.confirmed_at),
    created: toDate(r.created_at),
    unsubscribeToken: r.unsubscribe_token,
  };
}

export function toRecipient(r: RecipientRow): MailRecipient {
  return { ...toSubscriber(r), windowStart: r.window_start === null ? undefined : toDate(r.window_start), windowCount: r.window_count, skipped: r.skipped };
}

export function toQueuedMail(r: QueueRow): QueuedMail {
  return {
    seq: Number(r.seq),
    messageId: r.message_id,
    subscriberId: r.subscriber_id,
    to: r.to_address,
    subject: r.subject,
    text: r.text_body,
    html: r.html_body,
    headers: JSON.parse(r.headers) as Record<string, string>,
    created: toDate(r.created_at),
    attempts: r.attempts,
  };
}

/** Where a page of subscribers continues: after this subscriber (its creation and id), or from the newest. */
export interface PageAfter {
  created: Date;
  id: string;
}

/** Values for `MAIL_SQL.listSubscribers`. */
export function listValues(query: string, after: PageAfter | undefined, limit: number, enc: ValueEncoding): unknown[] {
  // From the newest: after an instant later than any, and an id above any.
  const created = after?.created ?? new Date(8_640_000_000_000_000);
  return [containsPattern(query), enc.time(created), enc.time(created), after?.id ?? "~", limit];
}

/** An address as compared: addresses differing only in case are one. */
export const emailKey = (email: string) => email.trim().toLowerCase();

/** A LIKE pattern for "contains `query`", with `!` as the escape character. */
export const containsPattern = (query: string) =>
  `%${query
    .trim()
    .toLowerCase()
    .replace(/[!%_]/g, (c) => `!${c}`)}%`;

const DAY_MS = 86_400_000;

/** What a confirmation request does to an address: refused until `retryAt`, or the new throttle counters. */
export type ConfirmationDecision = { retryAt: Date } | { retryAt: undefined; since: Date; count: number };

/** Applies the per-address limits (one mail per `minIntervalMs`, `dailyCap` per 24 hours) to an address's counters. */
export function decideConfirmation(row: ThrottleRow | undefined, request: Pick<ConfirmationRequest, "now" | "minIntervalMs" | "dailyCap">): ConfirmationDecision {
  const now = request.now.getTime();
  if (!row) return { retryAt: undefined, since: request.now, count: 1 };
  const last = row.last_confirmation_at === null ? undefined : toDate(row.last_confirmation_at).getTime();
  if (last !== undefined && now - last < request.minIntervalMs) return { retryAt: new Date(last + request.minIntervalMs) };
  const since = row.confirmations_since === null ? undefined : toDate(row.confirmations_since).getTime();
  if (since === undefined || now - since >= DAY_MS) return { retryAt: undefined, since: request.now, count: 1 };
  if (row.confirmations_count >= request.dailyCap) return { retryAt: new Date(since + DAY_MS) };
  return { retryAt: undefined, since: new Date(since), count: row.confirmations_count + 1 };
}

/** Values for `MAIL_SQL.insertSubscriber`. */
export function newSubscriberValues(r: ConfirmationRequest, since: Date, count: number, enc: ValueEncoding): unknown[] {
  return [
    r.id,
    r.email.trim(),
    emailKey(r.email),
    JSON.stringify(r.itemIds),
    r.tokenHash,
    enc.time(r.expiresAt),
    r.unsubscribeToken,
    enc.time(r.now),
    enc.time(r.now),
    enc.time(since),
    count,
  ];
}

/** Values for `MAIL_SQL.renewSubscriber`. */
export function renewValues(id: string, r: ConfirmationRequest, since: Date, count: number, enc: ValueEncoding): unknown[] {
  const items = JSON.stringify(r.itemIds);
  return [r.email.trim(), items, items, r.tokenHash, enc.time(r.expiresAt), enc.time(r.now), enc.time(since), count, id];
}

/** Values for `MAIL_SQL.insertMail`. */
export function mailValues(
  subscriberId: string,
  to: string,
  draft: { messageId: string; subject: string; text: string; html: string; headers: Record<string, string> },
  now: Date,
  enc: ValueEncoding,
): unknown[] {
  return [draft.messageId, subscriberId, to, draft.subject, draft.text, draft.html, JSON.stringify(draft.headers), enc.time(now), enc.time(now)];
}
