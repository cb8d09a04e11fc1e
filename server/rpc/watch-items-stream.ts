import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { WatchItemsRequest, WatchItemsResponse } from "../../shared/gen/statusthing/v1/services_pb.js";
import type { AccessGuard } from "../auth/guard.js";
import { requestAuthKey } from "../auth/principal.js";
import type { ChangeHub } from "../live/change-hub.js";
import type { WatchEvent, WireFormat } from "../live/watch-event.js";
import { createWatchFilter } from "../live/watch-filter.js";
import type { WatchSink } from "../live/watcher.js";
import type { WatcherQuota } from "../live/watcher-quota.js";
import { checkKinds } from "../service/validate.js";
import { requestFactsKey } from "../auth/request-facts.js";
import { COMPRESS_MIN_BYTES, compressSync, responseCompression, type CompressionName } from "./compression.js";
import { streamTransportKey, type StreamTransport } from "./stream-transport.js";
import { toConnectError } from "../wire/client-error.js";

/** What `WatchItems` needs besides the request: the hub that feeds it, the guard, the quota. */
export interface WatchItemsDeps {
  hub: ChangeHub;
  guard: AccessGuard;
  quota: WatcherQuota;
}

const WATCH_ITEMS_PROCEDURE = "statusthing.v1.ItemsService/WatchItems";

/** The hub's name for the protocol of a call ("connect", "grpc", "grpc-web"), and its message format. */
function protocolOf(ctx: HandlerContext): { protocol: string; format: WireFormat } {
  const type = (ctx.requestHeader.get("content-type") ?? "").toLowerCase();
  return { protocol: ctx.protocolName, format: type.includes("json") ? "json" : "binary" };
}

/**
 * The hub's sink for a WatchItems stream. Once the response has begun, each event is written to
 * it as the frame every watcher shares, encoded (and compressed) once per event however many
 * watchers get it. Served by watch-items-handler.ts, the response has begun before the first
 * event; served by Connect's own pipeline (e.g. through a router transport, without a Node
 * response), the first message goes through the pipeline, which commits status, headers and
 * compression, and later ones go straight to the response when there is one. The end of the
 * stream always goes back through the handler, so it carries the error, its details and
 * trailers as any RPC's does.
 *
 * Events not yet written wait in a queue. What the client has not taken is that queue plus the
 * response's own buffer, so the watcher's backpressure rules see a slow client exactly as they
 * would see its socket.
 */
class WatchStreamSink implements WatchSink {
  private queue: WatchEvent[] = [];
  private head = 0;
  private queuedBytes = 0;
  private direct = false;
  private ended = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    readonly protocol: string,
    readonly format: WireFormat,
    private readonly transport: StreamTransport | undefined,
    private readonly compression: CompressionName | undefined,
  ) {
    // Begun already (watch-items-handler.ts): every event goes straight to the response.
    this.direct = transport?.begun() ?? false;
  }

  send(event: WatchEvent): void {
    if (this.ended) return;
    if (this.direct) return this.transport!.write(this.frameOf(event));
    this.queue.push(event);
    // The frame is encoded once per event and format, shared by every watcher: cheap to measure.
    this.queuedBytes += event.frame(this.format).byteLength;
    this.wakeUp();
  }

  pendingBytes(): number {
    return this.queuedBytes + (this.transport?.pendingBytes() ?? 0);
  }

  /** Ends the stream; `error` is a domain error from the live layer (or a passed deadline). */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    // A dropped client gets the end at once, not after everything it has not read.
    if (error) this.clear();
    this.wakeUp();
    if (error && toConnectError(error).code === Code.ResourceExhausted) this.transport?.cutOffWhenDrainedOrStalled();
  }

  /** The messages Connect writes: the first, then (without a Node response) every later one; ends or throws once the sink was ended. */
  async *messages(): AsyncGenerator<WatchItemsResponse> {
    for (;;) {
      while (this.head < this.queue.length) {
        yield this.dequeue().message;
        // Connect pulls again only once it has written that message: the response has begun.
        if (this.transport && !this.ended) this.goDirect();
      }
      if (this.ended) {
        if (this.error) throw this.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Writes what is queued straight to the response, and every later event as it comes. */
  private goDirect(): void {
    this.direct = true;
    while (this.head < this.queue.length) this.transport!.write(this.frameOf(this.dequeue()));
  }

  /**
   * The frame for an event. Only snapshots are compressed: they are big and sent once per stream,
   * while live changes are small and go to every watcher, whose clients would each inflate them
   * (the per-message flag tells a client which frames are compressed).
   */
  private frameOf(event: WatchEvent): Uint8Array {
    const compression = this.compression;
    if (!compression || event.message.event.case !== "snapshot") return event.frame(this.format);
    return event.compressedFrame(this.format, compression, COMPRESS_MIN_BYTES, (payload) => compressSync(compression, payload));
  }

  private dequeue(): WatchEvent {
    const event = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as WatchEvent;
    this.queuedBytes -= event.frame(this.format).byteLength;
    if (this.head === this.queue.length) this.clear();
    return event;
  }

  private clear(): void {
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * `ItemsService.WatchItems` as a Connect server-streaming implementation: a snapshot (or the
 * changes since `since_revision`), then live changes, until the client goes, the server shuts
 * down, the deadline passes, the credentials are revoked or the client falls too far behind.
 * Runs behind the same interceptors as every other RPC (auth, errors with details, logging).
 */
export async function* watchItems(req: WatchItemsRequest, ctx: HandlerContext, deps: WatchItemsDeps): AsyncGenerator<WatchItemsResponse> {
  const kinds = checkKinds("kinds", req.kinds);
  const auth = ctx.values.get(requestAuthKey);
  const release = deps.quota.acquire(auth.clientAddress);
  if (!release) throw deps.quota.refusal();
  const transport = ctx.values.get(streamTransportKey);
  transport?.keepOpen();
  const { protocol, format } = protocolOf(ctx);
  const sink = new WatchStreamSink(protocol, format, transport, responseCompression(ctx.responseHeader));
  const grant = deps.guard.streamGrant(WATCH_ITEMS_PROCEDURE, ctx.values.get(requestFactsKey));
  const watcher = deps.hub.watch(createWatchFilter(req.statusIds, kinds, req.extended, req.includeIncidents), Number(req.sinceRevision), sink, grant);
  // The client went away, or the server is shutting down: the stream ends normally (writing to a
  // client that is gone is harmless). A passed deadline ends it with deadline_exceeded.
  const onAbort = () => {
    const reason: unknown = ctx.signal.reason;
    watcher.close(reason instanceof ConnectError && reason.code === Code.DeadlineExceeded ? reason : undefined);
  };
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener("abort", onAbort);
  try {
    yield* sink.messages();
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    watcher.detach();
    release();
  }
}
