import { create, fromBinary, fromJsonString, toBinary, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey, type ContextValues, type HandlerContext, type Interceptor, type StreamRequest, type StreamResponse } from "@connectrpc/connect";
import { compressedFlag, compressionNegotiate, encodeEnvelope, type Compression } from "@connectrpc/connect/protocol";
import { endStreamFlag, endStreamToJson, errorToJson, parseTimeout as parseConnectTimeout } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { ItemsService as ItemsApi, WatchItemsRequestSchema, WatchItemsResponseSchema, type WatchItemsRequest } from "../../shared/gen/statusthing/v1/services_pb.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { badProtobufMessage, streamingProtocolOf } from "./protocol-errors.js";
import { readBody } from "./body-reader.js";
import { nodeHeader } from "../auth/request-facts.js";
import { callRecordKey } from "./call-record.js";
import { codeName, toConnectError } from "../wire/client-error.js";
import { contentTypeUnsupported } from "../errors.js";
import { StreamContext, StreamShutdown } from "./stream-context.js";
import { nodeStreamTransport, streamTransportKey, type StreamTransport } from "./stream-transport.js";

/** The path this handler serves. */
export const WATCH_ITEMS_PATH = "/statusthing.v1.ItemsService/WatchItems";

/** The implementation it runs: ItemsService's `watchItems` (items-rpc.ts). */
export type WatchItemsImpl = (req: WatchItemsRequest, ctx: HandlerContext) => AsyncIterable<MessageInitShape<typeof WatchItemsResponseSchema>>;

/** What the router has too: its interceptors, compressions and limits, so this path is held to the same rules. */
export interface WatchItemsHandlerOptions {
  interceptors: Interceptor[];
  acceptCompression: Compression[];
  readMaxBytes: number;
  shutdownSignal?: AbortSignal;
}

/** The content types of a server-streaming call, for a client that sent another. */
const STREAMING_TYPES = "application/connect+json, application/connect+proto, application/grpc or application/grpc-web";

/** The largest deadline a client may ask for: what a Node timer can wait. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Each protocol's headers for compression, and its content types. */
const PROTOCOLS = {
  connect: { encoding: "connect-content-encoding", acceptEncoding: "connect-accept-encoding", type: (binary: boolean) => `application/connect+${binary ? "proto" : "json"}` },
  grpc: { encoding: "grpc-encoding", acceptEncoding: "grpc-accept-encoding", type: (binary: boolean) => `application/grpc+${binary ? "proto" : "json"}` },
  "grpc-web": { encoding: "grpc-encoding", acceptEncoding: "grpc-accept-encoding", type: (binary: boolean) => `application/grpc-web+${binary ? "proto" : "json"}` },
} as const;

/** The single enveloped request message, inflated (to at most readMaxBytes) and parsed. */
async function decodeRequest(body: Buffer, binary: boolean, compression: Compression | null, readMaxBytes: number): Promise<WatchItemsRequest> {
  if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5) throw new ConnectError("request body is not one enveloped message", Code.InvalidArgument);
  let payload: Uint8Array = body.subarray(5);
  if (body[0]! & compressedFlag) {
    if (!compression) throw new ConnectError("request message is compressed, but the request names no compression", Code.Internal);
    payload = await compression.decompress(payload, readMaxBytes);
  }
  if (binary) {
    try {
      return fromBinary(WatchItemsRequestSchema, payload);
    } catch {
      throw new ConnectError(badProtobufMessage(WatchItemsRequestSchema.typeName), Code.InvalidArgument);
    }
  }
  try {
    return fromJsonString(WatchItemsRequestSchema, Buffer.from(payload).toString("utf8"), { ignoreUnknownFields: true });
  } catch (error) {
    throw new ConnectError(`cannot parse WatchItemsRequest: ${(error as Error).message}`, Code.InvalidArgument);
  }
}

/** The request body, or canceled if the client goes away first; holds nothing once read. */
async function readBodyUnlessGone(req: NodeRequest, res: NodeResponse, maxBytes: number): Promise<Buffer | undefined> {
  let onGone: (() => void) | undefined;
  const gone = new Promise<never>((_, reject) => {
    onGone = () => reject(new ConnectError("the client went away", Code.Canceled));
    if (res.destroyed) onGone();
    else res.on("close", onGone);
  });
  try {
    return await Promise.race([readBody(req, maxBytes), gone]);
  } finally {
    res.off("close", onGone!);
  }
}

