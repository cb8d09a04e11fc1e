import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { WatchItemsRequest, WatchItemsResponse } from "../../shared/gen/statusthing/v1/services_pb.js";
import type { AccessGuard } from "../auth/guard.js";
import { requestAuthKey } from "../auth/principal.js";
import type { ChangeHub } from "../live/change-hub.js";
import type { WatchEvent, WireFormat } from "../live/watch-event.js";
import { createWatchFilter } from "../live/watch-filter.js";
import type { Watcher, WatchSink } from "../live/watcher.js";
import type { WatcherQuota } from "../live/watcher-quota.js";
import { checkKinds } from "../service/validate.js";
import { requestFactsKey } from "../auth/request-facts.js";
import { COMPRESS_MIN_BYTES, compressSync, responseCompression, type CompressionName } from "./compression.js";
import { StreamContext, type StreamAbortListener } from "./stream-context.js";
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

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * One WatchItems stream: the hub's sink and the messages Connect pulls, in one object, since an
 * idle watcher keeps it for hours (an async generator per stream kept a generator object, its
 * registers, a pending request, a promise and a closure each).
 *
 * It starts on the first pull (as the generator did): quota, watcher, snapshot. Once the response
 * has begun, each event is written to it as the frame every watcher shares, encoded (and
 * compressed) once per event however many watchers get it. Served by watch-items-handler.ts, the
 * response has begun before the first event; served by Connect's own pipeline (e.g. through a
 * router transport, without a Node response), the first message goes through the pipeline, which
 * commits status, headers and compression, and later ones go straight to the response when there
 * is one. The end of the stream always goes back through the handler (the pull rejects with the
 * error, or is done), so it carries the error, its details and trailers as any RPC's does.
 *
 * Events not yet written wait in a queue. What the client has not taken is that queue plus the
 * response's own buffer, so the watcher's backpressure rules see a slow client exactly as they
 * would see its socket.
 */
class WatchItemsStream implements WatchSink, AsyncIterableIterator<WatchItemsResponse>, StreamAbortListener {
  protocol = "";
  format: WireFormat = "json";
  private transport: StreamTransport | undefined;
  private compression: CompressionName | undefined;
  private queue: WatchEvent[] = [];
  private head = 0;
  private queuedBytes = 0;
  private direct = false;
  private ended = false;
  private error: Error | undefined;
  /** Settles the pull that waits for an event or the end. */
  private wake: ((next: Promise<IteratorResult<WatchItemsResponse>>) => void) | undefined;
  /** Started (first pull), and finished (the watcher let go, the quota released). */
  private state: "new" | "open" | "finished" = "new";
  /** A message was handed to Connect: the next pull means it has been written. */
  private yielded = false;
  private watcher: Watcher | undefined;
  /** The client address whose quota place this stream holds, until it finishes. */
  private quotaHeld: string | undefined;
  /** Outside watch-items-handler.ts (a context that is not a StreamContext): the signal's listener. */
  private onAbort: (() => void) | undefined;

