import { create, toBinary, toJsonString } from "@bufbuild/protobuf";
import { WatchItemsResponseSchema, type WatchItemsResponse } from "../../shared/gen/statusthing/v1/services_pb.js";

/** The two encodings a watcher may ask for. */
export type WireFormat = "json" | "binary";

/** Prefixes a message with the 5-byte envelope shared by Connect streaming, gRPC and gRPC-Web. */
export function envelope(flags: number, payload: Uint8Array): Uint8Array {
  const framed = new Uint8Array(5 + payload.length);
  framed[0] = flags;
  new DataView(framed.buffer).setUint32(1, payload.length);
  framed.set(payload, 5);
  return framed;
}

/**
 * One message of the WatchItems stream, encoded lazily and at most once per form, however many
 * watchers receive it: a JSON text (for `/ws`), and an enveloped JSON or binary frame (for
 * Connect, gRPC and gRPC-Web, which share the envelope).
 */
export class WatchEvent {
  private jsonBytes?: Uint8Array;
  private readonly framed: Partial<Record<WireFormat, Uint8Array>> = {};

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

  /** The message in an envelope, in the given format. */
  frame(format: WireFormat): Uint8Array {
    let framed = this.framed[format];
    if (!framed) {
      framed = envelope(0, format === "json" ? this.json() : toBinary(WatchItemsResponseSchema, this.message));
      this.framed[format] = framed;
    }
    return framed;
  }
}
