/** The outbox of the in-memory example store: events in an array, webhooks and deliveries in maps. */
import {
  deriveOutboxEvent,
  noticeKey,
  notFound,
  type DeliveryRecord,
  type ItemNotice,
  type NewWebhook,
  type OutboxEvent,
  type OutboxStore,
  type WebhookPatch,
  type WebhookProgress,
  type WebhookRecord,
} from "../../server/index.js";
import type { LoggedChange } from "../../server/store/change-codec.js";
import { newId } from "../../server/ids.js";

interface Lease {
  owner: string;
  until: Date;
}

/** What the outbox keeps; part of MemoryData, so it outlives a store like a database would. */
export class OutboxData {
  events: OutboxEvent[] = [];
  readonly notices = new Map<string, ItemNotice>();
  readonly webhooks = new Map<string, WebhookRecord>();
  readonly leases = new Map<string, Lease>();
  deliveries: DeliveryRecord[] = [];
}

/** `Store.outbox` over maps. Each method runs to its end without awaiting, so each is atomic. */
export class MemoryOutbox implements OutboxStore {
  constructor(private readonly data: OutboxData) {}

  /** Writes the event a change makes; the store calls it inside the write, after logging the change. */
  record(change: LoggedChange, revision: number, at: Date): void {
    // Item events are told apart by what was last told of the item; incident and maintenance ones need none.
    const key = noticeKey(change);
    const { event, notice } = deriveOutboxEvent(change, key === undefined ? undefined : this.data.notices.get(key));
    if (event) this.data.events.push({ revision, id: newId(), type: event.type, itemId: event.itemId, at, data: event.data });
    if (key === undefined) return;
    if (notice === null) this.data.notices.delete(key);
    else if (notice) this.data.notices.set(key, notice);
  }

  async eventsAfter(afterRevision: number, limit: number): Promise<OutboxEvent[]> {
    return this.data.events.filter((e) => e.revision > afterRevision).slice(0, limit);
  }
  async latestEventRevision(): Promise<number> {
    return this.data.events.at(-1)?.revision ?? 0;
  }
  async addWebhook(webhook: NewWebhook): Promise<WebhookRecord> {
    const record: WebhookRecord = {
      ...webhook,
      cursor: await this.latestEventRevision(),
      attempts: 0,
      nextAttemptAt: webhook.created,
      failingSince: undefined,
      disabledReason: "",
    };
    this.data.webhooks.set(record.id, record);
    return { ...record };
  }
  async updateWebhook(id: string, patch: WebhookPatch): Promise<WebhookRecord> {
    const current = this.mustGet(id);
    const defined = Object.fromEntries(Object.entries(patch).filter(([key, value]) => value !== undefined || key.startsWith("previous")));
    const next = { ...current, ...defined };
    this.data.webhooks.set(id, next);
    return { ...next };
  }
  async reenableWebhook(id: string, at: Date): Promise<WebhookRecord> {
    const next = { ...this.mustGet(id), enabled: true, disabledReason: "", attempts: 0, failingSince: undefined, nextAttemptAt: at, updated: at };
    this.data.webhooks.set(id, next);
    return { ...next };
  }
  async deleteWebhook(id: string): Promise<void> {
    this.mustGet(id);
    this.data.webhooks.delete(id);
    this.data.leases.delete(id);
    this.data.deliveries = this.data.deliveries.filter((d) => d.webhookId !== id);
  }
  async getWebhook(id: string): Promise<WebhookRecord | undefined> {
    const found = this.data.webhooks.get(id);
    return found && { ...found };
  }
  async listWebhooks(): Promise<WebhookRecord[]> {
    return [...this.data.webhooks.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map((w) => ({ ...w }));
  }
  async claimDueWebhooks(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<WebhookRecord[]> {
    const latest = await this.latestEventRevision();
    const due = [...this.data.webhooks.values()]
      .filter((w) => w.enabled && w.nextAttemptAt <= now && w.cursor < latest)
      .filter((w) => {
        const lease = this.data.leases.get(w.id);
        return !lease || lease.until < now;
      })
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
      .slice(0, limit);
    for (const w of due) this.data.leases.set(w.id, { owner, until: leaseUntil });
    return due.map((w) => ({ ...w }));
  }
  async recordProgress(id: string, owner: string, progress: WebhookProgress, deliveries: readonly DeliveryRecord[]): Promise<boolean> {
    const current = this.data.webhooks.get(id);
    if (!current || this.data.leases.get(id)?.owner !== owner) return false;
    const { cursor, attempts, nextAttemptAt, failingSince } = progress;
    const disabled = progress.disabledReason === undefined ? {} : { enabled: false, disabledReason: progress.disabledReason };
    this.data.webhooks.set(id, { ...current, cursor, attempts, nextAttemptAt, failingSince, ...disabled });
    if (progress.leaseUntil) this.data.leases.set(id, { owner, until: progress.leaseUntil });
    else this.data.leases.delete(id);
    for (const delivery of deliveries) this.data.deliveries.push({ ...delivery });
    return true;
  }
  async recordDelivery(delivery: DeliveryRecord): Promise<void> {
    this.data.deliveries.push({ ...delivery });
  }
  async listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]> {
    return this.data.deliveries
      .filter((d) => d.webhookId === webhookId)
      .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1))
      .slice(0, limit);
  }
  async pruneOutbox(before: Date, keepDeliveries: number): Promise<number> {
    const kept = new Set<string>();
    for (const w of this.data.webhooks.values()) for (const d of await this.listDeliveries(w.id, keepDeliveries)) kept.add(d.id);
    this.data.deliveries = this.data.deliveries.filter((d) => kept.has(d.id));
    const cursors = [...this.data.webhooks.values()].filter((w) => w.enabled).map((w) => w.cursor);
    const done = cursors.length ? Math.min(...cursors) : Number.MAX_SAFE_INTEGER;
    const count = this.data.events.length;
    this.data.events = this.data.events.filter((e) => !(e.at < before && e.revision <= done));
    return count - this.data.events.length;
  }

  private mustGet(id: string): WebhookRecord {
    const found = this.data.webhooks.get(id);
    if (!found) throw notFound("webhook", id);
    return found;
  }
}
