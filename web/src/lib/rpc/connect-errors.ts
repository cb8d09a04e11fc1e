import { appendHeaders, type ConnectError } from "@connectrpc/connect";
import { endStreamFromJson, errorFromJson } from "@connectrpc/connect/protocol-connect";

// Connect's error parsing, in a chunk of its own that the transport loads when its first call
// starts (see transport.ts): errors are JSON, the rest of the app's traffic binary.

/** The error of a unary call from its JSON body; `fallback` (from the HTTP status) when the body is not a Connect error. */
export function unaryError(json: unknown, [header, trailer]: [Headers, Headers], fallback: ConnectError): ConnectError {
  return errorFromJson(json as Parameters<typeof errorFromJson>[0], appendHeaders(header, trailer), fallback);
}

/** A stream's end message: its trailers, and its error if it ended with one. */
export function endStream(data: Uint8Array): { metadata: Headers; error?: ConnectError } {
  return endStreamFromJson(data);
}
