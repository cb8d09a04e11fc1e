import type { Database, Statement } from "better-sqlite3";
import { notFound } from "../../errors.js";
import type { LoggedChange } from "../change-codec.js";
import type { DeliveryRecord, NewWebhook, OutboxEvent, OutboxStore, WebhookPatch, WebhookProgress, WebhookRecord } from "../outbox-store.js";
import {
  deliveryValues,
  deriveOutboxEvent,
  eventValues,
  noticeKey,
  noticeValues,
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
  type NoticeRow,
  type OutboxEventRow,
  type WebhookRow,
} from "../sql/outbox.js";
import { SQLITE_VALUES as V } from "./dialect.js";
import type { WriteQueue } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** The outbox in SQLite: `SqliteStore.outbox`. Events are written by `record`, which the store calls where it appends a change to its log. */
export class SqliteOutboxStore implements OutboxStore {
  private readonly sql: { [K in keyof typeof OUTBOX_SQL]: Statement<unknown[], unknown> };

  constructor(
    private readonly db: Database,
    private readonly writes: () => WriteQueue,
  ) {
    this.sql = Object.fromEntries(Object.entries(OUTBOX_SQL).map(([name, text]) => [name, db.prepare(text)])) as typeof this.sql;
  }

  /** Writes the event `change` makes (if any) at `revision`; inside the change's own write. */
  record(change: LoggedChange, revision: number, at: Date): void {
    const key = noticeKey(change);
    const row = key === undefined ? undefined : (this.sql.getNotice.get(key) as NoticeRow | undefined);
    const { event, notice } = deriveOutboxEvent(change, row && toNotice(row));
    if (event) this.sql.insertEvent.run(...eventValues(outboxEventAt(event, revision, at), V));
    if (key === undefined) return;
    if (notice === null) this.sql.deleteNotice.run(key);
    else if (notice) this.sql.upsertNotice.run(...noticeValues(notice));
  }

  async eventsAfter(afterRevision: number, limit: number): Promise<OutboxEvent[]> {
    return (this.sql.eventsAfter.all(afterRevision, limit) as OutboxEventRow[]).map(toOutboxEvent);
  }

  async latestEventRevision(): Promise<number> {
    return Number((this.sql.latestEvent.get() as { latest: number }).latest);
  }

  addWebhook(webhook: NewWebhook, audit?: AuditActor): Promise<WebhookRecord> {
    return this.writes().run(() => {
      this.sql.insertWebhook.run(...webhookValues({ ...webhook, nextAttemptAt: webhook.created }, V));
      return this.mustRead(webhook.id);
    }, audit);
  }

  updateWebhook(id: string, patch: WebhookPatch, audit?: AuditActor): Promise<WebhookRecord> {
    return this.writes().run(() => {
      this.sql.updateWebhook.run(...webhookPatchValues(this.mustRead(id), patch, V));
      return this.mustRead(id);
    }, audit);
  }

  reenableWebhook(id: string, at: Date, audit?: AuditActor): Promise<WebhookRecord> {
    return this.writes().run(() => {
      if (this.sql.reenableWebhook.run(V.bool(true), V.time(at), V.time(at), id).changes === 0) throw notFound("webhook", id);
      return this.mustRead(id);
    }, audit);
  }

  deleteWebhook(id: string, audit?: AuditActor): Promise<void> {
    return this.writes().run(() => {
      this.sql.deleteDeliveriesOf.run(id);
      if (this.sql.deleteWebhook.run(id).changes === 0) throw notFound("webhook", id);
    }, audit);
  }

  async getWebhook(id: string): Promise<WebhookRecord | undefined> {
    const row = this.sql.getWebhook.get(id) as WebhookRow | undefined;
    return row && toWebhook(row);
  }

  async listWebhooks(): Promise<WebhookRecord[]> {
    return (this.sql.listWebhooks.all() as WebhookRow[]).map(toWebhook);
  }

  claimDueWebhooks(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<WebhookRecord[]> {
    // Asked after every commit: most of the time nothing is due, and a look costs no write (no fsync).
    if ((this.sql.dueWebhooks.all(V.bool(true), V.time(now), V.time(now), 1) as unknown[]).length === 0) return Promise.resolve([]);
    // One process writes this file: the write queue's transaction is the claim's lock.
    return this.writes().run(() => {
      const due = this.sql.dueWebhooks.all(V.bool(true), V.time(now), V.time(now), limit) as Array<{ id: string }>;
      return due.map(({ id }) => {
        this.sql.lease.run(owner, V.time(leaseUntil), id);
        return this.mustRead(id);
      });
    });
  }

  recordProgress(id: string, owner: string, progress: WebhookProgress, deliveries: readonly DeliveryRecord[]): Promise<boolean> {
    return this.writes().run(() => {
      if (this.sql.progress.run(...progressValues(id, owner, progress, V)).changes === 0) return false;
      for (const delivery of deliveries) this.sql.insertDelivery.run(...deliveryValues(delivery, V));
      return true;
    });
  }

  recordDelivery(delivery: DeliveryRecord, audit?: AuditActor): Promise<void> {
    return this.writes().run(() => {
      this.sql.insertDelivery.run(...deliveryValues(delivery, V));
    }, audit);
  }

  async listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]> {
    return (this.sql.listDeliveries.all(webhookId, limit) as DeliveryRow[]).map(toDelivery);
  }

  pruneOutbox(before: Date, keepDeliveries: number): Promise<number> {
    return this.writes().run(() => {
      this.sql.pruneDeliveries.run(keepDeliveries);
      return this.sql.pruneEvents.run(V.time(before), V.bool(true)).changes;
    });
  }

  private mustRead(id: string): WebhookRecord {
    const row = this.sql.getWebhook.get(id) as WebhookRow | undefined;
    if (!row) throw notFound("webhook", id);
    return toWebhook(row);
  }
}
