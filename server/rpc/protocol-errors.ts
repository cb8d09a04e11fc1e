import { Code, ConnectError } from "@connectrpc/connect";
import { encodeEnvelope, type UniversalServerResponse } from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  endStreamFlag,
  endStreamFromJson,
  endStreamToJson,
  errorFromJsonBytes,
  errorToJsonBytes,
  parseContentType as parseConnectType,
} from "@connectrpc/connect/protocol-connect";
import { findTrailerError, parseContentType as parseGrpcType, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import { parseContentType as parseGrpcWebType, trailerFlag, trailerParse, trailerSerialize } from "@connectrpc/connect/protocol-grpc-web";
import { ErrorInfoSchema } from "../../shared/gen/google/rpc/error_info_pb.js";
import { contentTypeUnsupported, requestMalformed } from "../errors.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { codeName, toConnectError } from "../wire/client-error.js";
import type { CallRecord } from "./call-record.js";

/**
 * Errors that Connect's protocol code writes itself, before (or around) the router's
 * interceptors, given the catalog's ErrorInfo like every other error: a body that does not parse,
 * a malformed envelope, an unknown compression, a bad timeout header, a body over the limit, an
 * unsupported content type or HTTP method, a deadline. One exception is rewritten, not only
 * given details: Connect (2.1) reports a body that is not valid binary protobuf as `internal`,
 * with the parser's words ("parse binary: premature EOF"); it is the client's fault, so it
 * becomes invalid_argument (REQUEST_MALFORMED) with a message that names the expected type.
 */
const PARSER_PREFIX = "parse binary:";

/** The client's message for a request body the protobuf parser refused. */
export function badProtobufMessage(typeName: string): string {
  return `the request is not a valid ${typeName} in the protobuf binary format`;
}

/** The error a client gets in place of `error`, or undefined when `error` already carries the catalog's ErrorInfo. */
function catalogError(error: ConnectError, typeName: string): ConnectError | undefined {
  if (error.findDetails(ErrorInfoSchema).length > 0) return undefined;
  if (error.code === Code.Internal && error.rawMessage.startsWith(PARSER_PREFIX)) return toConnectError(requestMalformed(badProtobufMessage(typeName)));
  // Without the headers it was read with (a gRPC trailer's own fields): those are on the response already.
  return toConnectError(new ConnectError(error.rawMessage, error.code));
}

/** Connect's unary status for a code (415 and 405 kept where Connect answered them). */
function httpStatusOf(error: ConnectError): number {
  return codeToHttpStatus(error.code);
}

/**
 * Returns `uRes` with any error Connect wrote without details given the catalog's: a Connect
 * unary error body, a Connect end-stream message, a gRPC-Web trailer frame or gRPC trailers; and
 * Connect's bodiless 415 and 405 answered as Connect unary errors (CONTENT_TYPE_UNSUPPORTED).
 * Every other response passes through untouched (only unary error bodies are buffered).
 */
export async function withCatalogErrors(uRes: UniversalServerResponse, req: NodeRequest, typeName: string, record: CallRecord): Promise<UniversalServerResponse> {
  if (uRes.status === 415 || uRes.status === 405) {
    const error = toConnectError(contentTypeUnsupported(req.headers["content-type"] ?? "", req.method ?? ""));
    record.code = codeName(error.code);
    const header = new Headers(uRes.header);
    header.set("content-type", "application/json");
    const body = errorToJsonBytes(error, undefined);
    header.set("content-length", String(body.byteLength));
    return { ...uRes, header, body: once(body) };
  }
  const contentType = uRes.header?.get("content-type") ?? "";
  if (uRes.status !== 200 && contentType.startsWith("application/json") && !uRes.header?.has("content-encoding")) {
    return connectUnary(uRes, typeName, record);
  }
  if (!uRes.body) return uRes;
  const body = uRes.body;
  // Only enveloped responses end in a frame; a unary body is a bare message.
  const framed = contentType.startsWith("application/grpc-web") || contentType.startsWith("application/connect+");
  // A unary answer without trailers (Connect's, every successful write) has nothing to rewrite: no re-wrapped body.
  if (!framed && !uRes.trailer) return uRes;
  return {
    ...uRes,
    body: (async function* () {
      for await (const chunk of body) yield framed ? rewriteEndFrame(chunk, typeName, record) : chunk;
      // gRPC: the status is in the trailers, complete once the body has ended.
      const trailer = uRes.trailer;
      const error = trailer && findTrailerError(trailer);
      const fixed = error && catalogError(error, typeName);
      if (fixed) {
        setTrailerStatus(trailer, fixed);
        record.code = codeName(fixed.code);
      }
    })(),
  };
}

async function* once(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}

async function connectUnary(uRes: UniversalServerResponse, typeName: string, record: CallRecord): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  if (uRes.body) for await (const chunk of uRes.body) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  let fixed: ConnectError | undefined;
  try {
    fixed = catalogError(errorFromJsonBytes(bytes, undefined, new ConnectError("", Code.Unknown)), typeName);
  } catch {
    fixed = undefined; // Not a Connect error body: passed on as it is.
  }
  if (!fixed) return { ...uRes, body: once(bytes) };
  const body = errorToJsonBytes(fixed, undefined);
  const header = new Headers(uRes.header);
  fixed.metadata.forEach((value, name) => header.set(name, value));
  header.set("content-length", String(body.byteLength));
  record.code = codeName(fixed.code);
  return { ...uRes, status: httpStatusOf(fixed), header, body: once(body) };
}

