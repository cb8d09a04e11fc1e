import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  DeliverySchema,
  WebhookFormat as WireFormat,
  WebhookSchema,
  type Delivery,
  type Webhook,
  type WebhooksService as WebhooksApi,
} from "../../shared/gen/statusthing/v1/webhooks_pb.js";
import type { WebhooksService, WebhookView } from "../service/webhooks.js";
import type { DeliveryRecord, WebhookFormat } from "../store/outbox-store.js";
import { auditOf } from "./audit-interceptor.js";

const fromWireFormat = (format: WireFormat): WebhookFormat | undefined => (format === WireFormat.SLACK ? "slack" : format === WireFormat.STANDARD ? "standard" : undefined);

/** A webhook as sent: never its secrets. */
export function toWireWebhook(w: WebhookView): Webhook {
  return create(WebhookSchema, {
    id: w.id,
    url: w.url,
    description: w.description,
    events: w.events,
    itemIds: w.itemIds,
    format: w.format === "slack" ? WireFormat.SLACK : WireFormat.STANDARD,
    enabled: w.enabled,
    disabledReason: w.disabledReason,
    failingSince: w.failingSince && timestampFromDate(w.failingSince),
    nextAttemptAt: w.failingSince ? timestampFromDate(w.nextAttemptAt) : undefined,
    attempts: w.attempts,
    pending: w.pending,
    previousSecretExpiresAt: w.previousSecretUntil && w.previousSecretUntil > new Date() ? timestampFromDate(w.previousSecretUntil) : undefined,
    created: timestampFromDate(w.created),
    updated: timestampFromDate(w.updated),
  });
}

function toWireDelivery(d: DeliveryRecord): Delivery {
  return create(DeliverySchema, {
    id: d.id,
    eventId: d.eventId,
    eventType: d.eventType,
    at: timestampFromDate(d.at),
    attempt: d.attempt,
    statusCode: d.statusCode,
    durationMs: d.durationMs,
    error: d.error,
    ok: d.ok,
  });
}

/** `statusthing.v1.WebhooksService`: proto ⇄ domain for the webhooks service (admins only; see the permission table). */
export function createWebhooksRpc(webhooks: WebhooksService): ServiceImpl<typeof WebhooksApi> {
  return {
    async addWebhook(req, ctx) {
      const { webhook, secret } = await webhooks.add(
        {
          url: req.url,
          events: req.events,
          itemIds: req.itemIds,
          description: req.description,
          format: fromWireFormat(req.format),
        },
        auditOf(ctx),
      );
      return { webhook: toWireWebhook(webhook), secret };
    },
    async updateWebhook(req, ctx) {
      const { webhook, secret } = await webhooks.update(
        req.webhookId,
        {
          url: req.url,
          events: req.updateEvents ? req.events : undefined,
          itemIds: req.updateItemIds ? req.itemIds : undefined,
          description: req.description,
          format: fromWireFormat(req.format),
          enabled: req.enabled,
          rotateSecret: req.rotateSecret,
          rotationGraceSeconds: req.rotationGraceSeconds,
        },
        auditOf(ctx),
      );
      return { webhook: toWireWebhook(webhook), secret };
    },
    async deleteWebhook(req, ctx) {
      await webhooks.delete(req.webhookId, auditOf(ctx));
      return {};
    },
    async listWebhooks() {
      return { webhooks: (await webhooks.list()).map(toWireWebhook) };
    },
    async testWebhook(req, ctx) {
      return { delivery: toWireDelivery(await webhooks.test(req.webhookId, auditOf(ctx))) };
    },
    async listDeliveries(req) {
      return { deliveries: (await webhooks.deliveries(req.webhookId, req.pageSize)).map(toWireDelivery) };
    },
  };
}
