import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { SubscriberSchema, type Subscriber, type SubscriptionsService as SubscriptionsApi } from "../../shared/gen/statusthing/v1/subscriptions_pb.js";
import { requestAuthKey } from "../auth/principal.js";
import type { SubscriptionsService } from "../service/subscriptions.js";
import type { SubscriberRecord } from "../store/mail-store.js";
import { auditOf } from "./audit-interceptor.js";

/** A subscriber as admins see it: never its tokens. */
function toWireSubscriber(s: SubscriberRecord): Subscriber {
  return create(SubscriberSchema, {
    id: s.id,
    email: s.email,
    itemIds: s.itemIds,
    confirmed: s.confirmedAt !== undefined,
    created: timestampFromDate(s.created),
    confirmedAt: s.confirmedAt && timestampFromDate(s.confirmedAt),
  });
}

/**
 * `statusthing.v1.SubscriptionsService`: proto ⇄ domain for email subscriptions. The public calls
 * answer nothing about any address; only ListSubscribers (admins) shows them.
 */
export function createSubscriptionsRpc(subscriptions: SubscriptionsService): ServiceImpl<typeof SubscriptionsApi> {
  return {
    getSubscribeOptions() {
      return { email: subscriptions.offered };
    },
    async subscribe(req, ctx) {
      await subscriptions.subscribe(req.email, req.itemIds, ctx.values.get(requestAuthKey).clientAddress);
      return {};
    },
    async confirmSubscription(req) {
      return { itemIds: await subscriptions.confirm(req.token) };
    },
    async unsubscribe(req) {
      await subscriptions.unsubscribe(req.token);
      return {};
    },
    async listSubscribers(req) {
      const page = await subscriptions.list(req.query, req.pageSize, req.pageToken);
      return { subscribers: page.subscribers.map(toWireSubscriber), confirmed: page.confirmed, pending: page.pending, nextPageToken: page.nextPageToken };
    },
    async removeSubscriber(req, ctx) {
      await subscriptions.remove(req.id, auditOf(ctx));
      return {};
    },
  };
}
