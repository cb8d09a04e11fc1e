import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import type { App } from "../app.js";

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

/**
 * Serves the app on one port: HTTP/1.1, and cleartext HTTP/2 with prior knowledge (h2c), told
 * apart by the first bytes of each connection. So Connect, gRPC and gRPC-Web all share the port.
 */
export function serve(app: App, address: string): Promise<RunningServer> {
  const { host, port } = parseAddress(address);
  const h1 = http.createServer({ keepAliveTimeout: 5_000 }, app.handle);
  const h2 = http2.createServer({}, app.handle);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.Http2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("error", () => socket.destroy());
    socket.once("data", (first: Buffer) => {
      socket.pause();
      socket.unshift(first);
      // No HTTP/1 method is "PRI": the HTTP/2 connection preface is "PRI * HTTP/2.0".
      const isHttp2 = first.subarray(0, HTTP2_PREFACE_START.length).equals(HTTP2_PREFACE_START.subarray(0, Math.min(first.length, 4)));
      if (isHttp2) {
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    });
  });

  return new Promise((resolve, reject) => {
    front.once("error", reject);
    front.listen(port, host, () => {
      front.off("error", reject);
      const bound = front.address() as net.AddressInfo;
      const urlHost = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
      let closing: Promise<void> | undefined;
      resolve({
        host: bound.address,
        port: bound.port,
        url: `http://${urlHost}:${bound.port}`,
        close(graceMs = 5_000) {
          closing ??= (async () => {
            const stopped = new Promise<void>((done) => front.close(() => done()));
            // Ending streams first lets watchers see a clean end and reconnect elsewhere.
            app.beginShutdown();
            h1.closeIdleConnections();
            for (const session of sessions) session.close();
            const deadline = setTimeout(() => {
              for (const socket of sockets) socket.destroy();
            }, graceMs);
            // Keep-alive connections close after their in-flight request.
            const idleSweep = setInterval(() => h1.closeIdleConnections(), 50);
            await stopped;
            clearTimeout(deadline);
            clearInterval(idleSweep);
            // Only now: in-flight writes have finished, so none is lost.
            await app.close();
          })();
          return closing;
        },
      });
    });
  });
}
