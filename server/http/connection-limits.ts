import http2 from "node:http2";
import type net from "node:net";

/**
 * How long a connection may take at each step before the server closes it, so half-open
 * connections (slowloris) cannot pile up. Streams that are under way (WatchItems, `/ws`) are
 * not cut by these: they keep their heartbeats.
 */
export interface ConnectionLimits {
  /** From accepting a connection until its first bytes tell HTTP/1.1 from HTTP/2. */
  firstByteMs: number;
  /** HTTP/1.1: from a request's start until its headers are complete. */
  headersMs: number;
  /** A whole request, headers and body (HTTP/1.1 and HTTP/2); the response may take longer. */
  requestMs: number;
  /** HTTP/2: how long a connection may have no open stream. */
  idleMs: number;
  /** HTTP/2: streams open at once on one connection (the SETTINGS the server advertises). */
  maxConcurrentStreams: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  firstByteMs: 10_000,
  headersMs: 10_000,
  requestMs: 30_000,
  idleMs: 60_000,
  maxConcurrentStreams: 100,
};

/** How long a closing HTTP/2 connection has to say goodbye before it is destroyed. */
const GOAWAY_GRACE_MS = 1_000;

/**
 * Closes a front socket that does not say which protocol it speaks in time; returns the cancel,
 * which also takes its `close` listener away: a connection that then lives for hours (a watch
 * stream) keeps neither the cleared timer nor this closure.
 */
export function limitFirstBytes(socket: net.Socket, limits: ConnectionLimits): () => void {
  const timer = setTimeout(() => socket.destroy(), limits.firstByteMs);
  const cancel = () => {
    clearTimeout(timer);
    socket.off("close", cancel);
  };
  socket.on("close", cancel);
  return cancel;
}

/**
 * Bounds one HTTP/2 connection: closes it after `idleMs` without an open stream (an HTTP/2
 * preface then silence is such a connection), and cancels a stream whose request body has not
 * arrived in full within `requestMs`.
 */
export function limitHttp2Session(session: http2.ServerHttp2Session, limits: ConnectionLimits): void {
  let open = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = () => {
    idleTimer = setTimeout(() => {
      session.close();
      setTimeout(() => session.destroy(), GOAWAY_GRACE_MS).unref();
    }, limits.idleMs);
  };
  armIdle();
  session.once("close", () => clearTimeout(idleTimer));
  session.on("stream", (stream: http2.ServerHttp2Stream) => {
    open++;
    clearTimeout(idleTimer);
    let bodyReceived = stream.endAfterHeaders;
    const bodyTimer = bodyReceived
      ? undefined
      : setTimeout(() => {
          if (!bodyReceived && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
        }, limits.requestMs);
    stream.once("end", () => {
      bodyReceived = true;
      clearTimeout(bodyTimer);
    });
    stream.once("close", () => {
      clearTimeout(bodyTimer);
      if (--open === 0 && !session.closed && !session.destroyed) armIdle();
    });
  });
}
