import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { URL_MAX } from "../../shared/limits.js";
import { invalidArgument, notFound, outboxNotKept, webhookAddressRefused } from "../errors.js";
import { newId } from "../ids.js";
import type { Store } from "../store/store.js";
import type { DeliveryRecord, OutboxStore, WebhookFormat, WebhookPatch, WebhookRecord } from "../store/outbox-store.js";
import { WEBHOOK_EVENT_TYPES } from "../store/outbox-store.js";
import { hostOf, refusedAddress } from "../webhooks/address-guard.js";
import { wants, type SendEvent } from "../webhooks/delivery-worker.js";
import { newWebhookSecret } from "../webhooks/signing.js";
import { checkDescription, requireId } from "./validate.js";
import type { AuditActor } from "../store/audit-context.js";

/** What AddWebhook asks for, as the RPC layer parsed it. */
export interface WebhookInput {
  url: string;
  events: readonly string[];
  itemIds: readonly string[];
  description: string;
  format: WebhookFormat | undefined;
}

/** What UpdateWebhook asks for: undefined fields stay. */
export interface WebhookChange {
  url?: string | undefined;
  events?: readonly string[] | undefined;
  itemIds?: readonly string[] | undefined;
  description?: string | undefined;
  format?: WebhookFormat | undefined;
  enabled?: boolean | undefined;
  rotateSecret: boolean;
  rotationGraceSeconds: number;
}

export const DEFAULT_ROTATION_GRACE_SECONDS = 86_400;
const MAX_ROTATION_GRACE_SECONDS = 7 * 86_400;
const MAX_ITEM_IDS = 200;
export const DEFAULT_DELIVERIES_PAGE = 50;
const MAX_DELIVERIES_PAGE = 200;
/** Attempts kept per webhook; older ones are pruned hourly. */
export const KEPT_DELIVERIES = 500;
/** How long an event every webhook is done with is kept. */
export const KEPT_EVENTS_DAYS = 7;

/** A webhook with the count of events waiting for it. */
export interface WebhookView extends WebhookRecord {
  pending: number;
}

/**
 * Webhooks: validation, secrets (made here, shown once), rotation with a grace period, the test
 * ping. Delivery itself is the worker's (webhooks/delivery-worker.ts), woken by `onChanged`.
 */
export class WebhooksService {
  constructor(
    private readonly deps: {
      store: Store;
      now: () => Date;
      /** `--allow-private-webhooks`: skip the address check. */
      allowPrivate: boolean;
      send: SendEvent;
      /** Called after a webhook was added, changed or re-enabled: the worker looks for work. */
      onChanged: () => void;
    },
  ) {}

  private get outbox(): OutboxStore {
    const outbox = this.deps.store.outbox;
    if (!outbox) throw outboxNotKept();
    return outbox;
  }

  /** Adds a webhook; returns it and its secret (the only time the secret leaves the server). */
  async add(input: WebhookInput, audit?: AuditActor): Promise<{ webhook: WebhookView; secret: string }> {
    const url = await this.checkUrl(input.url);
    const events = checkEvents(input.events);
    const itemIds = await this.checkItems(input.itemIds);
    const description = checkDescription("description", input.description).trim();
    const secret = newWebhookSecret();
    const now = this.deps.now();
    const added = await this.outbox.addWebhook(
      {
        id: newId(),
        url,
        description,
        events,
        itemIds,
        format: input.format ?? "standard",
        secret,
        previousSecret: undefined,
        previousSecretUntil: undefined,
        enabled: true,
        created: now,
        updated: now,
      },
      audit,
    );
    return { webhook: await this.view(added), secret };
  }

  /** Applies a change; returns the webhook and, when rotated, its new secret. */
  async update(id: string, change: WebhookChange, audit?: AuditActor): Promise<{ webhook: WebhookView; secret: string }> {
    const webhookId = requireId("webhook_id", id);
    const current = await this.outbox.getWebhook(webhookId);
    if (!current) throw notFound("webhook", webhookId);
    const patch: WebhookPatch = { updated: this.deps.now() };
    if (change.url !== undefined) patch.url = await this.checkUrl(change.url);
    if (change.events !== undefined) patch.events = checkEvents(change.events);
    if (change.itemIds !== undefined) patch.itemIds = await this.checkItems(change.itemIds);
    if (change.description !== undefined) patch.description = checkDescription("description", change.description).trim();
    if (change.format !== undefined) patch.format = change.format;
    if (change.rotationGraceSeconds > MAX_ROTATION_GRACE_SECONDS) throw invalidArgument("rotation_grace_seconds", `must be at most ${MAX_ROTATION_GRACE_SECONDS} (7 days)`);
    if (change.rotationGraceSeconds > 0 && !change.rotateSecret) throw invalidArgument("rotation_grace_seconds", "is only used with rotate_secret");
    let secret = "";
    if (change.rotateSecret) {
      secret = newWebhookSecret();
      const grace = (change.rotationGraceSeconds || DEFAULT_ROTATION_GRACE_SECONDS) * 1000;
      Object.assign(patch, { secret, previousSecret: current.secret, previousSecretUntil: new Date(patch.updated.getTime() + grace) });
    }
    const enabling = change.enabled === true && (!current.enabled || current.failingSince !== undefined);
    if (change.enabled === false) patch.enabled = false;
    const hasChange = Object.keys(patch).length > 1 || change.enabled !== undefined;
    if (!hasChange) throw invalidArgument("webhook_id", "nothing to change: set a field, enabled or rotate_secret");
    let updated = await this.outbox.updateWebhook(webhookId, patch, audit);
    // Resuming forgets the failures and tries again now, from where it stopped.
    if (enabling) updated = await this.outbox.reenableWebhook(webhookId, patch.updated, audit);
    this.deps.onChanged();
    return { webhook: await this.view(updated), secret };
  }

