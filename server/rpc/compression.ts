import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/**
 * The compressions every RPC accepts and answers with, on every protocol, as Connect's own Node
 * adapter offers them: gzip and brotli, negotiated from the request's headers.
 */
export const ACCEPT_COMPRESSION = [compressionGzip, compressionBrotli];

/** Messages smaller than this are sent uncompressed: compressing them saves little and costs CPU. */
export const COMPRESS_MIN_BYTES = 1024;

/** The names ACCEPT_COMPRESSION answers with ("gzip", "br"). */
export type CompressionName = "gzip" | "br";

/**
 * Compresses a payload at once, for watch events that are compressed once and sent to many
 * streams (see watch-items-stream.ts). Brotli at a middle quality: its default (11) costs
 * seconds on a multi-megabyte snapshot, all of it on the event loop.
 */
export function compressSync(name: CompressionName, payload: Uint8Array): Uint8Array {
  return name === "gzip" ? gzipSync(payload) : brotliCompressSync(payload, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
}

/** The compression a response was given, from the header Connect set when negotiating it. */
export function responseCompression(header: Headers): CompressionName | undefined {
  const name = header.get("connect-content-encoding") ?? header.get("grpc-encoding") ?? undefined;
  return name === "gzip" || name === "br" ? name : undefined;
}
