import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { Duplex } from "node:stream";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { noteConnectionAccepted } from "../connection-arrivals.js";
import { DEFAULT_CONNECTION_LIMITS, limitFirstBytes, limitHttp2Session, type ConnectionLimits } from "./connection-limits.js";

/**
 * What `serve` needs of an app: the part of `App` (see `createApp` in `server/app.ts`) it uses,
 * named here because `http/` sits below the composition root and does not import it.
 */
export interface ServedApp {
  handle(req: NodeRequest, res: NodeResponse): void;
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  beginShutdown(): void;
  close(): Promise<void>;
}

/** A listening server: where it is, and how to stop it gracefully. */
export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** e.g. "http://127.0.0.1:9000" */
  readonly url: string;
  /**
   * Stops accepting, lets in-flight requests finish (up to `graceMs`), ends streams, closes
   * idle connections, then closes the app (and with it the store).
   */
  close(graceMs?: number): Promise<void>;
}

/** Splits "host:port", "[::1]:port" or ":port" (all interfaces). */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) throw new Error(`invalid address ${JSON.stringify(address)}: want host:port, e.g. 127.0.0.1:9000`);
  return { host: match[1] ?? (match[2] || "0.0.0.0"), port };
}

const HTTP2_PREFACE_START = Buffer.from("PRI ");

/** The most of an unread request body that is read and dropped after an early answer, to keep its connection. */
const DRAIN_MAX_BYTES = 64 * 1024;
const NO_BYTES = Buffer.alloc(0);
/**
 * The kernel's queue of connections not yet accepted. Node's default, 511, overflows when
 * thousands of watchers reconnect at once after a restart (Node accepts one connection per
 * event-loop turn): each dropped SYN is retried by the client's kernel after 1, 3, 7, 15, 31 s,
 * which left a few watchers a minute behind the rest. Linux caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/** Whether `req`'s body may be too large to read and drop after an early answer: declared so, or of unknown length (chunked). */
function tooLargeToDrain(req: http.IncomingMessage): boolean {
  const length = req.headers["content-length"];
  const declared = Number(length);
  return length === undefined ? req.headers["transfer-encoding"] !== undefined : !(Number.isSafeInteger(declared) && declared <= DRAIN_MAX_BYTES);
}

/**
 * After an answer sent before its request's body was read (an early refusal), reads and drops
 * the rest of a small body so that the connection carries the next request (closing it with
 * the body unread would reset it, and a client could lose the answer); a body that turns out
 * larger ends the connection.
 */
function drainRest(req: http.IncomingMessage, socket: net.Socket): void {
  let dropped = 0;
  req.on("data", (chunk: Buffer) => {
    dropped += chunk.byteLength;
    if (dropped > DRAIN_MAX_BYTES) socket.destroy();
  });
  req.resume();
}

/** How to serve: connection limits (timeouts, streams per connection); defaults suit a status page. */
export interface ServeOptions {
  limits?: Partial<ConnectionLimits>;
}

/**
 * Serves the app on one port: HTTP/1.1, and cleartext HTTP/2 with prior knowledge (h2c), told
 * apart by the first bytes of each connection. So Connect, gRPC and gRPC-Web all share the port.
 */
