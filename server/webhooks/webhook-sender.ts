import type { WebhookRecord } from "../store/outbox-store.js";
import type { SendEvent } from "./delivery-worker.js";
import { postWebhook } from "./http-post.js";
import { webhookBody } from "./payload.js";
import { signedHeaders } from "./signing.js";

/** The secrets a message to `webhook` is signed with at `now`: the current one, and the previous one during its grace period. */
export function signingSecrets(webhook: Pick<WebhookRecord, "secret" | "previousSecret" | "previousSecretUntil">, now: Date): string[] {
  const previous = webhook.previousSecret && webhook.previousSecretUntil && webhook.previousSecretUntil > now ? [webhook.previousSecret] : [];
  return [webhook.secret, ...previous];
}

/** Sends events as signed HTTP POSTs (see http-post.ts for the limits). */
export function createWebhookSender(options: { allowPrivate: boolean; now: () => Date; timeoutMs?: number }): SendEvent {
  return (webhook, event) => {
    const now = options.now();
    const body = webhookBody(event, webhook.format);
    const headers = signedHeaders(event.id, now, body, signingSecrets(webhook, now));
    return postWebhook(webhook.url, body, headers, { allowPrivate: options.allowPrivate, ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }) });
  };
}
