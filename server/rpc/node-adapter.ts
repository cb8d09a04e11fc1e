import { Code, ConnectError, createConnectRouter, type ConnectRouter, type ConnectRouterOptions, type ContextValues } from "@connectrpc/connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import { codeToHttpStatus, errorToJson } from "@connectrpc/connect/protocol-connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { REQUEST_BODY_MAX_BYTES } from "../../shared/limits.js";
import type { Logger } from "../logger.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { clientWentAway, readBody } from "./body-reader.js";
import type { CallRecord } from "./call-record.js";
import { readDeclaredBody } from "./declared-body.js";
import { DomainError, headerInvalid, invalidArgument, procedureNotFound, protocolUnsupported, requestTooLarge } from "../errors.js";
import { codeName, toConnectError } from "../wire/client-error.js";
import { findUnknownEnumName } from "./json-enums.js";
import { sendStreamingProtocolError, withCatalogErrors } from "./protocol-errors.js";
import { ReadCache, type CachedResponse } from "./read-cache.js";
import { nodeStreamTransport, streamTransportKey } from "./stream-transport.js";
import { unaryRequest } from "./unary-request.js";

export interface RpcAdapterOptions extends ConnectRouterOptions {
  routes: (router: ConnectRouter) => void;
  /** A call's context values, from its request and the record the request log reads. */
  contextValues: (req: NodeRequest, record: CallRecord) => ContextValues;
  fallback: (req: NodeRequest, res: NodeResponse) => void;
  /**
   * RPCs served by a handler of their own (path → handler) instead of the router's, with the
   * same context values; each must apply the router's interceptors itself.
   */
  ownPaths?: ReadonlyMap<string, (req: NodeRequest, res: NodeResponse, values: ContextValues) => void>;
  /** Answers repeated public reads from memory; see ReadCache. */
  cache?: ReadCache;
  /**
   * Decides, before the cache is asked, whether a caller with credentials may be answered from
   * it: access first (credentials checked, the procedure allowed). Resolves the headers this
   * caller's answer must carry besides the shared ones (a renewed session's cookie), or undefined
   * to take the uncached road, which gives the same refusal as any call. Without it, only
   * anonymous calls share the cache, and only when `anonymousReads` is true.
   */
  admit?: (procedure: string, req: NodeRequest) => Promise<Record<string, string> | undefined>;
  /** Whether anonymous callers may read the cached procedures without being asked (not --private). */
  anonymousReads?: boolean;
  log: Logger;
}

function isJson(req: NodeRequest): boolean {
  return (req.headers["content-type"] ?? "").split(";", 1)[0]!.trim().toLowerCase() === "application/json";
}

/** Whether a request is a Connect unary call with a JSON body (what scripts and curl send). */
function isConnectUnaryJson(req: NodeRequest): boolean {
  return req.method === "POST" && isJson(req) && req.headers["connect-content-encoding"] === undefined;
}

/** A request's path, without its query. */
export function pathOf(url: string | undefined): string {
  if (url === undefined) return "";
  const query = url.indexOf("?");
  return query === -1 ? url : url.slice(0, query);
}

/** Sends a cached answer, with the headers this caller adds to it (none for an anonymous one). */
function sendCached(res: NodeResponse, record: CallRecord, hit: CachedResponse, own: Record<string, string> | undefined): void {
  record.code = "ok";
  res.writeHead(hit.status, own === undefined ? hit.headers : { ...hit.headers, ...own });
  res.end(hit.body);
}

async function collect(body: AsyncIterable<Uint8Array> | undefined): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  if (body) for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Answers a Connect unary call with an error, as Connect would: with its details (see toConnectError). */
function sendError(res: NodeResponse, record: CallRecord, cause: DomainError | ConnectError, closeConnection = false): void {
  const error = toConnectError(cause);
  record.code = codeName(error.code);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (closeConnection && res.req.httpVersionMajor === 1) headers.connection = "close";
  error.metadata.forEach((value, name) => (headers[name] = value));
  res.writeHead(codeToHttpStatus(error.code), headers);
  res.end(JSON.stringify(errorToJson(error, undefined)));
}

