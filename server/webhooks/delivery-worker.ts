import { newId } from "../ids.js";
import type { Logger } from "../logger.js";
import type { LoggedChange } from "../store/change-codec.js";
import type { DeliveryRecord, OutboxEvent, OutboxStore, WebhookRecord } from "../store/outbox-store.js";
import { mayMakeOutboxEvent } from "../store/sql/outbox.js";
import { DISABLE_AFTER_MS, retryDelayMs } from "./retry-schedule.js";

/** Sends one event to one webhook (see webhook-sender.ts); resolves with how it went, never rejects. */
export type SendEvent = (webhook: WebhookRecord, event: Pick<OutboxEvent, "id" | "type" | "at" | "data">) => Promise<{ statusCode: number; durationMs: number; error: string }>;

/** Tuning for tests and the curious; the defaults are the product's. */
export interface DeliveryWorkerSettings {
  /** How long a claim lasts without progress (default 30 s); a crashed replica's webhooks wait this long. */
  leaseMs?: number;
  /** How often due retries and other replicas' events are looked for without a commit here (default 2 s). */
  pollMs?: number;
  /** Webhooks worked at once (default 8): one hanging receiver holds only its own. */
  concurrency?: number;
  /** The delay after the n-th failure in a row (default: retry-schedule.ts). */
  retryDelayMs?: (failures: number) => number;
  /** How long a webhook may fail before it is disabled (default 24 h). */
  disableAfterMs?: number;
  /** One request's deadline (default 10 s; read by the sender, see app.ts). */
  timeoutMs?: number;
}

/**
 * The items an event is about: its item, or an incident's or maintenance window's `item_ids`;
 * undefined for an event about no item in particular.
 */
export function eventItemIds(event: Pick<OutboxEvent, "itemId"> & { data?: OutboxEvent["data"] }): readonly string[] | undefined {
  if (event.itemId !== undefined) return [event.itemId];
  const record = (event.data?.incident ?? event.data?.maintenance) as { item_ids?: unknown } | undefined;
  const ids = record?.item_ids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : undefined;
}

/**
 * Whether `webhook` wants `event`: its event types and items. A webhook limited to items gets an
 * incident or maintenance event when the record's items meet its own (one affecting no item: not);
 * other page-wide events pass the item filter.
 */
export function wants(webhook: Pick<WebhookRecord, "events" | "itemIds">, event: Pick<OutboxEvent, "type" | "itemId"> & { data?: OutboxEvent["data"] }): boolean {
  if (webhook.events.length > 0 && !webhook.events.includes(event.type)) return false;
  if (webhook.itemIds.length === 0) return true;
  const about = eventItemIds(event);
  return about === undefined || about.some((id) => webhook.itemIds.includes(id));
}

/**
 * Works the outbox after commit: claims due webhooks (a lease in the database, so with several
 * replicas one works each webhook at a time), sends each its events in revision order, and moves
 * its cursor past each one delivered. A failure stops that webhook (order is kept) until its next
 * attempt, after growing, jittered delays; a webhook failing for 24 h is disabled. Nothing here
 * runs inside a write: `poke` only schedules.
 */
