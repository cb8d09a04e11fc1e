import { Code, ConnectError } from "@connectrpc/connect";
import { errorFromJson, errorToJson } from "@connectrpc/connect/protocol-connect";
import { describe, expect, it } from "vitest";
import { emailNotConfigured, invalidArgument, notFound, subscribeThrottled, subscriptionLinkExpired } from "../../server/errors.js";
import { toConnectError } from "../../server/wire/client-error.js";
import { explainSubscriptionError, waitWords } from "../../web/src/lib/subscriptions/explain.js";
import { subscribedIds } from "../../web/src/lib/subscriptions/subscribe-dialog.js";

/** A server's domain error as the browser receives it: through the Connect JSON error format. */
const overTheWire = (error: unknown): ConnectError => errorFromJson(errorToJson(toConnectError(error), undefined), undefined, new ConnectError("fallback", Code.Unknown));

describe("the subscription pages' words for a failed call", () => {
  it("puts a bad address beside the field, as a sentence", () => {
    const problem = explainSubscriptionError(overTheWire(invalidArgument("email", "must be one plain address like name@example.com")), "subscribe");
    expect(problem).toEqual({ kind: "bad-email", message: "Must be one plain address like name@example.com." });
    expect(explainSubscriptionError(overTheWire(invalidArgument("email", "is required")), "subscribe").message).toBe("Enter your email address.");
  });

  it("says when to try again from RetryInfo, not from the message", () => {
    expect(explainSubscriptionError(overTheWire(subscribeThrottled(600)), "subscribe")).toEqual({ kind: "throttled", message: "Too many requests. Try again in 10 minutes." });
    expect(explainSubscriptionError(overTheWire(subscribeThrottled(42)), "subscribe").message).toBe("Too many requests. Try again in 42 seconds.");
    expect(explainSubscriptionError(new ConnectError("slow down, wait 3 s", Code.ResourceExhausted), "subscribe").message).toBe("Too many requests. Try again later.");
  });

  it("tells a spent link from a gone item by the call, and email being off by its reason", () => {
    expect(explainSubscriptionError(overTheWire(subscriptionLinkExpired()), "link").kind).toBe("expired");
    expect(explainSubscriptionError(overTheWire(notFound("item", "2Xk")), "subscribe")).toEqual({
      kind: "other",
      message: "One of the chosen systems is no longer on this page. Choose again.",
    });
    expect(explainSubscriptionError(overTheWire(emailNotConfigured()), "subscribe").kind).toBe("not-offered");
    expect(explainSubscriptionError(overTheWire(emailNotConfigured()), "link").kind).toBe("not-offered");
  });

  it("blames the network for a failure that is not the server's answer", () => {
    expect(explainSubscriptionError(new TypeError("Failed to fetch"), "subscribe").message).toBe("Could not reach the server. Check your connection and try again.");
  });

  it("words waits in seconds, minutes or hours", () => {
    expect([1, 89, 90, 600, 5399, 5400, 86_400].map(waitWords)).toEqual(["1 second", "89 seconds", "2 minutes", "10 minutes", "90 minutes", "2 hours", "24 hours"]);
  });
});

describe("what a Subscribe asks for", () => {
  it("sends no item for the whole page, the item on its page, the chosen ones otherwise", () => {
    expect(subscribedIds("page", "a", ["b"])).toEqual([]);
    expect(subscribedIds("item", "a", ["b"])).toEqual(["a"]);
    expect(subscribedIds("chosen", undefined, ["b", "c"])).toEqual(["b", "c"]);
  });
});
