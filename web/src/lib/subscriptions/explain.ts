import { Code, ConnectError } from "@connectrpc/connect";
import { errorDetails } from "../../../../shared/error-details.js";

/**
 * What the subscription pages say about a failed call, decided by the Connect code, the server's
 * reason (ErrorInfo) and details (BadRequest, RetryInfo), never by message text.
 */
export interface SubscriptionProblem {
  /** What went wrong, for a kind of answer a page lays out on its own. */
  readonly kind: "bad-email" | "throttled" | "expired" | "not-offered" | "other";
  /** One sentence for the reader. */
  readonly message: string;
}

/** The email field's problem in a sentence ("Must be an email address."), from BadRequest. */
function emailProblem(fields: Readonly<Record<string, string>>): string | undefined {
  const key = Object.keys(fields).find((field) => field === "email" || field.startsWith("email."));
  if (key === undefined) return undefined;
  const description = fields[key]!.trim();
  if (description === "" || description === "is required") return "Enter your email address.";
  const text = description.replace(/^is /, "Is ").replace(/^must /, "Must ");
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** "40 seconds", "3 minutes", "2 hours". */
export function waitWords(seconds: number): string {
  if (seconds < 90) return seconds === 1 ? "1 second" : `${seconds} seconds`;
  if (seconds < 90 * 60) return `${Math.ceil(seconds / 60)} minutes`;
  return `${Math.ceil(seconds / 3600)} hours`;
}

/**
 * Explains what a SubscriptionsService call threw. `call` says which: NOT_FOUND from Subscribe is
 * a chosen item that is gone, from the link pages a token the server does not know.
 */
export function explainSubscriptionError(error: unknown, call: "subscribe" | "link"): SubscriptionProblem {
  const e = ConnectError.from(error);
  const details = errorDetails(e);
  if (details.reason === "EMAIL_NOT_CONFIGURED") {
    return { kind: "not-offered", message: "This status page does not send email updates at the moment." };
  }
  if (details.reason === "SUBSCRIPTION_LINK_EXPIRED") {
    return { kind: "expired", message: "This link has expired or has already been used." };
  }
  if (details.reason === "SUBSCRIBE_THROTTLED" || e.code === Code.ResourceExhausted) {
    const wait = details.retryAfterSeconds;
    return { kind: "throttled", message: wait === undefined ? "Too many requests. Try again later." : `Too many requests. Try again in ${waitWords(wait)}.` };
  }
  const email = e.code === Code.InvalidArgument ? emailProblem(details.fields) : undefined;
  if (email !== undefined) return { kind: "bad-email", message: email };
  switch (e.code) {
    case Code.InvalidArgument:
      return Object.keys(details.fields).some((field) => field.startsWith("item_ids"))
        ? { kind: "other", message: "One of the chosen systems is no longer on this page. Choose again." }
        : { kind: "other", message: "The server could not accept that. Check what you entered and try again." };
    case Code.NotFound:
      return call === "subscribe"
        ? { kind: "other", message: "One of the chosen systems is no longer on this page. Choose again." }
        : { kind: "expired", message: "This link has expired or has already been used." };
    case Code.Unavailable:
    case Code.Unknown:
    case Code.Canceled:
    case Code.DeadlineExceeded:
      return { kind: "other", message: "Could not reach the server. Check your connection and try again." };
    default:
      return { kind: "other", message: "Something went wrong on the server. Try again later." };
  }
}
