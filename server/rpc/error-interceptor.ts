import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "../logger.js";
import { codeName, toClientError } from "../wire/client-error.js";
import { callRecordKey, type CallRecord } from "./call-record.js";

/**
 * A stream's messages, its error turned into a client error and its code recorded. Declared once
 * here, not inline per call: a generator function made per call would cost every open stream its
 * own function, prototype object and hidden class.
 */
async function* clientErrorsOf<T>(upstream: AsyncIterable<T>, record: CallRecord | undefined, log: Logger, procedure: string): AsyncGenerator<T> {
  try {
    yield* upstream;
    if (record) record.code = "ok";
  } catch (error) {
    const clientError = toClientError(error, log, procedure);
    if (record) record.code = codeName(clientError.code);
    throw clientError;
  }
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
        message: clientErrorsOf(upstream, record, log, procedure),
      };
    } catch (error) {
      const clientError = toClientError(error, log, procedure);
      if (record) record.code = codeName(clientError.code);
      throw clientError;
    }
  };
}
