import { watcherTooSlow } from "../errors.js";
import type { WatchEvent, WireFormat } from "./watch-event.js";
import type { WatchFilter } from "./watch-filter.js";

/** The transport end of one watch stream: Connect, gRPC, gRPC-Web or a WebSocket. */
export interface WatchSink {
  /** For metrics: "connect", "grpc", "grpc-web" or "ws". */
  readonly protocol: string;
  readonly format: WireFormat;
  /** Writes one event; must not throw. */
  send(event: WatchEvent): void;
  /** Bytes written to the client but not yet taken by it. */
  pendingBytes(): number;
  /**
   * Ends the stream, normally when `error` is undefined. Called at most once. The error is a
   * DomainError, or a ConnectError from the transport itself; anything else (already logged) is
   * sent as `internal`. The sink translates it (wire/client-error.ts toConnectError).
   */
  end(error?: Error): void;
}

/** Limits that keep one slow client from costing the server without bound. */
export interface WatcherLimits {
  /**
   * Bytes a client may leave unread for longer than `lagGraceMs` before it is dropped with
   * resource_exhausted. A burst (a big snapshot, one write touching many items) may exceed it
   * briefly: a client that keeps reading catches up within the grace.
   */
  maxPendingBytes: number;
  /** How long a client may stay over maxPendingBytes. */
  lagGraceMs: number;
  /** Bytes unread at which a client is dropped at once, whatever the grace: the memory bound. */
  hardMaxPendingBytes: number;
  /** Events held for a client still being caught up (resume) before it is dropped. */
  maxBacklog: number;
}

/**
 * One watch stream. It starts "catching up" (being sent a snapshot or a replay) while live
 * events are held back in a bounded backlog, then goes live. Events at or below `minRevision`
 * are already covered by what the client was sent, and are dropped: nothing twice.
 */
export class Watcher {
  private state: "catching_up" | "live" | "closed" = "catching_up";
  private backlog: WatchEvent[] = [];
  /** Revision the client is known to have; events at or below it are not sent. */
  minRevision = 0;
  /** Set when the watcher was ended for falling too far behind (counted by /metrics). */
  droppedAsSlow = false;
  /** For a stream that needed a login: stops re-checking its credentials (called when it closes). */
  stopChecking: (() => void) | undefined;
  /** When the client went over maxPendingBytes, while it still is. */
  private laggingSince: number | undefined;
  /**
   * A snapshot the client is still taking: its bytes not yet taken (at most), the bytes written
   * after it, and when the client last took some. While it drains, it does not count as lag.
   */
  private draining: { remaining: number; writtenAfter: number; progressAt: number } | undefined;

  constructor(
    readonly filter: WatchFilter,
    readonly sink: WatchSink,
    private readonly limits: WatcherLimits,
    private readonly onClosed: (watcher: Watcher) => void,
  ) {}

  get isLive(): boolean {
    return this.state === "live";
  }

  get isClosed(): boolean {
    return this.state === "closed";
  }

  /** Offers a live event; held while catching up, sent when live, dropped if already covered. */
  deliver(event: WatchEvent): void {
    if (this.state === "closed") return;
    if (this.state === "catching_up") {
      this.backlog.push(event);
      if (this.backlog.length > this.limits.maxBacklog) this.tooSlow();
      return;
    }
    if (event.revision <= this.minRevision) return;
    this.write(event);
  }

  /** Sends a heartbeat if live (heartbeats are never held or dropped by revision); re-checks lag. */
  heartbeat(event: WatchEvent): void {
    if (this.state === "live") this.write(event);
  }

  /** Sends an event outside the live feed (a snapshot or a replayed change) and records its revision. */
  sendDirect(event: WatchEvent): void {
    if (this.state === "closed") return;
    if (event.message.event.case === "snapshot") {
      // However big, a snapshot is one shared, already encoded buffer: a client that keeps
      // taking it is not behind (see checkLag). Counted from the moment it is written.
      this.sink.send(event);
      this.minRevision = Math.max(this.minRevision, event.revision);
      this.draining = { remaining: this.sink.pendingBytes(), writtenAfter: 0, progressAt: Date.now() };
      this.checkLag();
      return;
    }
    this.write(event);
    this.minRevision = Math.max(this.minRevision, event.revision);
  }

  /** Ends catching up: sends held events newer than what the client has, then goes live. */
  goLive(): void {
    if (this.state !== "catching_up") return;
    this.state = "live";
    const held = this.backlog;
    this.backlog = [];
    for (const event of held) {
      if (this.state !== "live") return;
      if (event.revision > this.minRevision) this.write(event);
    }
  }

  /** Ends the stream (normally, or with an error) and detaches it. */
  close(error?: Error): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.backlog = [];
    this.sink.end(error);
    this.onClosed(this);
  }

  /** The client went away: detach without writing anything. */
  detach(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.backlog = [];
    this.onClosed(this);
  }

  private write(event: WatchEvent): void {
    const before = this.draining ? this.sink.pendingBytes() : 0;
    this.sink.send(event);
    if (this.draining) this.draining.writtenAfter += Math.max(0, this.sink.pendingBytes() - before);
    this.minRevision = Math.max(this.minRevision, event.revision);
    this.checkLag();
  }

  /**
   * Drops a client that is over the hard bound, or has stayed over the soft one past the grace.
   * The part of a snapshot still unread does not count while the client keeps taking it; one
   * that takes none of it for lagGraceMs is dropped.
   */
  private checkLag(): void {
    let pending = this.sink.pendingBytes();
    if (this.draining) {
      const now = Date.now();
      // Frames written after the snapshot wait behind it, so what is pending beyond them is the snapshot's.
      const remaining = Math.min(this.draining.remaining, Math.max(0, pending - this.draining.writtenAfter));
      if (remaining < this.draining.remaining) {
        this.draining.remaining = remaining;
        this.draining.progressAt = now;
      }
      if (remaining === 0) this.draining = undefined;
      else if (now - this.draining.progressAt > this.limits.lagGraceMs) return this.tooSlow();
      pending -= remaining;
    }
    if (pending > this.limits.hardMaxPendingBytes) return this.tooSlow();
    if (pending <= this.limits.maxPendingBytes) {
      this.laggingSince = undefined;
      return;
    }
    const now = Date.now();
    this.laggingSince ??= now;
    if (now - this.laggingSince > this.limits.lagGraceMs) this.tooSlow();
  }

  private tooSlow(): void {
    this.droppedAsSlow = true;
    this.close(watcherTooSlow());
  }
}
