/**
 * Errors as clients see them: a domain error (or anything thrown) turned into a ConnectError with
 * its ErrorInfo, RetryInfo and BadRequest details. Used by the RPC error interceptor and by /ws.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorToJson } from "@connectrpc/connect/protocol-connect";
import { BadRequestSchema } from "../../shared/gen/google/rpc/bad_request_pb.js";
import { ErrorInfoSchema } from "../../shared/gen/google/rpc/error_info_pb.js";
import { RetryInfoSchema } from "../../shared/gen/google/rpc/retry_info_pb.js";
import { REQUEST_BODY_MAX_BYTES } from "../../shared/limits.js";
import { canceled, codeOfKind, deadlineExceeded, DomainError, internalError, protocolUnsupported, requestMalformed, requestTooLarge } from "../errors.js";
import type { Logger } from "../logger.js";

const codeNames = Object.fromEntries(
  Object.entries(Code)
    .filter(([, v]) => typeof v === "number")
    .map(([k, v]) => [v, k]),
);

/** The snake_case name of a Connect code, as the Connect protocol writes it ("not_found"). */
export function codeName(code: Code): string {
  return (codeNames[code] as string).replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`));
}

/** The domain of every google.rpc.ErrorInfo this server sends: its reasons are unique within it. */
export const ERROR_DOMAIN = "statusthing.dev";

/**
 * Turns whatever a handler (or a feed) throws into what a client may see: a DomainError becomes
 * its Connect code and message with machine-readable details; a ConnectError (from Connect's own
 * code) passes if it has an ErrorInfo, and is otherwise given the catalog's reason for what
 * Connect decided (see catalogErrorOf); anything else is a bug, logged with its cause and
 * sent as a generic `internal` error, so SQL and stack traces never leak.
 */
export function toClientError(error: unknown, log: Logger, procedure: string): ConnectError {
  if (!(error instanceof DomainError) && !(error instanceof ConnectError)) log.error({ err: error, procedure }, "unexpected error in handler");
  return toConnectError(error);
}

/** `toClientError` without the log: for a feed whose unexpected errors were logged where they happened. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof DomainError) return domainToConnectError(error);
  if (error instanceof ConnectError) return error.findDetails(ErrorInfoSchema).length > 0 ? error : withHeaders(domainToConnectError(catalogErrorOf(error)), error.metadata);
  return domainToConnectError(internalError());
}

/**
 * The catalog's error for one that Connect's protocol code raised itself (so it has no ErrorInfo):
 * by its code, since those are the codes Connect uses for exactly these cases. Connect's message
 * is kept where it tells the client what to fix (a parse error, an unknown compression); an
 * internal error keeps none of its words.
 */
function catalogErrorOf(error: ConnectError): DomainError {
  switch (error.code) {
    case Code.InvalidArgument:
      return requestMalformed(error.rawMessage);
    case Code.Unimplemented:
      return protocolUnsupported(error.rawMessage);
    case Code.ResourceExhausted:
      return requestTooLarge(REQUEST_BODY_MAX_BYTES);
    case Code.DeadlineExceeded:
      return deadlineExceeded();
    case Code.Canceled:
    case Code.Aborted:
      return canceled();
    default:
      return internalError();
  }
}

/** `error` with the headers of `from` that it lacks (Connect's accept-encoding on a compression refusal). */
function withHeaders(error: ConnectError, from: Headers): ConnectError {
  from.forEach((value, name) => {
    if (!error.metadata.has(name)) error.metadata.set(name, value);
  });
  return error;
}

/** The stable reason a client error carries: its ErrorInfo's, or the catalog's for what Connect decided. */
export function reasonOf(error: ConnectError): string {
  return toConnectError(error).findDetails(ErrorInfoSchema)[0]!.reason;
}

/**
 * A client error as the JSON object the Connect protocol writes (`code`, `message`, `details`
 * with each detail's `type`, base64 `value` and readable `debug`), plus the ErrorInfo `reason`
 * on top for clients that read JSON but not protobuf. The /ws error frame and the plain-HTTP
 * refusals use it, so every transport says the same.
 */
export function errorToJsonObject(cause: ConnectError): { code: string; message: string; reason: string; details?: unknown[] } {
  const error = toConnectError(cause);
  const json = errorToJson(error, undefined) as { code: string; message?: string; details?: unknown[] };
  return { code: json.code, message: error.rawMessage, reason: reasonOf(error), ...(json.details ? { details: json.details } : {}) };
}

/**
 * A DomainError as a ConnectError with its details: always a google.rpc.ErrorInfo (reason and
 * metadata); a google.rpc.RetryInfo (and a `retry-after` header) when a retry may succeed; and,
 * when it names the request field at fault, a google.rpc.BadRequest, so a form can show the error
 * beside its field without parsing the message.
 */
function domainToConnectError(error: DomainError): ConnectError {
  const details: NonNullable<ConstructorParameters<typeof ConnectError>[3]> = [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: error.reason, domain: ERROR_DOMAIN, metadata: { ...error.metadata } }) },
  ];
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) {
    details.push({ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: { seconds: BigInt(error.retryAfterSeconds) } }) });
    if (error.retryAfterSeconds > 0) headers["retry-after"] = String(error.retryAfterSeconds);
  }
  const field = error.field;
  if (field) {
    // The detail says which field; its description is the problem alone ("is required").
    const description = error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
    details.push({ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [{ field, description }] }) });
  }
  return new ConnectError(error.message, codeOfKind[error.kind], headers, details);
}
