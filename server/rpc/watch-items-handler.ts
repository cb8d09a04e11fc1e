import { create, fromBinary, fromJsonString, toBinary, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ContextValues, type HandlerContext, type Interceptor, type StreamRequest, type StreamResponse } from "@connectrpc/connect";
import { compressedFlag, compressionNegotiate, encodeEnvelope, type Compression } from "@connectrpc/connect/protocol";
import { endStreamFlag, endStreamToJson, errorToJson, parseTimeout as parseConnectTimeout } from "@connectrpc/connect/protocol-connect";
import { parseTimeout as parseGrpcTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { trailerFlag, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { ItemsService as ItemsApi, WatchItemsRequestSchema, WatchItemsResponseSchema, type WatchItemsRequest } from "../../shared/gen/statusthing/v1/services_pb.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { toHeaders } from "../auth/request-facts.js";
import { badProtobufMessage, streamingProtocolOf } from "./protocol-errors.js";
import { readBody } from "./body-reader.js";
import { callRecordKey } from "./call-record.js";
import { codeName, toConnectError } from "../wire/client-error.js";
import { contentTypeUnsupported } from "../errors.js";
import { createStreamContext } from "./stream-context.js";
import { nodeStreamTransport, streamTransportKey } from "./stream-transport.js";

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
    const names = PROTOCOLS[protocol];
    const header = toHeaders(req.headers);
    const compression = compressionNegotiate(options.acceptCompression, header.get(names.encoding), header.get(names.acceptEncoding), names.acceptEncoding);
    const timeout = protocol === "connect" ? parseConnectTimeout(header.get("connect-timeout-ms"), MAX_TIMEOUT_MS) : parseGrpcTimeout(header.get("grpc-timeout"), MAX_TIMEOUT_MS);
    const transport = nodeStreamTransport(req, res);
    const url = `http://${header.get("host") ?? "localhost"}${req.url ?? ""}`;
    const ctx = createStreamContext({
      service: ItemsApi,
      method,
      protocolName: protocol,
      url,
      timeoutMs: timeout.timeoutMs,
      shutdownSignal: options.shutdownSignal,
      requestHeader: header,
      responseHeader: { "content-type": names.type(binary), ...(compression.response ? { [names.encoding]: compression.response.name } : {}) },
      values: values.set(streamTransportKey, transport),
    });
    // The client's end: a reset stream or a closed connection, before or after the response.
    res.on("close", ctx.clientGone);
    // The router's interceptors, outermost first, around the implementation.
    const invoke = options.interceptors.reduceRight<(r: StreamRequest) => Promise<StreamResponse>>(
      (inner, interceptor) => interceptor(inner as never) as never,
      async (r) => {
        let request: WatchItemsRequest | undefined;
        for await (const m of r.message) request = m as WatchItemsRequest;
        return {
          stream: true,
          service: ItemsApi,
          method,
          header: ctx.responseHeader,
          trailer: ctx.responseTrailer,
          message: impl(request!, ctx),
          contextValues: r.contextValues,
        } as StreamResponse;
      },
    );

    const begin = () => {
      if (res.headersSent || res.destroyed) return;
      const head: Record<string, string | string[]> = { "cache-control": "no-store", "x-accel-buffering": "no" };
      ctx.responseHeader.forEach((value, name) => (head[name] = name === "set-cookie" ? ctx.responseHeader.getSetCookie() : value));
      res.writeHead(200, head);
      (res as { flushHeaders?: () => void }).flushHeaders?.();
    };

    const run = async (): Promise<void> => {
      if (compression.error) throw compression.error;
      if (timeout.error) throw timeout.error;
      const body = await readBodyUnlessGone(req, res, options.readMaxBytes + 5);
      if (!body) throw new ConnectError(`request body over ${options.readMaxBytes} bytes`, Code.ResourceExhausted);
      const request = await decodeRequest(body, binary, compression.request, options.readMaxBytes);
      const response = await invoke({
        stream: true,
        service: ItemsApi,
        method,
        requestMethod: "POST",
        url,
        signal: ctx.signal,
        header,
        contextValues: ctx.values,
        message: once(request),
      } as StreamRequest);
      begin();
      // The implementation writes its events itself once the response has begun; anything it
      // yields (nothing, on this path) is written here in order.
      for await (const init of response.message) {
        const message = create(WatchItemsResponseSchema, init as MessageInitShape<typeof WatchItemsResponseSchema>);
        transport.write(encodeEnvelope(0, binary ? toBinary(WatchItemsResponseSchema, message) : Buffer.from(toJsonString(WatchItemsResponseSchema, message))));
      }
    };

    run().then(
      () => end(undefined),
      // Errors before the interceptors (compression, timeout, body) get the catalog's details here.
      (reason: unknown) => end(toConnectError(reason)),
    );

    function end(error: ConnectError | undefined): void {
      ctx.abort();
      const record = values.get(callRecordKey);
      if (record) record.code ??= error ? codeName(error.code) : "ok";
      if (res.destroyed || res.writableEnded) return;
      begin();
      const trailer = ctx.responseTrailer;
      if (protocol === "connect") {
        transport.write(encodeEnvelope(endStreamFlag, Buffer.from(JSON.stringify(endStreamToJson(trailer, error, undefined)))));
      } else if (protocol === "grpc-web") {
        transport.write(encodeEnvelope(trailerFlag, trailerSerialize(setTrailerStatus(trailer, error))));
      } else {
        const trailers: Record<string, string> = {};
        setTrailerStatus(trailer, error).forEach((value, name) => (trailers[name] = value));
        res.addTrailers(trailers);
      }
      res.end();
    }
  };
}