export function serve(app: ServedApp, address: string, options: ServeOptions = {}): Promise<RunningServer> {
  const { host, port } = parseAddress(address);
  const limits: ConnectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const h1 = http.createServer(
    {
      keepAliveTimeout: 5_000,
      headersTimeout: limits.headersMs,
      requestTimeout: limits.requestMs,
      // How often Node checks the two above: often enough that short limits hold.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersMs / 4))),
    },
    app.handle,
  );
  // Node's http.Server runs its header and request timers only once it is "listening"; here the
  // front server listens and hands sockets over, so start them as listening would.
  h1.emit("listening");
  h1.on("upgrade", app.handleUpgrade);
  const h2 = http2.createServer({ settings: { maxConcurrentStreams: limits.maxConcurrentStreams } }, app.handle);
  // Every connection of the front, whatever it became (HTTP/1, h2c, an upgraded WebSocket, one
  // still being told apart): only the hard deadline at shutdown needs them all. Node's
  // closeAllConnections() knows only the HTTP/1 connections its parser still holds.
  const sockets = new Set<net.Socket>();
  let closing = false;
  // Before the app's own listener, which may answer at once.
  h1.prependListener("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    // Taken now: by the time the response closes, Node may have detached it (req.socket is null then).
    const socket = req.socket;
    if (closing) res.shouldKeepAlive = false;
    // An answer begun before the request's body was read (an early refusal) says
    // "Connection: close" when the rest of the body will not be read (see drainRest), so that
    // a client does not send its next request on a connection that is about to end.
    // (Its headers decide it, so only such a request's answer is wrapped: a long-lived watch
    // stream keeps no wrapper.)
    if (tooLargeToDrain(req)) {
      const writeHead = res.writeHead;
      res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
        if (!req.complete) this.shouldKeepAlive = false;
        return writeHead.apply(this, args);
      } as typeof writeHead;
    }
    // "close" comes once; `on` keeps no once-wrapper for a stream's whole life.
    res.on("close", () => {
      // A response sent before its request's body was read (e.g. a refused oversized body)
      // leaves the rest of that body on the connection: a large one ends it, a small one is read.
      if (!req.complete && tooLargeToDrain(req)) socket.end();
      else if (!req.complete) drainRest(req, socket);
      // While stopping, a connection whose last answer is done is closed (Node skips the busy ones).
      if (closing) setImmediate(() => h1.closeIdleConnections());
    });
  });
  const sessions = new Set<http2.Http2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
    limitHttp2Session(session, limits);
  });

  // Every front socket's own listeners, made once: a closure per socket would keep the scope of
  // the connection's first bytes (below) for the connection's whole life.
  function forgetSocket(this: net.Socket): void {
    sockets.delete(this);
  }
  function destroyOnError(this: net.Socket): void {
    this.destroy();
  }

  // No Nagle delay, as node:http sets for the sockets it accepts itself (these it is handed).
  const front = net.createServer({ noDelay: true }, (socket) => {
    // Counted so that work which can wait, waits while more connections are coming (see connection-arrivals.ts).
    noteConnectionAccepted();
    sockets.add(socket);
    socket.on("close", forgetSocket);
    socket.on("error", destroyOnError);
    const protocolKnown = limitFirstBytes(socket, limits);
    // Read until the first bytes tell the protocols apart: "PRI " starts the HTTP/2 preface and
    // no HTTP/1 method; a client may send fewer than 4 bytes in its first packet.
    let head = NO_BYTES;
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, HTTP2_PREFACE_START.length);
      const couldBeHttp2 = head.subarray(0, n).equals(HTTP2_PREFACE_START.subarray(0, n));
      if (couldBeHttp2 && head.length < HTTP2_PREFACE_START.length) return;
      socket.off("data", onData);
      protocolKnown();
      socket.pause();
      socket.unshift(head);
      head = NO_BYTES;
      if (couldBeHttp2) {
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
  });

  return new Promise((resolve, reject) => {
    front.once("error", reject);
    front.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      front.off("error", reject);
      const bound = front.address() as net.AddressInfo;
      const urlHost = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
      let closed: Promise<void> | undefined;
      resolve({
        host: bound.address,
        port: bound.port,
        url: `http://${urlHost}:${bound.port}`,
        close(graceMs = 5_000) {
          closed ??= (async () => {
            closing = true;
            const stopped = new Promise<void>((done) => front.close(() => done()));
            // Ending streams first lets watchers see a clean end and reconnect elsewhere.
            app.beginShutdown();
            h1.closeIdleConnections();
            for (const session of sessions) session.close();
            const deadline = setTimeout(() => {
              for (const socket of sockets) socket.destroy();
            }, graceMs);
            await stopped;
            clearTimeout(deadline);
            h1.close(); // stops its header and request timers
            // Only now: in-flight writes have finished, so none is lost.
            await app.close();
          })();
          return closed;
        },
      });
    });
  });
}
