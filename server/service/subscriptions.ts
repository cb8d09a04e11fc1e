import { createHash, randomBytes } from "node:crypto";
import { emailNotConfigured, invalidArgument, notFound, subscribeThrottled, subscriptionLinkExpired } from "../errors.js";
import { newId } from "../ids.js";
import { checkEmail } from "../mail/address.js";
import type { ClientThrottle } from "../mail/client-throttle.js";
import { renderConfirmation, type MailContext } from "../mail/mail-render.js";
import type { MailStore, SubscriberPage } from "../store/mail-store.js";
import type { Store } from "../store/store.js";
import { requireId } from "./validate.js";
import type { AuditActor } from "../store/audit-context.js";

/** How long a confirmation link works. */
export const CONFIRM_TTL_MS = 24 * 3_600_000;
/** At most one confirmation mail per address in this long… */
export const CONFIRM_MIN_INTERVAL_MS = 10 * 60_000;
/** …and at most this many per address per 24 hours. */
export const CONFIRM_DAILY_CAP = 5;
const MAX_ITEM_IDS = 200;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;
/** Tokens are 32 random bytes, base64url: 43 characters. Anything much longer is not one. */
const TOKEN_MAX = 100;

/** A random token of 256 bits, URL-safe. */
const newToken = () => randomBytes(32).toString("base64url");
const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

/**
 * Email subscriptions: double opt-in, per-client and per-address throttles, unsubscribe, and the
 * admins' list. Mail goes out through the store's queue (the MailWorker sends it); with no mail
 * settings (`mail` undefined) every call but `offered` is EMAIL_NOT_CONFIGURED.
 */
export class SubscriptionsService {
  constructor(
    private readonly deps: {
      store: Store;
      now: () => Date;
      /** The store's mail part, when the server sends mail (--smtp-url); undefined otherwise. */
      mail: MailStore | undefined;
      /** Where links point and the page's name. */
      context: () => Promise<MailContext>;
      clientThrottle: ClientThrottle;
      /** Called after a mail was queued: the worker sends it. */
      onQueued: () => void;
    },
  ) {}

  /** Whether the page offers subscriptions. */
  get offered(): boolean {
    return this.deps.mail !== undefined;
  }

  private get mail(): MailStore {
    if (!this.deps.mail) throw emailNotConfigured();
    return this.deps.mail;
  }

  /**
   * Queues a confirmation mail for `email` (new, pending or confirmed alike: the answer never
   * says which). Throttled per client address, then per address, with SUBSCRIBE_THROTTLED.
   */
  async subscribe(emailInput: string, itemIdsInput: readonly string[], clientAddress: string): Promise<void> {
    const mail = this.mail;
    const email = checkEmail(emailInput);
    const wait = this.deps.clientThrottle.take(clientAddress);
    if (wait > 0) throw subscribeThrottled(wait);
    const itemIds = await this.checkItems(itemIdsInput);
    const token = newToken();
    const now = this.deps.now();
    const context = await this.deps.context();
    const { retryAt } = await mail.requestConfirmation({
      id: newId(),
      email,
      itemIds,
      tokenHash: hashToken(token),
      expiresAt: new Date(now.getTime() + CONFIRM_TTL_MS),
      unsubscribeToken: newToken(),
      now,
      minIntervalMs: CONFIRM_MIN_INTERVAL_MS,
      dailyCap: CONFIRM_DAILY_CAP,
      render: (subscriber) => renderConfirmation(context, { ...subscriber, itemIds }, token, newId()),
    });
    if (retryAt) throw subscribeThrottled(Math.max(1, Math.ceil((retryAt.getTime() - now.getTime()) / 1000)));
    this.deps.onQueued();
  }

  /** Confirms with the link's token; returns the items subscribed to (empty: the whole page). */
  async confirm(tokenInput: string): Promise<string[]> {
    const mail = this.mail;
    const token = tokenInput.trim();
    if (token === "" || token.length > TOKEN_MAX) throw subscriptionLinkExpired();
    const subscriber = await mail.confirm(hashToken(token), this.deps.now());
    if (!subscriber) throw subscriptionLinkExpired();
    return subscriber.itemIds;
  }

  /** Removes the subscription the token belongs to; an unknown token (already unsubscribed) succeeds too. */
  async unsubscribe(tokenInput: string): Promise<void> {
    const mail = this.mail;
    const token = tokenInput.trim();
    if (token === "") throw invalidArgument("token", "is required");
    if (token.length > TOKEN_MAX) return;
    await mail.unsubscribe(token);
  }

  /** One page of subscribers, newest first; `nextPageToken` continues it ("" on the last page). */
  async list(query: string, pageSize: number, pageToken: string): Promise<SubscriberPage & { nextPageToken: string }> {
    const mail = this.mail;
    if (pageSize > MAX_PAGE_SIZE) throw invalidArgument("page_size", `must be at most ${MAX_PAGE_SIZE}`);
    if (query.length > 254) throw invalidArgument("query", "must be at most 254 characters");
    let after: { created: Date; id: string } | undefined;
    if (pageToken.trim() !== "") {
      const match = /^(\d{1,15})\.([0-9A-Za-z]{1,40})$/.exec(pageToken.trim());
      if (!match) throw invalidArgument("page_token", "is not one this server gave");
      after = { created: new Date(Number(match[1])), id: match[2]! };
    }
    const page = await mail.listSubscribers(query, pageSize || DEFAULT_PAGE_SIZE, after);
    return { ...page, nextPageToken: page.nextAfter ? `${page.nextAfter.created.getTime()}.${page.nextAfter.id}` : "" };
  }

  async remove(idInput: string, audit?: AuditActor): Promise<void> {
    const id = requireId("id", idInput);
    if (!(await this.mail.removeSubscriber(id, audit))) throw notFound("subscriber", id);
  }

  /** Drops addresses that never confirmed, a day after their link expired. */
  async prune(): Promise<number> {
    if (!this.deps.mail) return 0;
    return this.deps.mail.pruneUnconfirmed(new Date(this.deps.now().getTime() - 86_400_000));
  }

  private async checkItems(values: readonly string[]): Promise<string[]> {
    const ids = [...new Set(values.map((v) => v.trim()).filter((v) => v !== ""))];
    if (ids.length > MAX_ITEM_IDS) throw invalidArgument("item_ids", `at most ${MAX_ITEM_IDS}`);
    for (const id of ids) if (!(await this.deps.store.getItem(id, false))) throw notFound("item", id);
    return ids;
  }
}
