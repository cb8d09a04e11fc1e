import { fromBinary, fromJsonString } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { gunzipSync } from "node:zlib";
import { WatchItemsRequestSchema, type WatchItemsRequest } from "../../shared/gen/statusthing/v1/services_pb.js";
import { REQUEST_BODY_MAX_BYTES } from "../../shared/limits.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import type { CallRecord } from "../rpc/call-record.js";
import { badProtobufMessage } from "../rpc/bad-protobuf.js";
import { codeName, errorToJsonObject, toConnectError } from "../rpc/error-interceptor.js";
import { checkKinds } from "../service/validate.js";
import type { AccessGuard } from "../auth/guard.js";
import { requestFacts } from "../auth/request-facts.js";
import type { ChangeHub } from "./change-hub.js";
import { envelope, type WatchEvent, type WireFormat } from "./watch-event.js";
import { createWatchFilter } from "./watch-filter.js";
import type { Watcher, WatchSink } from "./watcher.js";
import type { WatcherQuota } from "./watcher-quota.js";

/** The path of the streaming RPC this module serves. */
export const WATCH_ITEMS_PATH = "/statusthing.v1.ItemsService/WatchItems";
const WATCH_ITEMS_PROCEDURE = WATCH_ITEMS_PATH.slice(1);

type Protocol = "connect" | "grpc" | "grpc-web";

/** Content types this endpoint speaks: the protocol and the message format. */
function parseContentType(contentType: string | undefined): { protocol: Protocol; format: WireFormat } | undefined {
  const type = (contentType ?? "").split(";", 1)[0]!.trim().toLowerCase();
  switch (type) {
    case "application/connect+json":
      return { protocol: "connect", format: "json" };
    case "application/connect+proto":
      return { protocol: "connect", format: "binary" };
    case "application/grpc":
    case "application/grpc+proto":
      return { protocol: "grpc", format: "binary" };
    case "application/grpc+json":
      return { protocol: "grpc", format: "json" };
    case "application/grpc-web":
    case "application/grpc-web+proto":
      return { protocol: "grpc-web", format: "binary" };
    case "application/grpc-web+json":
      return { protocol: "grpc-web", format: "json" };
    default:
      return undefined;
  }
}

/** Reads the request body, refusing more than `max` bytes; fails if the stream ends first. */
function readBody(req: NodeRequest, max: number, ended: Promise<void>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    void ended.then(() => reject(new ConnectError("the client went away", Code.Canceled)));
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > max) {
      reject(new ConnectError(`request body over ${max} bytes`, Code.ResourceExhausted));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new ConnectError(`request body over ${max} bytes`, Code.ResourceExhausted));
        req.removeAllListeners("data");
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () => resolve(Buffer.concat(chunks)));
    req.once("error", reject);
  });
}

/** Decodes the single enveloped request message of a server-streaming call. */
function decodeRequest(body: Buffer, format: WireFormat, encoding: string | undefined): WatchItemsRequest {
  if (body.length < 5) throw new ConnectError("request body is not an enveloped message", Code.InvalidArgument);
  const flags = body[0]!;
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) throw new ConnectError("request envelope length does not match the body", Code.InvalidArgument);
  let payload: Uint8Array = body.subarray(5);
  if (flags & 0x01) {
    if (encoding !== "gzip") throw new ConnectError(`unsupported compression ${JSON.stringify(encoding ?? "")}`, Code.Unimplemented);
    try {
      payload = gunzipSync(payload, { maxOutputLength: REQUEST_BODY_MAX_BYTES });
    } catch {
      throw new ConnectError("request message is not valid gzip or is too large", Code.InvalidArgument);
    }
  }
  if (format === "binary") {
    try {
      return fromBinary(WatchItemsRequestSchema, payload);
    } catch {
      // The parser's words ("premature EOF") help nobody; the client sent bytes that are not the message.
      throw new ConnectError(badProtobufMessage(WatchItemsRequestSchema.typeName), Code.InvalidArgument);
    }
  }
  try {
    return fromJsonString(WatchItemsRequestSchema, Buffer.from(payload).toString("utf8"), { ignoreUnknownFields: true });
  } catch (error) {
    throw new ConnectError(`cannot parse WatchItemsRequest: ${(error as Error).message}`, Code.InvalidArgument);
  }
}

/** Parses "grpc-timeout" ("100m", "5S") or "connect-timeout-ms" into milliseconds. */
function parseTimeoutMs(req: NodeRequest, protocol: Protocol): number | undefined {
  if (protocol === "connect") {
    const raw = req.headers["connect-timeout-ms"];
    return typeof raw === "string" && /^\d{1,10}$/.test(raw) ? Number(raw) : undefined;
  }
  const raw = req.headers["grpc-timeout"];
  const match = typeof raw === "string" ? /^(\d{1,8})([HMSmun])$/.exec(raw) : null;
  if (!match) return undefined;
  const unitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000001 };
  return Number(match[1]) * unitMs[match[2]!]!;
}

/** Settles once the response's stream is over: finished, reset by the client, or its connection gone. */
function whenStreamEnds(res: NodeResponse): Promise<void> {
  const stream = "stream" in res ? (res as { stream: { destroyed: boolean; closed: boolean } }).stream : undefined;
  const gone = stream ? stream.destroyed || stream.closed : res.destroyed || (res.socket?.destroyed ?? true);
  if (gone) return Promise.resolve();
  return new Promise((resolve) => res.once("close", () => resolve()));
}