  async delete(id: string, audit?: AuditActor): Promise<void> {
    await this.outbox.deleteWebhook(requireId("webhook_id", id), audit);
  }

  async list(): Promise<WebhookView[]> {
    return Promise.all((await this.outbox.listWebhooks()).map((w) => this.view(w)));
  }

  /** Sends a signed `ping` now, outside the queue (it does not disturb the order of real events), and records the attempt. */
  async test(id: string, audit?: AuditActor): Promise<DeliveryRecord> {
    const webhookId = requireId("webhook_id", id);
    const webhook = await this.outbox.getWebhook(webhookId);
    if (!webhook) throw notFound("webhook", webhookId);
    const at = this.deps.now();
    const event = { id: newId(), type: "ping", at, data: { webhook: { id: webhook.id, description: webhook.description } } };
    const outcome = await this.deps.send(webhook, event);
    const delivery: DeliveryRecord = { id: newId(), webhookId, eventId: event.id, eventType: "ping", at, attempt: 1, ...outcome, ok: outcome.error === "" };
    await this.outbox.recordDelivery(delivery, audit);
    return delivery;
  }

  async deliveries(id: string, pageSize: number): Promise<DeliveryRecord[]> {
    const webhookId = requireId("webhook_id", id);
    if (pageSize > MAX_DELIVERIES_PAGE) throw invalidArgument("page_size", `must be at most ${MAX_DELIVERIES_PAGE}`);
    if (!(await this.outbox.getWebhook(webhookId))) throw notFound("webhook", webhookId);
    return this.outbox.listDeliveries(webhookId, pageSize || DEFAULT_DELIVERIES_PAGE);
  }

  /** Drops events every webhook is done with (after a week) and old attempts. */
  async prune(): Promise<number> {
    if (!this.deps.store.outbox) return 0;
    return this.outbox.pruneOutbox(new Date(this.deps.now().getTime() - KEPT_EVENTS_DAYS * 86_400_000), KEPT_DELIVERIES);
  }

  private async view(webhook: WebhookRecord): Promise<WebhookView> {
    const pending = (await this.outbox.eventsAfter(webhook.cursor, 1000)).filter((e) => wants(webhook, e)).length;
    return { ...webhook, pending };
  }

  /** An http(s) URL, at most 2,000 characters, whose host is public (unless --allow-private-webhooks). */
  private async checkUrl(value: string): Promise<string> {
    const text = value.trim();
    if (text === "") throw invalidArgument("url", "is required");
    if (text.length > URL_MAX) throw invalidArgument("url", `must be at most ${URL_MAX} characters`);
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw invalidArgument("url", "is not a valid URL");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw invalidArgument("url", "must be an http or https URL");
    if (this.deps.allowPrivate) return url.toString();
    const host = hostOf(url);
    // Checked now for a clear answer; checked again at every connection (a name can be rebound).
    const addresses = isIP(host)
      ? [host]
      : await lookup(host, { all: true }).then(
          (found) => found.map((a) => a.address),
          () => [],
        );
    for (const address of addresses) {
      const refused = refusedAddress(address);
      if (refused) throw webhookAddressRefused(isIP(host) ? refused : `${host} resolves to ${refused}`);
    }
    return url.toString();
  }

  private async checkItems(values: readonly string[]): Promise<string[]> {
    const ids = [...new Set(values.map((v) => v.trim()).filter((v) => v !== ""))];
    if (ids.length > MAX_ITEM_IDS) throw invalidArgument("item_ids", `at most ${MAX_ITEM_IDS}`);
    for (const id of ids) if (!(await this.deps.store.getItem(id, false))) throw notFound("item", id);
    return ids;
  }
}

/** Known event types, each once; empty means all. */
function checkEvents(values: readonly string[]): string[] {
  const events = [...new Set(values.map((v) => v.trim()))];
  for (const event of events) {
    if (!WEBHOOK_EVENT_TYPES.includes(event)) throw invalidArgument("events", `unknown event ${JSON.stringify(event.slice(0, 60))}; known: ${WEBHOOK_EVENT_TYPES.join(", ")}`);
  }
  return events;
}
