import type { AuditActor } from "./audit-context.js";
/**
 * The outbox: notifications to send, written by the store in the same transaction as the change
 * that causes them, and the webhooks (destinations) that read it. Each webhook keeps a cursor
 * (the revision of the last event it is done with), so delivery is ordered per destination and
 * resumes where it stopped after a restart; a lease on the webhook row lets one replica at a time
 * deliver to it.
 */

/** The events items and their notes make (see `deriveOutboxEvent`). */
export const ITEM_EVENT_TYPES = ["item.status_changed", "item.added", "item.removed", "note.added", "note.updated"] as const;

/** The page-wide events incidents and maintenance windows make (see `deriveOutboxEvent`). */
export const INCIDENT_EVENT_TYPES = ["incident.created", "incident.updated", "incident.resolved", "maintenance.scheduled", "maintenance.started", "maintenance.ended"] as const;

/** Every event type a webhook may ask for. */
export const WEBHOOK_EVENT_TYPES: readonly string[] = [...ITEM_EVENT_TYPES, ...INCIDENT_EVENT_TYPES];

/** One notification in the outbox. `id` is stable: a receiver dedupes by it. */
export interface OutboxEvent {
  /** The revision of the change that caused it: events are ordered by it. */
  revision: number;
  /** A KSUID, the Standard Webhooks `webhook-id`. */
  id: string;
  type: string;
  /** The item it is about, for webhooks limited to items; undefined for page-wide events. */
  itemId: string | undefined;
  at: Date;
  /** The event's `data`, plain JSON (see README, Webhooks). */
  data: Record<string, unknown>;
}

/** How a webhook's body is shaped: a Standard Webhooks JSON event, or a Slack/Mattermost `{"text": …}`. */
export type WebhookFormat = "standard" | "slack";

/** A webhook as stored, secrets included (never sent to a client but once, when made). */
export interface WebhookRecord {
  id: string;
  url: string;
  description: string;
  /** Event types it wants; empty means all. */
  events: string[];
  /** Items it wants; empty means all (page-wide events always). */
  itemIds: string[];
  format: WebhookFormat;
  /** `whsec_…`. */
  secret: string;
  /** The secret before the last rotation, still signed with until `previousSecretUntil`. */
  previousSecret: string | undefined;
  previousSecretUntil: Date | undefined;
  enabled: boolean;
  /** Why it was disabled by the worker (failing for 24 h); "" otherwise. */
  disabledReason: string;
  /** The revision of the last event it is done with (delivered or not for it). */
  cursor: number;
  /** Failed attempts at the event after the cursor. */
  attempts: number;
  /** When the next attempt is due. */
  nextAttemptAt: Date;
  /** Since when deliveries have failed without a success in between. */
  failingSince: Date | undefined;
  created: Date;
  updated: Date;
}

/** A new webhook: the store starts its cursor at the newest event, so it gets only what comes after. */
export type NewWebhook = Omit<WebhookRecord, "cursor" | "attempts" | "nextAttemptAt" | "failingSince" | "disabledReason">;

/** An edit by an admin; undefined fields stay. `reenable` clears failures and makes it due now. */
export interface WebhookPatch {
  url?: string;
  description?: string;
  events?: string[];
  itemIds?: string[];
  format?: WebhookFormat;
  enabled?: boolean;
  secret?: string;
  previousSecret?: string | undefined;
  previousSecretUntil?: Date | undefined;
  updated: Date;
}

/** One delivery attempt, as ListDeliveries shows it. */
export interface DeliveryRecord {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  at: Date;
  /** 1 for the first try of this event at this webhook. */
  attempt: number;
  /** The HTTP status, 0 when there was none (refused, timed out, unreachable). */
  statusCode: number;
  durationMs: number;
  /** "" on success. */
  error: string;
  ok: boolean;
}

/** What a worker writes back after working a claimed webhook; only if it still holds the lease. */
export interface WebhookProgress {
  cursor: number;
  attempts: number;
  nextAttemptAt: Date;
  failingSince: Date | undefined;
  /** Set to disable the webhook, with the reason. */
  disabledReason?: string;
  /** Extend the lease to this time (still working), or undefined to release it. */
  leaseUntil: Date | undefined;
}

/** The part of the store contract that keeps the outbox and the webhooks. */
export interface OutboxStore {
  /** Events with revision > `afterRevision`, oldest first, at most `limit`. */
  eventsAfter(afterRevision: number, limit: number): Promise<OutboxEvent[]>;
  /** The newest event's revision (0 when none). */
  latestEventRevision(): Promise<number>;

  addWebhook(webhook: NewWebhook, audit?: AuditActor): Promise<WebhookRecord>;
  /** Throws not_found. */
  updateWebhook(id: string, patch: WebhookPatch, audit?: AuditActor): Promise<WebhookRecord>;
  /** Makes a disabled or failing webhook due now, its failures forgotten (its cursor stays). Throws not_found. */
  reenableWebhook(id: string, at: Date, audit?: AuditActor): Promise<WebhookRecord>;
  /** Deletes it with its deliveries. Throws not_found. */
  deleteWebhook(id: string, audit?: AuditActor): Promise<void>;
  getWebhook(id: string): Promise<WebhookRecord | undefined>;
  /** In creation order. */
  listWebhooks(): Promise<WebhookRecord[]>;

  /**
   * Leases up to `limit` webhooks that are enabled, due at `now`, not leased by anyone (or whose
   * lease ran out) and have events after their cursor, to `owner` until `leaseUntil`. Across
   * processes sharing the store, a webhook is leased to one at a time.
   */
  claimDueWebhooks(owner: string, now: Date, leaseUntil: Date, limit: number): Promise<WebhookRecord[]>;
  /**
   * Writes a worker's progress (and the attempts it made since its last progress) when `owner`
   * still holds the lease; returns false, writing nothing, when it does not (lost, or the webhook
   * was deleted).
   */
  recordProgress(id: string, owner: string, progress: WebhookProgress, deliveries: readonly DeliveryRecord[]): Promise<boolean>;
  /** Records an attempt outside the queue (TestWebhook's ping). */
  recordDelivery(delivery: DeliveryRecord, audit?: AuditActor): Promise<void>;
  /** A webhook's attempts, newest first, at most `limit`. */
  listDeliveries(webhookId: string, limit: number): Promise<DeliveryRecord[]>;
  /**
   * Deletes events older than `before` that every enabled webhook (and the mail cursor, see MailStore) is done with, and each
   * webhook's attempts beyond its newest `keepDeliveries`. Returns how many events went.
   */
  pruneOutbox(before: Date, keepDeliveries: number): Promise<number>;
}