/** The sink that writes one protocol's frames to an HTTP response. */
function createHttpSink(res: NodeResponse, protocol: Protocol, format: WireFormat, record: CallRecord): WatchSink {
  const raw = res as unknown as { writableLength?: number; stream?: { writableLength?: number } };
  let ended = false;
  const write = (bytes: Uint8Array) => (res as unknown as { write(b: Uint8Array): boolean }).write(bytes);
  return {
    protocol,
    format,
    send(event: WatchEvent) {
      if (!ended && !res.destroyed) write(event.frame(format));
    },
    pendingBytes() {
      return raw.stream?.writableLength ?? raw.writableLength ?? 0;
    },
    end(cause?: Error) {
      if (ended) return;
      ended = true;
      const error = cause && toConnectError(cause);
      record.code = error ? codeName(error.code) : "ok";
      if (res.destroyed) return;
      // Captured now: once the response has finished, `res` no longer holds its socket. For HTTP/2
      // the stream, never the session's socket, which other calls share.
      const connection = "stream" in res ? (res as { stream: { destroy(): void } }).stream : (res as { socket: { destroy(): void } | null }).socket;
      if (protocol === "connect") {
        const end = error ? { error: errorToJsonObject(error) } : {};
        write(envelope(0x02, Buffer.from(JSON.stringify(end))));
        res.end();
      } else if (protocol === "grpc-web") {
        write(envelope(0x80, trailerSerialize(setTrailerStatus(new Headers(), error))));
        res.end();
      } else {
        res.addTrailers(Object.fromEntries(setTrailerStatus(new Headers(), error)));
        res.end();
      }
      // A dropped client's connection is closed (an HTTP/1.1 keep-alive connection would otherwise
      // stay open after the response) once it has taken the end, or stops taking bytes.
      if (error?.code === Code.ResourceExhausted && connection) closeWhenDrainedOrStalled(res, connection, () => raw.stream?.writableLength ?? raw.writableLength ?? 0);
    },
  };
}

/** How often a dropped client's progress is looked at, and how long it may take at most. */
const DROP_CHECK_MS = 1_000;
const DROP_MAX_MS = 30_000;

/**
 * Closes a dropped client's connection a check interval after everything was handed to the
 * network (so it can read the end), or as soon as a whole interval passes in which it took
 * nothing (a client that stopped reading), and in any case after DROP_MAX_MS.
 */
function closeWhenDrainedOrStalled(res: NodeResponse, connection: { destroy(): void }, pending: () => number): void {
  const started = Date.now();
  let before = pending();
  let drained = false;
  const timer = setInterval(() => {
    const now = pending();
    const stalled = now > 0 && now >= before;
    if (drained || stalled || Date.now() - started >= DROP_MAX_MS) {
      clearInterval(timer);
      connection.destroy();
      return;
    }
    drained = now === 0 || (res as { writableFinished?: boolean }).writableFinished === true;
    before = now;
  }, DROP_CHECK_MS);
  timer.unref();
}

/**
 * Serves `ItemsService.WatchItems` over Connect streaming, gRPC and gRPC-Web, written here
 * rather than through the Connect router so that each event is encoded once and the very same
 * bytes are written to every watcher.
 */
export function handleWatchItems(req: NodeRequest, res: NodeResponse, hub: ChangeHub, record: CallRecord, guard: AccessGuard, quota: WatcherQuota): void {
  const kind = parseContentType(req.headers["content-type"]);
  if (req.method !== "POST" || !kind) {
    record.code = "unsupported_media_type";
    res.writeHead(req.method !== "POST" ? 405 : 415, { "content-type": "application/json", allow: "POST" });
    res.end(
      JSON.stringify({
        code: "invalid_argument",
        message: "WatchItems is a server-streaming RPC: POST with application/connect+json, application/connect+proto, application/grpc or application/grpc-web",
      }),
    );
    return;
  }
  const { protocol, format } = kind;
  const contentType = protocol === "connect" ? `application/connect+${format === "json" ? "json" : "proto"}` : `application/${protocol}+${format === "json" ? "json" : "proto"}`;
  const encodingHeader = protocol === "connect" ? "connect-content-encoding" : "grpc-encoding";
  const sink = createHttpSink(res, protocol, format, record);
  req.socket.setTimeout(0);
  // Listened for before anything asynchronous: a client may reset the stream at any moment,
  // even before its watcher exists, and must never leave one behind.
  let streamEnded = false;
  let watcher: Watcher | undefined;
  const ended = whenStreamEnds(res).then(() => {
    streamEnded = true;
    watcher?.detach();
  });

  const facts = requestFacts(req);
  let clientAddress = "";
  guard
    .check(WATCH_ITEMS_PROCEDURE, facts)
    .then((auth) => {
      clientAddress = auth.clientAddress;
      return readBody(req, REQUEST_BODY_MAX_BYTES + 5, ended);
    })
    .then((body) => {
      if (streamEnded) return;
      const request = decodeRequest(body, format, req.headers[encodingHeader] as string | undefined);
      const kinds = checkKinds("kinds", request.kinds);
      const release = quota.acquire(clientAddress);
      if (!release) throw quota.refusal();
      void ended.then(release);
      res.writeHead(200, { "content-type": contentType, "cache-control": "no-store", "x-accel-buffering": "no" });
      (res as { flushHeaders?: () => void }).flushHeaders?.();
      const grant = guard.streamGrant(WATCH_ITEMS_PROCEDURE, facts);
      const started = hub.watch(createWatchFilter(request.statusIds, kinds, request.extended), Number(request.sinceRevision), sink, grant);
      watcher = started;
      const timeoutMs = parseTimeoutMs(req, protocol);
      if (timeoutMs !== undefined) {
        const timer = setTimeout(() => started.close(new ConnectError("deadline exceeded", Code.DeadlineExceeded)), timeoutMs);
        void ended.then(() => clearTimeout(timer));
      }
    })
    .catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
      sink.end(error instanceof Error ? error : new Error(String(error)));
    });
}
