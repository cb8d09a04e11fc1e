import { createContextKey } from "@connectrpc/connect";
import type { Socket } from "node:net";
import type { NodeRequest, NodeResponse } from "../node-request.js";

/**
 * What a long-lived server stream needs from the HTTP response under it, which Connect's handler
 * context does not show: how many bytes the client has not taken yet, and a way to cut off a
 * client that was dropped for being too slow.
 */
export interface StreamTransport {
  /** Whether the response has begun (status and headers sent): from then on, `write` may add to it. */
  begun(): boolean;
  /** Bytes handed to the response but not yet taken by the network. */
  pendingBytes(): number;
  /**
   * Writes bytes to the response body as they are, after whatever Connect wrote before; never
   * waits (backpressure is the caller's, through pendingBytes). Only once the response has begun.
   */
  write(bytes: Uint8Array): void;
  /** Lifts the idle timeout: a watch stream is quiet between heartbeats. */
  keepOpen(): void;
  /**
   * Closes the connection (HTTP/1.1) or the stream (HTTP/2) once the client has taken what it was
   * sent, or stops taking bytes, or after 30 s: a dropped client's keep-alive connection would
   * otherwise stay open, and one that stopped reading would never take the end of its stream.
   */
  cutOffWhenDrainedOrStalled(): void;
}

/** The stream transport of the current call; undefined outside the Node adapter (e.g. in tests of a ServiceImpl). */
export const streamTransportKey = createContextKey<StreamTransport | undefined>(undefined, { description: "stream transport" });

/** How often a dropped client's progress is looked at, and how long it may take at most. */
const DROP_CHECK_MS = 1_000;
const DROP_MAX_MS = 30_000;

/** The parts of Node's HTTP/1.1 ServerResponse (node:_http_outgoing, Node 20) that `chunkedWrite` looks at. */
interface Http1Response {
  socket: (Socket & { _httpMessage?: unknown }) | null;
  chunkedEncoding?: boolean;
  _headerSent?: boolean;
  outputData?: unknown[];
  writableEnded: boolean;
  destroyed: boolean;
}

const CRLF = Buffer.from("\r\n", "latin1");
/**
 * Frames as one HTTP/1.1 chunk each (size line, bytes, CRLF), built once per frame: a frame every
 * watcher shares (see live/watch-event.ts) becomes one chunk every watcher shares.
 */
const chunks = new WeakMap<Uint8Array, Buffer>();

function chunkOf(frame: Uint8Array): Buffer {
  let chunk = chunks.get(frame);
  if (!chunk) {
    chunk = Buffer.concat([Buffer.from(`${frame.byteLength.toString(16)}\r\n`, "latin1"), frame, CRLF]);
    chunks.set(frame, chunk);
  }
  return chunk;
}

/**
 * Sockets corked by `chunkedWrite` in this tick, all uncorked by one callback once the tick's
 * work is done: the events of one burst (a catch-up of several changes) leave in one syscall per
 * socket, and a single event in one write, without a callback per socket.
 */
let corked: Socket[] = [];
function uncorkAll(): void {
  const sockets = corked;
  corked = [];
  for (const socket of sockets) socket.uncork();
}

/**
 * Writes a frame to an HTTP/1.1 chunked response as one prebuilt chunk, straight to its socket,
 * when that is exactly what `res.write` would send: the head is out, nothing is buffered in the
 * response, and the socket serves this response. `res.write` would instead, per watcher, build the
 * size line, queue four buffers and schedule an uncork: most of a fan-out's CPU after the
 * syscall itself. Returns false (nothing written) when the response is not in that state.
 */
function chunkedWrite(res: Http1Response, frame: Uint8Array): boolean {
  const socket = res.socket;
  if (!socket || socket._httpMessage !== res || !res.chunkedEncoding || !res._headerSent || res.outputData?.length !== 0 || !socket.writable) return false;
  if (frame.byteLength === 0) return true; // an empty chunk would end the body
  if (socket.writableCorked === 0) {
    socket.cork();
    if (corked.push(socket) === 1) process.nextTick(uncorkAll);
  }
  socket.write(chunkOf(frame));
  return true;
}

/** What the transport reads of either response (HTTP/1.1's ServerResponse, HTTP/2's compatibility response). */
interface AnyResponse {
  headersSent: boolean;
  destroyed: boolean;
  writableEnded: boolean;
  writableFinished?: boolean;
  writableLength?: number;
  write(bytes: Uint8Array): boolean;
}

/** The HTTP/2 stream under a compatibility response. */
interface Http2Stream {
  writableLength?: number;
  destroy(): void;
}

/**
 * The StreamTransport over a Node HTTP/1.1 or HTTP/2 response. A class, so that a stream that
 * stays open for hours keeps one small object rather than a closure per method; whether the
 * response is HTTP/1.1 or HTTP/2 is decided once, here.
 */
class NodeStreamTransport implements StreamTransport {
  private readonly res: AnyResponse;
  /** The HTTP/1.1 response, for chunkedWrite; undefined for HTTP/2. */
  private readonly http1: Http1Response | undefined;
  /** The HTTP/2 stream; undefined for HTTP/1.1. */
  private readonly stream: Http2Stream | undefined;

  constructor(
    private readonly req: NodeRequest,
    res: NodeResponse,
  ) {
    this.res = res as unknown as AnyResponse;
    if ("stream" in res) this.stream = (res as unknown as { stream: Http2Stream }).stream;
    else this.http1 = res as unknown as Http1Response;
  }

  begun(): boolean {
    return this.res.headersSent;
  }

  pendingBytes(): number {
    return (this.stream ? this.stream.writableLength : this.res.writableLength) ?? 0;
  }

  write(bytes: Uint8Array): void {
    const res = this.res;
    if (res.destroyed || res.writableEnded) return;
    if (this.http1 && chunkedWrite(this.http1, bytes)) return;
    res.write(bytes);
  }

  keepOpen(): void {
    this.req.socket.setTimeout(0);
  }

  cutOffWhenDrainedOrStalled(): void {
    // Captured now: once the response has finished, `res` no longer holds its socket. For HTTP/2
    // the stream, never the session's socket, which other calls share.
    const connection = this.stream ?? this.http1!.socket;
    if (!connection) return;
    const started = Date.now();
    let before = this.pendingBytes();
    let drained = false;
    const timer = setInterval(() => {
      const now = this.pendingBytes();
      const stalled = now > 0 && now >= before;
      if (drained || stalled || Date.now() - started >= DROP_MAX_MS) {
        clearInterval(timer);
        connection.destroy();
        return;
      }
      drained = now === 0 || this.res.writableFinished === true;
      before = now;
    }, DROP_CHECK_MS);
    timer.unref();
  }
}

/** The StreamTransport over a Node HTTP/1.1 or HTTP/2 response. */
export function nodeStreamTransport(req: NodeRequest, res: NodeResponse): StreamTransport {
  return new NodeStreamTransport(req, res);
}
