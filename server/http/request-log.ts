import { isoTimeField, plainLineStream, type Logger } from "../logger.js";
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

/** Where finished requests are counted (the app's metrics). */
export type RequestObserver = (path: string, code: string, seconds: number) => void;

/** The fields of one request's log line. */
export interface RequestLine {
  method: string;
  path: string;
  httpVersion: string;
  status: number;
  code: string;
  ms: number;
  aborted: boolean;
}

const HEARTBEAT_PREFIX = "/hooks/heartbeat/";
/** gRPC (not gRPC-Web) answers end with trailers, which carry its code. */
const GRPC_TYPE = /^application\/grpc(?!-web)/i;

/** The path logged: never the query (it may hold a token), nor a heartbeat's secret (its path). */
export function loggedPath(url: string): string {
  const query = url.indexOf("?");
  const path = query === -1 ? url : url.slice(0, query);
  return path.length > HEARTBEAT_PREFIX.length && path.startsWith(HEARTBEAT_PREFIX) ? `${HEARTBEAT_PREFIX}…` : path;
}

/** Characters JSON.stringify would escape in a string (surrogates, paired or not, go the long way too). */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(text), without its cost for the plain text request lines carry. */
function jsonString(text: string): string {
  return NEEDS_ESCAPING.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * String(ms) for a duration measured in whole nanoseconds (ns / 1e6), from integers: the decimal
 * with at most 6 places is the shortest that reads back as the same number below 1e9 ms, so it
 * is what String gives, at a fraction of the cost of formatting a double. Anything else: String.
 */
export function msText(ms: number): string {
  const ns = Math.round(ms * 1e6);
  if (!(ns / 1e6 === ms && ms < 1e9)) return String(ms);
  const whole = Math.floor(ns / 1e6);
  const fraction = ns - whole * 1e6;
  if (fraction === 0) return String(whole);
  let digits = String(fraction).padStart(6, "0");
  while (digits.endsWith("0")) digits = digits.slice(0, -1);
  return `${whole}.${digits}`;
}

/**
 * A request line exactly as pino writes `log.info(line, "request")` for a logger made by
 * createLogger (level label, isoTimeField, the `service` binding, the fields, the message), without
 * pino's generic walk over the object: one such line goes out per request.
 */
export function formatRequestLine(line: RequestLine): string {
  return (
    `{"level":"info"${isoTimeField()},"service":"statusthing","method":${jsonString(line.method)},"path":${jsonString(line.path)},` +
    `"httpVersion":${jsonString(line.httpVersion)},"status":${line.status},"code":${jsonString(line.code)},"ms":${msText(line.ms)},"aborted":${line.aborted},"msg":"request"}\n`
  );
}

/**
 * The request log: one line per request when its response is done: method, path (never the
 * query, which may hold a token), HTTP status, RPC code, duration. The code comes from the call
 * record when a handler ran, else from gRPC trailers, else from the HTTP status. Returns what to
 * call as each request arrives.
 */
export function createRequestLog(log: Logger, observe?: RequestObserver): (req: NodeRequest, res: NodeResponse, record: CallRecord) => void {
  // Lines are written by hand only for a logger whose shape is known; any other is called.
  const stream = plainLineStream(log);
  const write = (line: RequestLine) => {
    if (stream === undefined) log.info(line, "request");
    else if (log.isLevelEnabled("info")) stream.write(formatRequestLine(line));
  };

  return (req, res, record) => {
    const started = process.hrtime.bigint();
    let trailerCode: string | undefined;
    // Only a gRPC answer has trailers to read a code from: other responses keep their own method.
    if (GRPC_TYPE.test(req.headers["content-type"] ?? "")) {
      const addTrailers = res.addTrailers.bind(res) as (headers: Record<string, string>) => void;
      (res as { addTrailers: (headers: Record<string, string>) => void }).addTrailers = (headers) => {
        if (headers["grpc-status"] !== undefined) trailerCode = headers["grpc-status"] === "0" ? "ok" : `grpc_${headers["grpc-status"]}`;
        addTrailers(headers);
      };
    }
    // Whichever comes first (a response cut short closes without finishing); the listeners stay
    // on the response, which goes with its request, so nothing is removed.
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const status = res.statusCode;
      const code = record.code ?? trailerCode ?? (status < 400 ? "ok" : (codeOfHttpStatus[status] ?? (status >= 500 ? "internal" : "unknown")));
      const path = loggedPath(req.url ?? "");
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      observe?.(path, code, ms / 1e3);
      write({ method: req.method ?? "", path, httpVersion: req.httpVersion, status, code, ms, aborted: !res.writableFinished });
    };
    res.on("finish", done);
    res.on("close", done);
  };
}