async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}

/** The call's StreamContext, for the innermost link of the interceptor chain (built once per handler). */
const streamContextKey = createContextKey<StreamContext | undefined>(undefined, { description: "stream context" });

type Protocol = keyof typeof PROTOCOLS;
type Invoke = (req: StreamRequest) => Promise<StreamResponse>;

/**
 * One WatchItems call: reads and decodes the request, runs the interceptors and the
 * implementation, begins the response and ends it with the stream's status. A class, so that a
 * stream open for hours keeps one object and its methods are shared, where closures per call
 * would each keep the call's whole scope.
 */
class WatchItemsCall {
  /** The client's end: a reset stream or a closed connection, before or after the response. */
  readonly onClose = (): void => this.ctx.clientGone();

  constructor(
    private readonly res: NodeResponse,
    private readonly ctx: StreamContext,
    private readonly transport: StreamTransport,
    private readonly protocol: Protocol,
    private readonly binary: boolean,
  ) {}

  begin(): void {
    const res = this.res;
    if (res.headersSent || res.destroyed) return;
    const header = this.ctx.responseHeader;
    const head: Record<string, string | string[]> = { "cache-control": "no-store", "x-accel-buffering": "no" };
    header.forEach((value, name) => (head[name] = name === "set-cookie" ? header.getSetCookie() : value));
    res.writeHead(200, head);
    (res as { flushHeaders?: () => void }).flushHeaders?.();
  }

  /**
   * Pulls the implementation's messages and writes them in order (nothing, on this path: the
   * implementation writes its events itself once the response has begun), then ends the
   * response with the stream's status. Nothing else waits on the stream meanwhile.
   */
  pump(messages: AsyncIterator<unknown>): void {
    let next: Promise<IteratorResult<unknown>>;
    try {
      next = messages.next();
    } catch (error) {
      return this.end(toConnectError(error));
    }
    // The implementation has read what it needs of the request's headers by now.
    this.ctx.started();
    next.then(
      (result) => {
        if (result.done) return this.end(undefined);
        try {
          const message = create(WatchItemsResponseSchema, result.value as MessageInitShape<typeof WatchItemsResponseSchema>);
          this.transport.write(encodeEnvelope(0, this.binary ? toBinary(WatchItemsResponseSchema, message) : Buffer.from(toJsonString(WatchItemsResponseSchema, message))));
        } catch (error) {
          // As a for-await loop left by a throw: the implementation is told to stop.
          void messages.return?.().catch(() => {});
          return this.end(toConnectError(error));
        }
        this.pump(messages);
      },
      (reason: unknown) => this.end(toConnectError(reason)),
    );
  }

  end(error: ConnectError | undefined): void {
    const { ctx, res, transport } = this;
    ctx.abort();
    const record = ctx.values.get(callRecordKey);
    if (record) record.code ??= error ? codeName(error.code) : "ok";
    if (res.destroyed || res.writableEnded) return;
    this.begin();
    const trailer = ctx.responseTrailer;
    if (this.protocol === "connect") {
      transport.write(encodeEnvelope(endStreamFlag, Buffer.from(JSON.stringify(endStreamToJson(trailer, error, undefined)))));
    } else if (this.protocol === "grpc-web") {
      transport.write(encodeEnvelope(trailerFlag, trailerSerialize(setTrailerStatus(trailer, error))));
    } else {
      const trailers: Record<string, string> = {};
      setTrailerStatus(trailer, error).forEach((value, name) => (trailers[name] = value));
      res.addTrailers(trailers);
    }
    res.end();
  }
}

/**
 * `ItemsService.WatchItems` over Connect streaming, gRPC and gRPC-Web: the one RPC served beside
 * Connect's router rather than by it, because the figures demand it (README, Performance): at
 * 10,000 watchers Connect's per-stream pipeline holds about 30 KB more per idle stream than the
 * 20 KB budget allows. Everything else is Connect's: content types, compression negotiation,
 * deadlines, the handler context, the router's interceptors (auth, errors with their details,
 * the request log's code, revocation), and end-of-stream and trailer encoding. The
 * implementation is ItemsService's own `watchItems`; its events are written as frames encoded
 * once for every watcher (see watch-items-stream.ts).
 */
