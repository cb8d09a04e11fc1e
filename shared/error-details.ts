import type { ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "./gen/google/rpc/bad_request_pb.js";
import { ErrorInfoSchema } from "./gen/google/rpc/error_info_pb.js";
import { retryAfterSeconds } from "./retry-after.js";

/**
 * Reads the machine-readable details of a StatusThing error, so a client branches on them and
 * never on message text. The server attaches a google.rpc.ErrorInfo to every error (its `reason`
 * is stable: `WRONG_CREDENTIALS`, `LOGIN_THROTTLED`, …; see the README's error table), a
 * google.rpc.RetryInfo when a retry may succeed, and a google.rpc.BadRequest for fields at fault.
 */
export interface ErrorDetails {
  /** The ErrorInfo reason, or undefined when the error did not come from a StatusThing server. */
  readonly reason: string | undefined;
  /** The ErrorInfo metadata ("id", "items"); empty when there is none. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Whole seconds to wait before retrying (RetryInfo), or undefined when a retry will not help. */
  readonly retryAfterSeconds: number | undefined;
  /** Problem by request field ("name" → "is required"), from BadRequest field violations. */
  readonly fields: Readonly<Record<string, string>>;
}

/** The details of `error`: its reason, metadata, retry delay and field violations. */
export function errorDetails(error: ConnectError): ErrorDetails {
  const info = error.findDetails(ErrorInfoSchema)[0];
  const fields: Record<string, string> = {};
  for (const detail of error.findDetails(BadRequestSchema)) {
    for (const violation of detail.fieldViolations) fields[violation.field] = violation.description;
  }
  return {
    reason: info?.reason,
    metadata: info?.metadata ?? {},
    retryAfterSeconds: retryAfterSeconds(error),
    fields,
  };
}
