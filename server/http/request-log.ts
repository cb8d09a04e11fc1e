import type { Logger } from "../logger.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import type { CallRecord } from "../rpc/call-record.js";

/** Connect's mapping of HTTP status to code, for errors raised before any handler ran. */
const codeOfHttpStatus: Record<number, string> = {
  400: "invalid_argument",
  401: "unauthenticated",
  403: "permission_denied",
  404: "unimplemented",
  408: "deadline_exceeded",
  409: "aborted",
  412: "failed_precondition",
  413: "resource_exhausted",
  415: "unsupported_media_type",
  429: "resource_exhausted",
  431: "resource_exhausted",
  502: "unavailable",
  503: "unavailable",
  504: "unavailable",
};

/**
 * Logs one line per request when its response is done: method, path (never the query, which
 * may hold a token), HTTP status, RPC code, duration. The code comes from the call record when
 * a handler ran, else from gRPC trailers, else from the HTTP status.
 */
export function logRequest(log: Logger, req: NodeRequest, res: NodeResponse, record: CallRecord, observe?: (path: string, code: string, seconds: number) => void): void {
  const started = process.hrtime.bigint();
  let trailerCode: string | undefined;
  const addTrailers = res.addTrailers.bind(res) as (headers: Record<string, string>) => void;
  (res as { addTrailers: (headers: Record<string, string>) => void }).addTrailers = (headers) => {
    if (headers["grpc-status"] !== undefined) trailerCode = headers["grpc-status"] === "0" ? "ok" : `grpc_${headers["grpc-status"]}`;
    addTrailers(headers);
  };
  const done = () => {
    res.off("finish", done);
    res.off("close", done);
    const status = res.statusCode;
    const code = record.code ?? trailerCode ?? (status < 400 ? "ok" : (codeOfHttpStatus[status] ?? (status >= 500 ? "internal" : "unknown")));
    // A heartbeat's secret is its path: logged without it.
    const path = (req.url ?? "").split("?", 1)[0]!.replace(/^\/hooks\/heartbeat\/.+$/, "/hooks/heartbeat/…");
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    observe?.(path, code, ms / 1e3);
    log.info(
      {
        method: req.method,
        path,
        httpVersion: req.httpVersion,
        status,
        code,
        ms,
        aborted: !res.writableFinished,
      },
      "request",
    );
  };
  res.once("finish", done);
  res.once("close", done);
}