/**
 * Connect's Node adapter (`connectNodeAdapter`), with two additions for Connect unary JSON calls,
 * whose bodies it reads itself: an enum value given by an unknown name is refused with
 * invalid_argument instead of silently dropped; and anonymous public reads are answered from a
 * ReadCache while the data has not changed. In every protocol, a body that is not valid binary
 * protobuf is answered invalid_argument, not Connect's `internal`, and every error Connect writes
 * itself carries the catalog's ErrorInfo (see withCatalogErrors); a streaming call of an unknown
 * RPC is answered in its protocol (PROCEDURE_NOT_FOUND), anything else unknown by `fallback`.
 */
export function createRpcAdapter(options: RpcAdapterOptions): (req: NodeRequest, res: NodeResponse, record: CallRecord, path?: string) => void {
  const router = createConnectRouter(options);
  options.routes(router);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));
  const { cache, log } = options;
  const anonymousReads = options.anonymousReads ?? true;

  /** The headers this caller adds to a shared answer, or undefined when it may not have one (see RpcAdapterOptions.admit). */
  async function admitted(path: string, req: NodeRequest): Promise<Record<string, string> | undefined> {
    if (anonymousReads && !ReadCache.credentialed(req)) return {};
    if (!options.admit) return undefined;
    try {
      return await options.admit(path.slice(1), req);
    } catch {
      return undefined; // The uncached road refuses it properly, with the error's code and details.
    }
  }

  const reportFailure = (name: string, reason: unknown) => {
    if (ConnectError.from(reason).code !== Code.Aborted) log.error({ err: reason, rpc: name }, "writing the response failed");
  };

  /** What Connect answers a call compressed with an encoding it does not accept (before the cache may answer it). */
  function unknownCompression(encoding: string): DomainError {
    const names = (options.acceptCompression ?? []).map((c) => c.name).join(",");
    return protocolUnsupported(`unknown compression "${encoding}": supported encodings are ${names}`);
  }

  /** A compressed unary body inflated, to at most REQUEST_BODY_MAX_BYTES (Connect's compressions stop there); as it is without a known Content-Encoding. */
  async function inflated(req: NodeRequest, body: Buffer): Promise<{ body: Buffer; inflated: boolean }> {
    const encoding = req.headers["content-encoding"];
    if (!encoding || encoding === "identity") return { body, inflated: false };
    const compression = options.acceptCompression?.find((c) => c.name === encoding);
    if (!compression) throw unknownCompression(encoding);
    return { body: Buffer.from(await compression.decompress(body, REQUEST_BODY_MAX_BYTES)), inflated: true };
  }

  /** Whether an anonymous caller's uncompressed read may be answered from the cache without being asked anything. */
  const answersAtOnce = (req: NodeRequest) => anonymousReads && !ReadCache.credentialed(req) && !req.headers["content-encoding"];

  /**
   * A cacheable read: its small body read, then (the common case) answered from the cache at once,
   * with no promise between the request and its answer; else served as any other owned body.
   */
  function serveCacheable(handler: UniversalHandler, path: string, req: NodeRequest, res: NodeResponse, record: CallRecord): void {
    readDeclaredBody(req, (error, body) => {
      if (error === undefined && answersAtOnce(req)) {
        const hit = cache!.get(cache!.key(path, req, body));
        if (hit) return sendCached(res, record, hit, undefined);
      }
      const read = error === undefined ? Promise.resolve(body) : Promise.reject(clientWentAway(error));
      serveOwnedBody(handler, path, true, req, res, record, read).catch(failed(handler, res, record));
    });
  }

  /** What answers a call whose serving failed (unless the client went away). */
  const failed = (handler: UniversalHandler, res: NodeResponse, record: CallRecord) => (reason: unknown) => {
    reportFailure(handler.method.name, reason);
    if (!res.headersSent) sendError(res, record, new ConnectError("internal error", Code.Internal));
    else res.end();
  };

  async function serveOwnedBody(
    handler: UniversalHandler,
    path: string,
    cacheable: boolean,
    req: NodeRequest,
    res: NodeResponse,
    record: CallRecord,
    read: Promise<Buffer | undefined> = readBody(req, REQUEST_BODY_MAX_BYTES),
  ): Promise<void> {
    const wire = await read;
    if (!wire) {
      // The rest of the body stays unread: this connection cannot carry another request.
      return sendError(res, record, requestTooLarge(REQUEST_BODY_MAX_BYTES), true);
    }
    let body: Buffer;
    let wasCompressed: boolean;
    try {
      ({ body, inflated: wasCompressed } = await inflated(req, wire));
    } catch (error) {
      // Too big once inflated (the limit stops inflating there), or not the compression it says.
      if (error instanceof DomainError) return sendError(res, record, error);
      const refusal = ConnectError.from(error);
      if (refusal.code === Code.ResourceExhausted) return sendError(res, record, requestTooLarge(REQUEST_BODY_MAX_BYTES));
      return sendError(res, record, headerInvalid("content-encoding", `the request body is not valid ${String(req.headers["content-encoding"])}`));
    }
    // Access first: a caller who may not read goes the uncached road, to be refused there.
    const own = cacheable ? await admitted(path, req) : undefined;
    if (!own) cacheable = false;
    // A cached answer first: the same bytes were checked and answered before, at this version.
    const key = cacheable ? cache!.key(path, req, body) : "";
    const hit = cacheable ? cache!.get(key) : undefined;
    if (hit) return sendCached(res, record, hit, own);
    if (isJson(req)) {
      let json: unknown;
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        json = undefined; // Connect's own parser gives the standard error below.
      }
      const unknownEnum = json === undefined ? undefined : findUnknownEnumName(handler.method.input, json);
      if (unknownEnum) return sendError(res, record, invalidArgument(unknownEnum.field, unknownEnum.problem));
    }
    const version = cache?.currentVersion ?? 0;
    const uReq = unaryRequest(req, res, new Uint8Array(body.buffer, body.byteOffset, body.byteLength), options.contextValues(req, record));
    // Connect gets the body inflated already.
    if (wasCompressed) {
      uReq.header.delete("content-encoding");
      uReq.header.set("content-length", String(body.byteLength));
    }
    const uRes = await withCatalogErrors(await handler(uReq), req, handler.method.input.typeName, record);
    if (!cacheable) return universalResponseToNodeResponse(uRes, res);
    const bytes = await collect(uRes.body);
    const headers: Record<string, string> = {};
    uRes.header?.forEach((value, name) => (headers[name] = value));
    if (uRes.status === 200 && !uRes.trailer && !("set-cookie" in headers)) cache!.set(key, version, { status: 200, headers, body: bytes });
    res.writeHead(uRes.status, { ...headers, ...own });
    res.end(bytes);
  }

  return (req, res, record, path = pathOf(req.url)) => {
    const own = options.ownPaths?.get(path);
    if (own) return own(req, res, options.contextValues(req, record));
    const handler = handlers.get(path);
    if (!handler) {
      // A gRPC, gRPC-Web or Connect streaming client reads an error only in its own protocol.
      if (sendStreamingProtocolError(req, res, record, procedureNotFound(path))) return;
      return options.fallback(req, res);
    }
    if (cache?.accepts(path, req)) return serveCacheable(handler, path, req, res, record);
    if (isConnectUnaryJson(req)) {
      serveOwnedBody(handler, path, false, req, res, record).catch(failed(handler, res, record));
      return;
    }
    const values = options.contextValues(req, record).set(streamTransportKey, nodeStreamTransport(req, res));
    const uReq = universalRequestFromNodeRequest(req, res, undefined, values);
    handler(uReq)
      .then((uRes) => withCatalogErrors(uRes, req, handler.method.input.typeName, record))
      .then((uRes) => universalResponseToNodeResponse(uRes, res))
      .catch((reason: unknown) => reportFailure(handler.method.name, reason));
  };
}