  constructor(
    /** The request, until the stream has started. */
    private req: WatchItemsRequest | undefined,
    private readonly ctx: HandlerContext,
    private readonly deps: WatchItemsDeps,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<WatchItemsResponse>> {
    if (this.state === "new") {
      try {
        this.start();
      } catch (error) {
        this.finish();
        return Promise.reject(error);
      }
    }
    return this.pull();
  }

  /** Connect stops pulling (the call ended on its side): let the watcher go. */
  return(): Promise<IteratorResult<WatchItemsResponse>> {
    this.finish();
    return Promise.resolve(DONE);
  }

  throw(error: unknown): Promise<IteratorResult<WatchItemsResponse>> {
    this.finish();
    return Promise.reject(error);
  }

  private start(): void {
    const { ctx, deps } = this;
    const req = this.req!;
    this.req = undefined;
    this.state = "open";
    const kinds = checkKinds("kinds", req.kinds);
    const auth = ctx.values.get(requestAuthKey);
    if (!deps.quota.take(auth.clientAddress)) throw deps.quota.refusal();
    this.quotaHeld = auth.clientAddress;
    const transport = ctx.values.get(streamTransportKey);
    transport?.keepOpen();
    const { protocol, format } = protocolOf(ctx);
    this.protocol = protocol;
    this.format = format;
    this.transport = transport;
    this.compression = responseCompression(ctx.responseHeader);
    // Begun already (watch-items-handler.ts): every event goes straight to the response.
    this.direct = transport?.begun() ?? false;
    const grant = deps.guard.streamGrant(WATCH_ITEMS_PROCEDURE, ctx.values.get(requestFactsKey));
    this.watcher = deps.hub.watch(
      createWatchFilter(req.statusIds, kinds, req.extended, { incidents: req.includeIncidents, groups: req.includeGroups, settings: req.includeSettings }),
      Number(req.sinceRevision),
      this,
      grant,
    );
    // The client went away, or the server is shutting down: the stream ends normally (writing to a
    // client that is gone is harmless). A passed deadline ends it with deadline_exceeded.
    if (ctx instanceof StreamContext) {
      ctx.listen(this);
    } else if (ctx.signal.aborted) {
      this.streamAborted(ctx.signal.reason);
    } else {
      this.onAbort = () => this.streamAborted(ctx.signal.reason);
      ctx.signal.addEventListener("abort", this.onAbort);
    }
  }

  streamAborted(reason: unknown): void {
    this.watcher?.close(reason instanceof ConnectError && reason.code === Code.DeadlineExceeded ? reason : undefined);
  }

  /** The end of the stream, however it came: stop listening, let the watcher and the quota go. */
  private finish(): void {
    if (this.state === "finished") return;
    this.state = "finished";
    const ctx = this.ctx;
    if (ctx instanceof StreamContext) ctx.listen(undefined);
    else if (this.onAbort) ctx.signal.removeEventListener("abort", this.onAbort);
    this.onAbort = undefined;
    this.watcher?.detach();
    if (this.quotaHeld !== undefined) this.deps.quota.give(this.quotaHeld);
    this.quotaHeld = undefined;
    // A pull still waiting is done now.
    this.wakeUp();
  }

  /** The next message Connect writes: the first, then (without a Node response) every later one; done or rejected once the sink was ended. */
  private pull(): Promise<IteratorResult<WatchItemsResponse>> {
    if (this.state === "finished") return Promise.resolve(DONE);
    if (this.yielded) {
      this.yielded = false;
      // Connect pulls again only once it has written that message: the response has begun.
      if (this.transport && !this.ended) this.goDirect();
    }
    if (this.head < this.queue.length) {
      this.yielded = true;
      return Promise.resolve({ done: false, value: this.dequeue().message });
    }
    if (this.ended) {
      this.finish();
      return this.error ? Promise.reject(this.error) : Promise.resolve(DONE);
    }
    return new Promise((resolve) => (this.wake = resolve));
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

  /** Lets a waiting pull look again, a tick later (as an awaiting generator resumed). */
  private wakeUp(): void {
    const wake = this.wake;
    if (!wake) return;
    this.wake = undefined;
    wake(Promise.resolve().then(() => this.pull()));
  }
}

/**
 * `ItemsService.WatchItems` as a Connect server-streaming implementation: a snapshot (or the
 * changes since `since_revision`), then live changes, until the client goes, the server shuts
 * down, the deadline passes, the credentials are revoked or the client falls too far behind.
 * Runs behind the same interceptors as every other RPC (auth, errors with details, logging).
 */
export function watchItems(req: WatchItemsRequest, ctx: HandlerContext, deps: WatchItemsDeps): AsyncIterableIterator<WatchItemsResponse> {
  return new WatchItemsStream(req, ctx, deps);
}
