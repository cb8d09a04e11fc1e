import { Code } from "@connectrpc/connect";
import type { UniversalServerResponse } from "@connectrpc/connect/protocol";
import type { CallRecord } from "./call-record.js";

/**
 * Connect (2.1) reports a request body that is not valid binary protobuf as `internal`, with the
 * parser's words ("parse binary: premature EOF"), and it does so before any interceptor runs.
 * It is the client's fault, so this rewrites exactly that error, in whichever protocol it was
 * written, to `invalid_argument` with a message that names the expected type and nothing else.
 */
const PARSER_PREFIX = "parse binary:";

/** The client's message for a request body the protobuf parser refused. */
export function badProtobufMessage(typeName: string): string {
  return `the request is not a valid ${typeName} in the protobuf binary format`;
}

/**
 * Returns `uRes` with Connect's "parse binary" internal error turned into invalid_argument: in a
 * Connect unary error body, a Connect end-stream message, a gRPC-Web trailer frame or gRPC
 * trailers. Every other response passes through untouched (only error bodies are buffered).
 */
export async function refuseBadProtobuf(uRes: UniversalServerResponse, typeName: string, record: CallRecord): Promise<UniversalServerResponse> {
  const message = badProtobufMessage(typeName);
  const contentType = uRes.header?.get("content-type") ?? "";
  if (uRes.status === 500 && contentType.startsWith("application/json") && !uRes.header?.has("content-encoding")) {
    return connectUnary(uRes, message, record);
  }
  if (!uRes.body) return uRes;
  const body = uRes.body;
  // Only enveloped responses end in a frame; a unary body is a bare message.
  const framed = contentType.startsWith("application/grpc-web") || contentType.startsWith("application/connect+");
  return {
    ...uRes,
    body: (async function* () {
      for await (const chunk of body) yield framed ? rewriteEndFrame(chunk, message, record) : chunk;
      // gRPC: the status is in the trailers, complete once the body has ended.
      const trailer = uRes.trailer;
      if (trailer && trailer.get("grpc-status") === String(Code.Internal) && isParserMessage(percentDecoded(trailer.get("grpc-message")))) {
        trailer.set("grpc-status", String(Code.InvalidArgument));
        trailer.set("grpc-message", encodeURIComponent(message));
        record.code = "invalid_argument";
      }
    })(),
  };
}

function isParserMessage(text: string): boolean {
  return text.startsWith(PARSER_PREFIX);
}

async function connectUnary(uRes: UniversalServerResponse, message: string, record: CallRecord): Promise<UniversalServerResponse> {
  const chunks: Uint8Array[] = [];
  if (uRes.body) for await (const chunk of uRes.body) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  const error = parseJson(bytes) as { code?: unknown; message?: unknown } | undefined;
  const isParserError = error?.code === "internal" && typeof error.message === "string" && isParserMessage(error.message);
  const body = isParserError ? Buffer.from(JSON.stringify({ code: "invalid_argument", message })) : bytes;
  const header = new Headers(uRes.header);
  if (isParserError) {
    header.set("content-length", String(body.byteLength));
    record.code = "invalid_argument";
  }
  return {
    ...uRes,
    status: isParserError ? 400 : uRes.status,
    header,
    body: (async function* () {
      yield body;
    })(),
  };
}

/**
 * A Connect end-stream frame (flag 0x02, JSON) or a gRPC-Web trailer frame (flag 0x80, HTTP
 * header text) that carries the parser's internal error, rewritten; any other chunk as it is.
 * Both frames are small and uncompressed here (under Connect's 1 KiB compression threshold).
 */
function rewriteEndFrame(chunk: Uint8Array, message: string, record: CallRecord): Uint8Array {
  if (chunk.byteLength < 5 || (chunk[0] !== 0x02 && chunk[0] !== 0x80)) return chunk;
  const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (bytes.readUInt32BE(1) !== bytes.byteLength - 5) return chunk;
  const text = bytes.subarray(5).toString("utf8");
  let rewritten: string | undefined;
  if (chunk[0] === 0x02) {
    const end = parseJson(bytes.subarray(5)) as { error?: { code?: unknown; message?: unknown } } | undefined;
    if (end?.error?.code === "internal" && typeof end.error.message === "string" && isParserMessage(end.error.message)) {
      rewritten = JSON.stringify({ error: { code: "invalid_argument", message } });
    }
  } else {
    const fields = new Map(
      text
        .split("\r\n")
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf(":")).trim().toLowerCase(), line.slice(line.indexOf(":") + 1).trim()]),
    );
    if (fields.get("grpc-status") === String(Code.Internal) && isParserMessage(percentDecoded(fields.get("grpc-message")))) {
      fields.set("grpc-status", String(Code.InvalidArgument));
      fields.set("grpc-message", encodeURIComponent(message));
      rewritten = [...fields].map(([name, value]) => `${name}: ${value}\r\n`).join("");
    }
  }
  if (rewritten === undefined) return chunk;
  record.code = "invalid_argument";
  const payload = Buffer.from(rewritten);
  const frame = Buffer.alloc(5 + payload.byteLength);
  frame[0] = chunk[0];
  frame.writeUInt32BE(payload.byteLength, 1);
  payload.copy(frame, 5);
  return frame;
}

/** A grpc-message value decoded; "" when it is not valid percent-encoding. */
function percentDecoded(value: string | null | undefined): string {
  try {
    return decodeURIComponent(value ?? "");
  } catch {
    return "";
  }
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    return undefined;
  }
}