/**
 * A Connect end-stream frame (flag 0x02, JSON) or a gRPC-Web trailer frame (flag 0x80, HTTP
 * header text) whose error has no ErrorInfo, rewritten with the catalog's; any other chunk as it
 * is. Both frames are small and uncompressed here (under Connect's 1 KiB compression threshold).
 */
function rewriteEndFrame(chunk: Uint8Array, typeName: string, record: CallRecord): Uint8Array {
  if (chunk.byteLength < 5 || (chunk[0] !== endStreamFlag && chunk[0] !== trailerFlag)) return chunk;
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (bytes.readUInt32BE(1) !== bytes.byteLength - 5) return chunk;
  const payload = bytes.subarray(5);
  try {
    if (chunk[0] === endStreamFlag) {
      const end = endStreamFromJson(payload);
      const fixed = end.error && catalogError(end.error, typeName);
      if (!fixed) return chunk;
      record.code = codeName(fixed.code);
      return encodeEnvelope(endStreamFlag, Buffer.from(JSON.stringify(endStreamToJson(end.metadata, fixed, undefined))));
    }
    const trailer = trailerParse(payload);
    const error = findTrailerError(trailer);
    const fixed = error && catalogError(error, typeName);
    if (!fixed) return chunk;
    record.code = codeName(fixed.code);
    return encodeEnvelope(trailerFlag, trailerSerialize(setTrailerStatus(trailer, fixed)));
  } catch {
    return chunk; // Not an end frame after all (a message that happens to begin so).
  }
}

/** Which streaming protocol a request speaks (gRPC, gRPC-Web, Connect streaming), by its content type; undefined for Connect unary and anything else. */
export function streamingProtocolOf(contentType: string | null): { protocol: "grpc" | "grpc-web" | "connect"; binary: boolean } | undefined {
  const connect = parseConnectType(contentType);
  if (connect?.stream) return { protocol: "connect", binary: connect.binary };
  const grpcWeb = parseGrpcWebType(contentType);
  if (grpcWeb && !grpcWeb.text) return { protocol: "grpc-web", binary: grpcWeb.binary };
  const grpc = parseGrpcType(contentType);
  if (grpc) return { protocol: "grpc", binary: grpc.binary };
  return undefined;
}

/**
 * Answers a gRPC, gRPC-Web or Connect streaming request with `cause` in its own protocol (so a
 * client of it reads the code and details), and returns true; returns false, answering nothing,
 * for any other request (Connect unary, plain HTTP), which the caller answers as JSON.
 */
export function sendStreamingProtocolError(req: NodeRequest, res: NodeResponse, record: CallRecord, cause: unknown): boolean {
  const kind = req.method === "POST" ? streamingProtocolOf(req.headers["content-type"] ?? null) : undefined;
  if (!kind) return false;
  const error = toConnectError(cause);
  record.code = codeName(error.code);
  const type = `application/${kind.protocol}+${kind.binary ? "proto" : "json"}`;
  if (kind.protocol === "grpc") {
    // Trailers-only: the status in the one header block, which ends the stream.
    const head: Record<string, string> = { "content-type": type };
    setTrailerStatus(new Headers(), error).forEach((value, name) => (head[name] = value));
    res.writeHead(200, head);
    res.end();
    return true;
  }
  const frame =
    kind.protocol === "grpc-web"
      ? encodeEnvelope(trailerFlag, trailerSerialize(setTrailerStatus(new Headers(), error)))
      : encodeEnvelope(endStreamFlag, Buffer.from(JSON.stringify(endStreamToJson(new Headers(), error, undefined))));
  res.writeHead(200, { "content-type": type, "content-length": String(frame.byteLength) });
  res.end(frame);
  return true;
}
