import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { SubscriptionsService } from "../../../../shared/gen/statusthing/v1/subscriptions_pb.js";

/** The public pages' client of SubscriptionsService, on the app's one transport. */
export type SubscriptionsClient = Client<typeof SubscriptionsService>;

export function createSubscriptionsClient(transport: Transport): SubscriptionsClient {
  return createClient(SubscriptionsService, transport);
}

// Asked once per page load, whichever pages show a Subscribe button: the answer changes only
// when the server restarts with other flags.
let offered: Promise<boolean> | undefined;

/**
 * Whether the page offers email subscriptions (GetSubscribeOptions.email). False when the server
 * cannot be asked (a private page before sign-in, an older server without the service, no
 * network): a button that cannot work is not shown. A failed answer is asked again next time.
 */
export function emailOffered(transport: Transport): Promise<boolean> {
  offered ??= createSubscriptionsClient(transport)
    .getSubscribeOptions({})
    .then((options) => options.email)
    .catch(() => {
      offered = undefined;
      return false;
    });
  return offered;
}
