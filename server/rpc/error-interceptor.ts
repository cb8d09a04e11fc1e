import type { ConnectError, Interceptor } from "@connectrpc/connect";
import type { Logger } from "../logger.js";
import { codeName, toClientError } from "../wire/client-error.js";
import { callRecordKey, type CallRecord } from "./call-record.js";

/**
 * A stream's messages, its error turned into a client error and its code recorded: what
 * `try { yield* upstream } catch` would do, as a class, since an idle stream keeps it for hours
 * (an async generator keeps a generator object, its registers, a pending request and a promise).
 */
class ClientErrors<T> implements AsyncIterableIterator<T> {
  private iterator: AsyncIterator<T> | undefined;
  private finished = false;

  constructor(
    private readonly upstream: AsyncIterable<T>,
    private readonly record: CallRecord | undefined,
    private readonly log: Logger,
    private readonly procedure: string,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    let pending: Promise<IteratorResult<T>>;
    try {
      pending = (this.iterator ??= this.upstream[Symbol.asyncIterator]()).next();
    } catch (error) {
      return Promise.reject(this.failed(error));
    }
    return pending.then(
      (result) => {
        if (result.done) {
          this.finished = true;
          if (this.record) this.record.code = "ok";
        }
        return result;
      },
      (error: unknown) => {
        throw this.failed(error);
      },
    );
  }

  /** The consumer stops early: the upstream is told, as `yield*` tells it. */
  async return(value?: unknown): Promise<IteratorResult<T>> {
    if (this.finished) return { done: true, value: value as T };
    this.finished = true;
    try {
      const result = await this.iterator?.return?.(value);
      return result ?? { done: true, value: value as T };
    } catch (error) {
      throw this.failed(error);
    }
  }

  private failed(error: unknown): ConnectError {
    this.finished = true;
    const clientError = toClientError(error, this.log, this.procedure);
    if (this.record) this.record.code = codeName(clientError.code);
    return clientError;
  }
}

/** "package.Service/Method" of each method, made once: an open stream keeps its own otherwise. */
const procedures = new WeakMap<object, string>();

function procedureOf(req: { service: { typeName: string }; method: { name: string } }): string {
  let procedure = procedures.get(req.method);
  if (procedure === undefined) {
    procedure = `${req.service.typeName}/${req.method.name}`;
    procedures.set(req.method, procedure);
  }
  return procedure;
}

/** The interceptor that applies `toClientError` to unary and streaming calls, and records the code. */
export function createErrorInterceptor(log: Logger): Interceptor {
  return (next) => async (req) => {
    const record = req.contextValues.get(callRecordKey);
    const procedure = procedureOf(req);
    try {
      const res = await next(req);
      if (!res.stream) {
        if (record) record.code = "ok";
        return res;
      }
      // Replaced in place rather than spread into a copy: a response may hold its trailer
      // behind a getter, made only when used.
      (res as { message: AsyncIterable<unknown> }).message = new ClientErrors(res.message, record, log, procedure);
      return res;
    } catch (error) {
      const clientError = toClientError(error, log, procedure);
      if (record) record.code = codeName(clientError.code);
      throw clientError;
    }
  };
}
