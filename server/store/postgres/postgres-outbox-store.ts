import type { Pool, PoolClient, QueryConfig } from "pg";
import { auditedTransaction, withAuditRow } from "./postgres-audit.js";
import { notFound } from "../../errors.js";
import type { AuditActor } from "../audit-context.js";
import type { LoggedChange } from "../change-codec.js";
import type { DeliveryRecord, NewWebhook, OutboxEvent, OutboxStore, WebhookPatch, WebhookProgress, WebhookRecord } from "../outbox-store.js";
import {
  deliveryValues,
  deriveOutboxEvent,
  mayMakeOutboxEvent,
  noticeKey,
  OUTBOX_SQL,
  outboxEventAt,
  progressValues,
  toDelivery,
  toNotice,
  toOutboxEvent,
  toWebhook,
  webhookPatchValues,
  webhookValues,
  type DeliveryRow,
  type ItemNotice,
  type NoticeRow,
  type OutboxEventRow,
  type WebhookRow,
} from "../sql/outbox.js";
import { numbered, PG_VALUES as V } from "./dialect.js";
import { transaction } from "./transaction.js";

const Q = Object.fromEntries(Object.entries(OUTBOX_SQL).map(([name, text]) => [name, numbered(text)])) as { [K in keyof typeof OUTBOX_SQL]: string };

/** The items whose outbox notices the events of `changes` are derived from (see writeOutboxEvents). */
export function noticeKeys(changes: readonly LoggedChange[]): string[] {
  return [...new Set(changes.map(noticeKey).filter((k): k is string => k !== undefined))];
}

/**
 * The statement that writes the events a batch of logged changes makes (the first at
 * `firstRevision`, the next one up), to run inside the writing transaction and under the log's
 * lock, given the notices of `noticeKeys(changes)` as they were before the batch (the write queue
 * reads them in its own statement): one round trip per batch, however many changes it holds, so
 * the outbox adds little to the time the lock is held. Undefined when there is nothing to write.
 */
export function outboxEventsStatement(changes: readonly LoggedChange[], firstRevision: number, at: Date, rows: readonly NoticeRow[]): QueryConfig | undefined {
  // Changes of other kinds (statuses, groups, settings) make no event: nothing to write.
  if (!changes.some(mayMakeOutboxEvent)) return undefined;
  const notices = new Map<string, ItemNotice | null>(rows.map((r) => [r.item_id, toNotice(r)]));
  const events: OutboxEvent[] = [];
  changes.forEach((change, i) => {
    const key = noticeKey(change);
    const { event, notice } = deriveOutboxEvent(change, key === undefined ? undefined : (notices.get(key) ?? undefined));
    if (event) events.push(outboxEventAt(event, firstRevision + i, at));
    if (key !== undefined && notice !== undefined) notices.set(key, notice);
  });
  const kept = [...notices.values()].filter((n): n is ItemNotice => n !== null);
  const gone = [...notices.entries()].filter(([, n]) => n === null).map(([k]) => k);
  return {
    name: "statusthing_outbox_events",
    text: `WITH events AS (
       INSERT INTO outbox_events (revision, id, type, item_id, at, data)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
     ), gone AS (
       DELETE FROM outbox_item_notices WHERE item_id = ANY($7::text[])
     )
     INSERT INTO outbox_item_notices (item_id, name, status_id, status_name, status_color, status_kind)
     SELECT * FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::int[])
     ON CONFLICT (item_id) DO UPDATE SET name = excluded.name, status_id = excluded.status_id, status_name = excluded.status_name,
       status_color = excluded.status_color, status_kind = excluded.status_kind`,
    values: [
      events.map((e) => e.revision),
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.itemId ?? null),
      events.map((e) => e.at),
      events.map((e) => JSON.stringify(e.data)),
      gone,
      kept.map((n) => n.itemId),
      kept.map((n) => n.name),
      kept.map((n) => n.statusId),
      kept.map((n) => n.statusName),
      kept.map((n) => n.statusColor),
      kept.map((n) => n.statusKind),
    ],
  };
}

/**
 * The outbox in PostgreSQL: `PostgresStore.outbox`. Webhook edits go straight to the pool; several
 * replicas claim due webhooks with `FOR UPDATE SKIP LOCKED` and a lease, so each delivers to a
 * webhook only while no other does.
 */
