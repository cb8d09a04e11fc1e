import { Code, ConnectError, createConnectRouter, type ConnectRouter, type ConnectRouterOptions, type ContextValues } from "@connectrpc/connect";
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from "@connectrpc/connect-node";
import { errorToJson } from "@connectrpc/connect/protocol-connect";
import type { UniversalHandler, UniversalServerRequest } from "@connectrpc/connect/protocol";
import { REQUEST_BODY_MAX_BYTES } from "../../shared/limits.js";
import type { Logger } from "../logger.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { refuseBadProtobuf } from "./bad-protobuf.js";
import type { CallRecord } from "./call-record.js";
import { invalidArgument, requestTooLarge, type DomainError } from "../errors.js";
import { codeName, toConnectError } from "./error-interceptor.js";
import { findUnknownEnumName } from "./json-enums.js";
import type { ReadCache } from "./read-cache.js";

export interface RpcAdapterOptions extends ConnectRouterOptions {
  routes: (router: ConnectRouter) => void;
  /** A call's context values, from its request and the record the request log reads. */
  contextValues: (req: NodeRequest, record: CallRecord) => ContextValues;
  fallback: (req: NodeRequest, res: NodeResponse) => void;
  /** Answers repeated public reads from memory; see ReadCache. */
  cache?: ReadCache;
  log: Logger;
}

/** Connect's HTTP status for the codes this adapter answers itself. */
const HTTP_STATUS: Partial<Record<Code, number>> = { [Code.InvalidArgument]: 400, [Code.ResourceExhausted]: 429 };

function isJson(req: NodeRequest): boolean {
  return (req.headers["content-type"] ?? "").split(";", 1)[0]!.trim().toLowerCase() === "application/json";
}

/** Whether a request is a Connect unary call with a JSON body (what scripts and curl send). */
function isConnectUnaryJson(req: NodeRequest): boolean {
  return req.method === "POST" && isJson(req) && req.headers["connect-content-encoding"] === undefined;
}

/** Reads the whole body, or undefined once it passes `max` bytes (reading stops there). */
function readBody(req: NodeRequest, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > max) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off("data", onData);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks)));
    // The client went away, or was cut off for sending too slowly: not a server failure.
    req.once("error", (error) => reject(new ConnectError("the client went away before sending its whole request", Code.Aborted, undefined, undefined, error)));
  });
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
  res.writeHead(HTTP_STATUS[error.code] ?? 500, headers);
  res.end(JSON.stringify(errorToJson(error, undefined)));
}

/**
 * Connect's Node adapter (`connectNodeAdapter`), with two additions for Connect unary JSON calls,
 * whose bodies it reads itself: an enum value given by an unknown name is refused with
 * invalid_argument instead of silently dropped; and anonymous public reads are answered from a
 * ReadCache while the data has not changed. In every protocol, a body that is not valid binary
 * protobuf is answered invalid_argument, not Connect's `internal` (see refuseBadProtobuf).
 */
export function createRpcAdapter(options: RpcAdapterOptions): (req: NodeRequest, res: NodeResponse, record: CallRecord) => void {
  const router = createConnectRouter(options);
  options.routes(router);
  const handlers = new Map(router.handlers.map((h) => [h.requestPath, h]));
  const { cache, log } = options;

  const reportFailure = (name: string, reason: unknown) => {
    if (ConnectError.from(reason).code !== Code.Aborted) log.error({ err: reason, rpc: name }, "writing the response failed");
  };

  async function serveOwnedBody(handler: UniversalHandler, path: string, cacheable: boolean, req: NodeRequest, res: NodeResponse, record: CallRecord): Promise<void> {
    const body = await readBody(req, REQUEST_BODY_MAX_BYTES);
    if (!body) {
      // The rest of the body stays unread: this connection cannot carry another request.
      return sendError(res, record, requestTooLarge(REQUEST_BODY_MAX_BYTES), true);
    }
    // A cached answer first: the same bytes were checked and answered before, at this version.
    const key = cacheable ? cache!.key(path, req, body) : "";
    const hit = cacheable ? cache!.get(key) : undefined;
    if (hit) {
      record.code = "ok";
      res.writeHead(hit.status, hit.headers);
      res.end(hit.body);
      return;
    }
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
    const base = universalRequestFromNodeRequest(req, res, undefined, options.contextValues(req, record));
    const uReq: UniversalServerRequest = {
      ...base,
      body: (async function* () {
        yield new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      })(),
    };
    const uRes = await refuseBadProtobuf(await handler(uReq), handler.method.input.typeName, record);
    if (!cacheable) return universalResponseToNodeResponse(uRes, res);
    const bytes = await collect(uRes.body);
    const headers: Record<string, string> = {};
    uRes.header?.forEach((value, name) => (headers[name] = value));
    if (uRes.status === 200 && !uRes.trailer && !("set-cookie" in headers)) cache!.set(key, version, { status: 200, headers, body: bytes });
    res.writeHead(uRes.status, headers);
    res.end(bytes);
  }

  return (req, res, record) => {
    const path = (req.url ?? "").split("?", 1)[0]!;
    const handler = handlers.get(path);
    if (!handler) return options.fallback(req, res);
    const cacheable = cache?.accepts(path, req) ?? false;
    if (cacheable || isConnectUnaryJson(req)) {
      serveOwnedBody(handler, path, cacheable, req, res, record).catch((reason: unknown) => {
        reportFailure(handler.method.name, reason);
        if (!res.headersSent) sendError(res, record, new ConnectError("internal error", Code.Internal));
        else res.end();
      });
      return;
    }
    const uReq = universalRequestFromNodeRequest(req, res, undefined, options.contextValues(req, record));
    handler(uReq)
      .then((uRes) => refuseBadProtobuf(uRes, handler.method.input.typeName, record))
      .then((uRes) => universalResponseToNodeResponse(uRes, res))
      .catch((reason: unknown) => reportFailure(handler.method.name, reason));
  };
}