export function createWatchItemsHandler(impl: WatchItemsImpl, options: WatchItemsHandlerOptions): (req: NodeRequest, res: NodeResponse, values: ContextValues) => void {
  const method = ItemsApi.method.watchItems;
  const shutdown = options.shutdownSignal && new StreamShutdown(options.shutdownSignal);
  // The router's interceptors, outermost first, around the implementation: chained once here, the
  // call's context found in its context values.
  const invoke = options.interceptors.reduceRight<Invoke>(
    (inner, interceptor) => interceptor(inner as never) as never,
    async (r) => {
      let request: WatchItemsRequest | undefined;
      for await (const m of r.message) request = m as WatchItemsRequest;
      const ctx = r.contextValues.get(streamContextKey)!;
      return {
        stream: true,
        service: ItemsApi,
        method,
        header: ctx.responseHeader,
        // Made when first used (at the end, mostly).
        get trailer() {
          return ctx.responseTrailer;
        },
        message: impl(request!, ctx),
        contextValues: r.contextValues,
      } as StreamResponse;
    },
  );

  /** Everything before the stream: the request read and decoded, the interceptors run, the response begun. */
  async function open(
    call: WatchItemsCall,
    req: NodeRequest,
    res: NodeResponse,
    ctx: StreamContext,
    kind: { protocol: Protocol; binary: boolean },
    timeoutError: ConnectError | undefined,
  ): Promise<AsyncIterator<unknown>> {
    const names = PROTOCOLS[kind.protocol];
    const compression = compressionNegotiate(
      options.acceptCompression,
      nodeHeader(req.headers, names.encoding),
      nodeHeader(req.headers, names.acceptEncoding),
      names.acceptEncoding,
    );
    if (compression.error) throw compression.error;
    if (compression.response) ctx.responseHeader.set(names.encoding, compression.response.name);
    if (timeoutError) throw timeoutError;
    const body = await readBodyUnlessGone(req, res, options.readMaxBytes + 5);
    if (!body) throw new ConnectError(`request body over ${options.readMaxBytes} bytes`, Code.ResourceExhausted);
    const request = await decodeRequest(body, kind.binary, compression.request, options.readMaxBytes);
    const response = await invoke({
      stream: true,
      service: ItemsApi,
      method,
      requestMethod: "POST",
      url: ctx.url,
      // Made only if an interceptor asks for it (see StreamContext).
      get signal() {
        return ctx.signal;
      },
      header: ctx.requestHeader,
      contextValues: ctx.values,
      message: once(request),
    } as StreamRequest);
    call.begin();
    return response.message[Symbol.asyncIterator]();
  }

  return (req, res, values) => {
    const kind = streamingProtocolOf(req.headers["content-type"] ?? null);
    if (req.method !== "POST" || !kind) {
      const record = values.get(callRecordKey);
      if (record) record.code = "unsupported_media_type";
      const error = toConnectError(contentTypeUnsupported(req.headers["content-type"] ?? "", req.method ?? "", STREAMING_TYPES));
      res.writeHead(req.method !== "POST" ? 405 : 415, { "content-type": "application/json", allow: "POST" });
      res.end(JSON.stringify(errorToJson(error, undefined)));
      return;
    }
    const { protocol, binary } = kind;
    const transport = nodeStreamTransport(req, res);
    const timeout = timeoutOf(req, protocol);
    const ctx = new StreamContext({
      service: ItemsApi,
      method,
      protocolName: protocol,
      url: `http://${nodeHeader(req.headers, "host") ?? "localhost"}${req.url ?? ""}`,
      timeoutMs: timeout.timeoutMs,
      shutdown,
      requestHeaders: req.headers,
      responseHeader: { "content-type": PROTOCOLS[protocol].type(binary) },
      values: values.set(streamTransportKey, transport),
    });
    values.set(streamContextKey, ctx);
    const call = new WatchItemsCall(res, ctx, transport, protocol, binary);
    res.on("close", call.onClose);
    open(call, req, res, ctx, kind, timeout.error).then(
      (messages) => call.pump(messages),
      // Errors before the interceptors (compression, timeout, body) get the catalog's details here.
      (reason: unknown) => call.end(toConnectError(reason)),
    );
  };
}

/** The client's deadline, in its protocol's header. */
function timeoutOf(req: NodeRequest, protocol: Protocol): { timeoutMs?: number; error?: ConnectError } {
  return protocol === "connect"
    ? parseConnectTimeout(nodeHeader(req.headers, "connect-timeout-ms"), MAX_TIMEOUT_MS)
    : parseGrpcTimeout(nodeHeader(req.headers, "grpc-timeout"), MAX_TIMEOUT_MS);
}