export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly pool: Pool) {}

  async eventsAfter(afterRevision: number, limit: number): Promise<OutboxEvent[]> {
    return (await this.pool.query<OutboxEventRow>(Q.eventsAfter, [afterRevision, limit])).rows.map(toOutboxEvent);
  }

  async latestEventRevision(): Promise<number> {
    return Number((await this.pool.query<{ latest: string }>(Q.latestEvent)).rows[0]?.latest ?? 0);
  }

  async addWebhook(webhook: NewWebhook, audit?: AuditActor): Promise<WebhookRecord> {
    return withAuditRow(this.pool, audit, async (on) => {
      await on.query(Q.insertWebhook, webhookValues({ ...webhook, nextAttemptAt: webhook.created }, V));
      return this.mustRead(on, webhook.id);
    });
  }

  async updateWebhook(id: string, patch: WebhookPatch, audit?: AuditActor): Promise<WebhookRecord> {
    return auditedTransaction(this.pool, audit, async (client) => {
      const current = await this.mustRead(client, id, " FOR UPDATE");
      await client.query(Q.updateWebhook, webhookPatchValues(current, patch, V));
      return this.mustRead(client, id);
    });
  }

  async reenableWebhook(id: string, at: Date, audit?: AuditActor): Promise<WebhookRecord> {
    return withAuditRow(this.pool, audit, async (on) => {
      const { rowCount } = await on.query(Q.reenableWebhook, [true, at, at, id]);
      if (!rowCount) throw notFound("webhook", id);
      return this.mustRead(on, id);
    });
  }

  async deleteWebhook(id: string, audit?: AuditActor): Promise<void> {
    await withAuditRow(this.pool, audit, async (on) => {
      const { rowCount } = await on.query(Q.deleteWebhook, [id]);
      if (!rowCount) throw notFound("webhook", id);
    });
  }

  async getWebhook(id: string): Promise<WebhookRecord | undefined> {
    const [row] = (await this.pool.query<WebhookRow>(Q.getWebhook, [id])).rows;
    return row && toWebhook(row);
  }

  async listWebhooks(): Promise<WebhookRecord[]> {
    return (await this.pool.query<WebhookRow>(Q.listWebhooks)).rows.map(toWebhook);
  }

  async claimDueWebhooks(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<WebhookRecord[]> {
    // SKIP LOCKED: a replica claiming at the same moment takes other rows instead of waiting for these.
    const { rows } = await this.pool.query<WebhookRow>(
      `UPDATE webhooks SET lease_owner = $1, lease_until = $2 WHERE id IN (${numbered(OUTBOX_SQL.dueWebhooks).replace(/\$(\d)/g, (_, n: string) => `$${Number(n) + 2}`)} FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [owner, leaseUntil, true, now, now, limit],
    );
    return rows.map(toWebhook).sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime());
  }

  async recordProgress(id: string, owner: string, progress: WebhookProgress, deliveries: readonly DeliveryRecord[]): Promise<boolean> {
    return transaction(this.pool, async (client) => {
      const { rowCount } = await client.query(Q.progress, progressValues(id, owner, progress, V));
      if (!rowCount) return false;
      for (const delivery of deliveries) await client.query(Q.insertDelivery, deliveryValues(delivery, V));
      return true;
    });
  }

  async recordDelivery(delivery: DeliveryRecord, audit?: AuditActor): Promise<void> {
    await withAuditRow(this.pool, audit, (on) => on.query(Q.insertDelivery, deliveryValues(delivery, V)));
  }

  async listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]> {
    return (await this.pool.query<DeliveryRow>(Q.listDeliveries, [webhookId, limit])).rows.map(toDelivery);
  }

  async pruneOutbox(before: Date, keepDeliveries: number): Promise<number> {
    await this.pool.query(Q.pruneDeliveries, [keepDeliveries]);
    return (await this.pool.query(Q.pruneEvents, [before, true])).rowCount ?? 0;
  }

  private async mustRead(q: Pool | PoolClient, id: string, lock = ""): Promise<WebhookRecord> {
    const [row] = (await q.query<WebhookRow>(Q.getWebhook + lock, [id])).rows;
    if (!row) throw notFound("webhook", id);
    return toWebhook(row);
  }
}
