import { createContextKey, type ContextValues } from "@connectrpc/connect";

/**
 * What one RPC call reports to the request log: filled in by the error interceptor, read when
 * the HTTP response finishes. Errors raised before the interceptor runs (unparseable bodies,
 * bad content types) leave it empty; the request log then derives the code from the response.
 */
export interface CallRecord {
  code?: string;
}

export const callRecordKey = createContextKey<CallRecord | undefined>(undefined, { description: "call record" });

/** Attaches a request's record to its context values, so the interceptor can fill it in. */
export function attachCallRecord(values: ContextValues, record: CallRecord | undefined): ContextValues {
  return values.set(callRecordKey, record);
}