export class DeliveryWorker {
  /** This process's name on its leases. */
  readonly owner = newId();
  private readonly inFlight = new Set<string>();
  private claiming = false;
  private again = false;
  private stopped = false;
  private readonly timer: NodeJS.Timeout;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly delay: (failures: number) => number;
  private readonly disableAfterMs: number;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly outbox: OutboxStore,
    private readonly send: SendEvent,
    private readonly now: () => Date,
    private readonly log: Logger,
    settings: DeliveryWorkerSettings = {},
  ) {
    this.leaseMs = settings.leaseMs ?? 30_000;
    this.concurrency = settings.concurrency ?? 8;
    this.delay = settings.retryDelayMs ?? retryDelayMs;
    this.disableAfterMs = settings.disableAfterMs ?? DISABLE_AFTER_MS;
    this.timer = setInterval(() => this.poke(), settings.pollMs ?? 2_000).unref();
  }

  /** Looks for work soon (after a commit, or a webhook's change); never waits for it. */
  poke(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = true;
    setImmediate(() => void this.claim());
  }

  /**
   * After a commit in this process, with the changes it logged: looks for work (see poke) unless
   * none of them can have made an outbox event (a status edited, a group moved, the settings): then
   * nothing new is due. Retries that come due are found by the poll, as between commits.
   */
  committed(changes: ReadonlyArray<Pick<LoggedChange, "kind">>): void {
    if (changes.some(mayMakeOutboxEvent)) this.poke();
  }

  /** Stops claiming and waits for the deliveries in flight (each ends within its timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.inFlight.size > 0 || this.claiming) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  private settleIdle(): void {
    if (this.inFlight.size > 0 || this.claiming) return;
    for (const resolve of this.idle) resolve();
    this.idle.clear();
  }

  private async claim(): Promise<void> {
    try {
      do {
        this.again = false;
        const room = this.concurrency - this.inFlight.size;
        if (room <= 0 || this.stopped) break;
        const now = this.now();
        const claimed = await this.outbox.claimDueWebhooks(this.owner, now, new Date(now.getTime() + this.leaseMs), room);
        for (const webhook of claimed) {
          this.inFlight.add(webhook.id);
          void this.work(webhook).finally(() => {
            this.inFlight.delete(webhook.id);
            this.settleIdle();
            // It may have more to send, or another may now fit.
            this.poke();
          });
        }
      } while (this.again);
    } catch (error) {
      if (!this.stopped) this.log.warn({ err: error }, "claiming webhooks to deliver to failed; trying again shortly");
    } finally {
      this.claiming = false;
      this.settleIdle();
    }
  }

  /**
   * Sends `webhook` its events after its cursor, in order, until one fails or none is left (a
   * page at a time). Progress is written in batches (every 50 deliveries or half a second, and
   * at the end), not per delivery: the store's writer is shared with the page's own writes. A
   * crash between a delivery and its batch sends that event again, which at-least-once allows.
   */
  private async work(webhook: WebhookRecord): Promise<void> {
    let cursor = webhook.cursor;
    let recorded: DeliveryRecord[] = [];
    let lastFlush = performance.now();
    const now = () => this.now();
    const lease = () => new Date(now().getTime() + this.leaseMs);
    /** Writes the cursor and attempts so far; false when the lease is gone (another replica carries on from the cursor). */
    const flush = async (release: boolean): Promise<boolean> => {
      const kept = await this.outbox.recordProgress(
        webhook.id,
        this.owner,
        { cursor, attempts: 0, nextAttemptAt: now(), failingSince: undefined, leaseUntil: release ? undefined : lease() },
        recorded,
      );
      recorded = [];
      lastFlush = performance.now();
      return kept;
    };
    try {
      const events = await this.outbox.eventsAfter(cursor, 100);
      for (const event of events) {
        if (this.stopped) break;
        if (!wants(webhook, event)) {
          cursor = event.revision;
          continue;
        }
        const attempt = webhook.attempts + 1;
        const at = now();
        const outcome = await this.send(webhook, event);
        const delivery: DeliveryRecord = {
          id: newId(),
          webhookId: webhook.id,
          eventId: event.id,
          eventType: event.type,
          at,
          attempt,
          statusCode: outcome.statusCode,
          durationMs: outcome.durationMs,
          error: outcome.error,
          ok: outcome.error === "",
        };
        recorded.push(delivery);
        if (delivery.ok) {
          cursor = event.revision;
          webhook = { ...webhook, attempts: 0, failingSince: undefined };
          if ((recorded.length >= 50 || performance.now() - lastFlush > 500) && !(await flush(false))) return;
          continue;
        }
        const failingSince = webhook.failingSince ?? at;
        const disable = now().getTime() - failingSince.getTime() >= this.disableAfterMs;
        await this.outbox.recordProgress(
          webhook.id,
          this.owner,
          {
            cursor,
            attempts: attempt,
            nextAttemptAt: new Date(now().getTime() + this.delay(attempt)),
            failingSince,
            ...(disable && { disabledReason: `deliveries failed for ${Math.round(this.disableAfterMs / 3_600_000)} hours (last: ${outcome.error})` }),
            leaseUntil: undefined,
          },
          recorded,
        );
        if (disable) this.log.warn({ webhook: webhook.id, url: webhook.url }, "webhook disabled: its deliveries failed for 24 hours");
        return;
      }
      if (webhook.attempts > 0 || webhook.failingSince) {
        // Only skipped events (none it wanted) while failing: keep the failure state as it was.
        await this.outbox.recordProgress(
          webhook.id,
          this.owner,
          { cursor, attempts: webhook.attempts, nextAttemptAt: now(), failingSince: webhook.failingSince, leaseUntil: undefined },
          recorded,
        );
        return;
      }
      await flush(true);
    } catch (error) {
      // The lease runs out by itself, and the webhook is taken up again from its cursor.
      if (!this.stopped) this.log.warn({ err: error, webhook: webhook.id }, "delivering to a webhook failed");
    }
  }
}
