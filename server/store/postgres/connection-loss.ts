import pg, { type Pool } from "pg";
import { unavailable } from "../../errors.js";
import type { Logger } from "../../logger.js";

/** SQLSTATEs that mean the connection is gone or cannot be had: class 08, shutdowns and terminations (57P0x), too many connections. */
const LOST_STATES = /^(08...|57P0.|53300)$/;
/** Socket errors on the way to the server. */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** What `pg` and `pg-pool` say, in plain Errors without a code, when a connection ends or cannot be made. */
const LOST_MESSAGES = /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

/** Whether `error` says the database connection was lost or could not be made (rather than that a statement failed). */
export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (error instanceof pg.DatabaseError) return typeof code === "string" && LOST_STATES.test(code);
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  return LOST_MESSAGES.test(error.message);
}

/**
 * Keeps a lost connection from crashing the process. A pg client emits 'error' when its
 * connection dies; the pool listens only while the client is idle, so a client that is checked
 * out (a transaction, a write batch) would throw it as an unhandled 'error' event. Each client
 * gets a listener of its own for as long as it lives: the failure also reaches the query that
 * was running, which fails, and the pool drops the client when it is released.
 */
export function surviveConnectionLoss(pool: Pool, logger: Logger | undefined): void {
  pool.on("connect", (client) => {
    client.on("error", (error) => logger?.warn({ error: error.message, code: (error as { code?: unknown }).code }, "lost a database connection; the pool replaces it"));
  });
  // An idle client's failure comes here too, after its own listener above has logged it.
  pool.on("error", () => {});
}

/**
 * Wraps a store so that every method whose promise rejects because the database connection was
 * lost rejects with `unavailable` instead: the client learns that nothing was done and that it
 * may retry, rather than getting `internal`. Everything else passes through unchanged.
 */
export function reportConnectionLossAsUnavailable<T extends object>(store: T): T {
  const wrapped = new Map<PropertyKey, unknown>();
  const translate = (error: unknown): never => {
    if (isConnectionLoss(error)) throw unavailable("the database is unavailable (connection lost or refused); try again");
    throw error;
  };
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (!wrapped.has(key)) {
        wrapped.set(key, (...args: unknown[]) => {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.catch(translate) : result;
        });
      }
      return wrapped.get(key);
    },
  });
}
