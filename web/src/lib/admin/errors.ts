import { Code, ConnectError } from "@connectrpc/connect";
import { errorDetails } from "$shared/error-details.js";

/** What a form shows for a failed call: one sentence for the form, and one per field at fault. */
export interface Explained {
  readonly code: Code | undefined;
  /** The server's stable reason (google.rpc.ErrorInfo), e.g. "STATUS_IN_USE"; undefined if none. */
  readonly reason?: string;
  /** The reason's facts (google.rpc.ErrorInfo metadata), e.g. `{ items: "3" }`. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** A sentence for the top of the form (role="alert"). */
  readonly message: string;
  /** Problems by request field name ("name", "new_password"), shown beside that field. */
  readonly fields: Readonly<Record<string, string>>;
}

/** Words for the thing a form is about: "status" gives "A status with that name already exists". */
export interface Subject {
  /** "item", "status", "note", "user", "API token". */
  readonly noun: string;
  /** "an" for "an item", "an API token"; "a" otherwise. */
  readonly article?: "a" | "an";
}

const capitalize = (text: string) => (text ? text[0]!.toUpperCase() + text.slice(1) : text);
const sentence = (text: string) => {
  const trimmed = capitalize(text.trim());
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
};

/** A field's problem from the server ("is required") as a sentence under the field ("Required."). */
function fieldProblem(description: string): string {
  if (description === "is required") return "Required.";
  return sentence(description.replace(/^is /, "").replace(/^must /, "Must "));
}

/**
 * Turns what a call threw into human words, by Connect code and the server's reason (its
 * google.rpc.ErrorInfo), never by message text. The server names the field at fault in a
 * google.rpc.BadRequest detail; its problem goes beside that field. Never shows a stack, and
 * never a blank: a failure that is not a ConnectError is a network problem for the user.
 */
export function explainError(error: unknown, subject: Subject): Explained {
  const e = ConnectError.from(error);
  const { reason, metadata } = errorDetails(e);
  return { ...explainByCode(e, subject), reason, metadata };
}

function explainByCode(e: ConnectError, subject: Subject): Explained {
  const a = `${capitalize(subject.article ?? "a")} ${subject.noun}`;
  const details = errorDetails(e);
  const fields: Record<string, string> = {};
  for (const [path, description] of Object.entries(details.fields)) {
    const field = path.replace(/^(user|item|status)\./, "");
    fields[field] = e.code === Code.AlreadyExists ? `${a} with that ${field === "username" ? "username" : "name"} already exists.` : fieldProblem(description);
  }
  const named = Object.keys(fields).length > 0;
  switch (e.code) {
    case Code.InvalidArgument:
      return { code: e.code, message: named ? "Please correct the highlighted field." : sentence(e.rawMessage), fields };
    case Code.AlreadyExists:
      return { code: e.code, message: named ? "Please correct the highlighted field." : `${a} like this already exists.`, fields };
    case Code.NotFound:
      return { code: e.code, message: `This ${subject.noun} no longer exists: someone may have just deleted it.`, fields };
    case Code.FailedPrecondition:
      return { code: e.code, message: sentence(e.rawMessage), fields };
    case Code.Unauthenticated:
      return { code: e.code, message: details.reason === "WRONG_CREDENTIALS" ? "Wrong username or password." : "Your session has ended. Sign in again.", fields };
    case Code.PermissionDenied:
      return { code: e.code, message: details.reason === "PASSWORD_CHANGE_REQUIRED" ? "Change your password first." : "You are not allowed to do that.", fields };
    case Code.ResourceExhausted: {
      if (details.reason === "LOGIN_THROTTLED" && details.retryAfterSeconds !== undefined) {
        return { code: e.code, message: `Too many failed sign-ins. Try again in ${waitWords(details.retryAfterSeconds)}.`, fields };
      }
      return { code: e.code, message: "That is too large for the server to accept.", fields };
    }
    case Code.DeadlineExceeded:
      return { code: e.code, message: "The server took too long to answer. Try again.", fields };
    case Code.Unavailable:
    case Code.Unknown:
    case Code.Canceled:
      return { code: e.code, message: "Could not reach the server. Check your connection and try again.", fields };
    default:
      return { code: e.code, message: "Something went wrong on the server. Try again; if it keeps happening, the server's log says why.", fields };
  }
}

/** "40 seconds", "3 minutes". */
function waitWords(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}
