import type { ConnectError } from "@connectrpc/connect";
import { RetryInfoSchema } from "./gen/google/rpc/retry_info_pb.js";

/**
 * Whole seconds to wait before retrying, from the google.rpc.RetryInfo the server attaches when a
 * retry may succeed; undefined when it did not. A delay of 1.2 s is waited as 2: retrying early
 * would be refused again. (errorDetails reads it with the other details; the live pages need only this.)
 */
export function retryAfterSeconds(error: ConnectError): number | undefined {
  const retry = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  return retry ? Number(retry.seconds) + Math.ceil(retry.nanos / 1e9) : undefined;
}
