import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { compressedFlag, encodeEnvelope } from "@connectrpc/connect/protocol";
import { WatchItemsResponseSchema, type WatchItemsResponse } from "../../shared/gen/statusthing/v1/services_pb.js";

/** The two encodings a watcher may ask for. */
export type WireFormat = "json" | "binary";

/**
 * One message of the WatchItems stream, encoded lazily and at most once per form, however many
 * watchers receive it: a JSON text (for `/ws`), and an enveloped JSON or binary frame (for
 * Connect, gRPC and gRPC-Web, which share the envelope).
 */
export class WatchEvent {
  private jsonBytes?: Uint8Array;
  private readonly framed: Partial<Record<WireFormat, Uint8Array>> = {};
  private compressed?: Map<string, Uint8Array>;

  constructor(
    readonly revision: number,
    readonly message: WatchItemsResponse,
  ) {}

  static of(revision: number, event: WatchItemsResponse["event"]): WatchEvent {
    return new WatchEvent(revision, create(WatchItemsResponseSchema, { revision: BigInt(revision), event }));
  }

  /** The message as proto-JSON text, UTF-8. */
  json(): Uint8Array {
    this.jsonBytes ??= Buffer.from(toJsonString(WatchItemsResponseSchema, this.message));
    return this.jsonBytes;
  }

  /**
   * The message in an envelope, compressed by `compress` (and flagged so) when it is at least
   * `minBytes` long; encoded and compressed once per format and compression, however many
   * streams it goes to.
   */
  compressedFrame(format: WireFormat, name: string, minBytes: number, compress: (payload: Uint8Array) => Uint8Array): Uint8Array {
    const key = `${format}/${name}`;
    let framed = this.compressed?.get(key);
    if (!framed) {
      const plain = this.frame(format);
      const payload = plain.subarray(5);
      framed = payload.byteLength < minBytes ? plain : encodeEnvelope(compressedFlag, compress(payload));
      (this.compressed ??= new Map()).set(key, framed);
    }
    return framed;
  }

  /** The message in an envelope, in the given format. */
  frame(format: WireFormat): Uint8Array {
    let framed = this.framed[format];
    if (!framed) {
      framed = encodeEnvelope(0, format === "json" ? this.json() : toBinary(WatchItemsResponseSchema, this.message));
      this.framed[format] = framed;
    }
    return framed;
  }
}
