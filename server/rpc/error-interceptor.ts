import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { BadRequestSchema } from "../../shared/gen/google/rpc/bad_request_pb.js";
import { codeOfKind, DomainError } from "../errors.js";
import type { Logger } from "../logger.js";
import { callRecordKey } from "./call-record.js";

const codeNames = Object.fromEntries(Object.entries(Code).filter(([, v]) => typeof v === "number").map(([k, v]) => [v, k]));

/** The snake_case name of a Connect code, as the Connect protocol writes it ("not_found"). */
export function codeName(code: Code): string {
  return (codeNames[code] as string).replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`));
}

/**
 * Turns whatever a handler throws into what a client may see: a DomainError becomes its Connect
 * code and message; a ConnectError passes; anything else is a bug, logged with its cause and
 * sent as a generic `internal` error, so SQL and stack traces never leak.
 */
export function toClientError(error: unknown, log: Logger, procedure: string): ConnectError {
  if (error instanceof DomainError) return domainToConnectError(error);
  if (error instanceof ConnectError) return error;
  log.error({ err: error, procedure }, "unexpected error in handler");
  return new ConnectError("internal error", Code.Internal);
}

/**
 * A DomainError as a ConnectError. When it names the request field at fault, that field also goes
 * in a standard google.rpc.BadRequest detail, so a form can show the error beside its field
 * without parsing the message.
 */
function domainToConnectError(error: DomainError): ConnectError {
  const field = error.field;
  // The detail says which field; its description is the problem alone ("is required").
  const description = field && error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
  const details = field ? [{ desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [{ field, description }] }) }] : [];
  return new ConnectError(error.message, codeOfKind[error.kind], undefined, details);
}

/** The interceptor that applies `toClientError` to unary and streaming calls, and records the code. */
export function createErrorInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    const record = req.contextValues.get(callRecordKey);
    const procedure = `${req.service.typeName}/${req.method.name}`;
    try {
      const res = await next(req);
      if (!res.stream) {
        if (record) record.code = "ok";
        return res;
      }
      const upstream = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* upstream;
            if (record) record.code = "ok";
          } catch (error) {
            const clientError = toClientError(error, log, procedure);
            if (record) record.code = codeName(clientError.code);
            throw clientError;
          }
        })(),
      };
    } catch (error) {
      const clientError = toClientError(error, log, procedure);
      if (record) record.code = codeName(clientError.code);
      throw clientError;
    }
  };
}
