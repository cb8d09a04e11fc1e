import type { Interceptor } from "@connectrpc/connect";
import type { Logger } from "../logger.js";
import { codeName, toClientError } from "../wire/client-error.js";
import { callRecordKey } from "./call-record.js";

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
