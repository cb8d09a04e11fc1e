import { Code, type ConnectError } from "@connectrpc/connect";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { parseKind } from "../../shared/status-kinds.js";
import type { Logger } from "../logger.js";
import { codeName, errorToJsonObject, toClientError, toConnectError } from "../wire/client-error.js";
import type { AccessGuard } from "../auth/guard.js";
import type { StreamGrant } from "../auth/stream-grant.js";
import { DomainError, invalidArgument } from "../errors.js";
import { requestFacts } from "../auth/request-facts.js";
import type { ChangeHub } from "./change-hub.js";
import type { WatchEvent } from "./watch-event.js";
import { createWatchFilter, type WatchFilter } from "./watch-filter.js";
import type { WatchSink } from "./watcher.js";
import type { WatcherQuota } from "./watcher-quota.js";

/** The path of the WebSocket feed. */
export const WS_PATH = "/ws";
const WATCH_PROCEDURE = "statusthing.v1.ItemsService/WatchItems";

/** WebSocket close codes: normal end, server going away (reconnect), bad request, overloaded. */
const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY = 1008;
const CLOSE_TRY_AGAIN = 1013;

/** A kind from a query string: "STATUS_KIND_DOWN", "down" or "2" (see shared parseKind). */
function queryKind(raw: string): number {
  const kind = parseKind(raw);
  if (kind === undefined) throw invalidArgument("kinds", `${JSON.stringify(raw.trim())} is not a defined StatusKind`);
  return kind;
}

/** Query parameters as WatchItemsRequest has them; lists repeat or are comma-separated. */
export function parseWatchQuery(search: URLSearchParams): { filter: WatchFilter; sinceRevision: number } {
  const list = (names: string[]) =>
    names
      .flatMap((n) => search.getAll(n))
      .flatMap((v) => v.split(","))
      .filter((v) => v.trim() !== "");
  const kinds = list(["kinds", "kind"]).map(queryKind);
  const statusIds = list(["status_ids", "statusIds"]).map((s) => s.trim());
  const extendedRaw = search.get("extended") ?? "false";
  if (!/^(true|false|1|0|)$/i.test(extendedRaw)) throw invalidArgument("extended", "want true or false");
  const incidentsRaw = search.get("include_incidents") ?? search.get("includeIncidents") ?? "false";
  if (!/^(true|false|1|0|)$/i.test(incidentsRaw)) throw invalidArgument("include_incidents", "want true or false");
  const sinceRaw = search.get("since_revision") ?? search.get("sinceRevision") ?? "0";
  if (!/^\d{1,15}$/.test(sinceRaw)) throw invalidArgument("since_revision", "want a revision number");
  return {
    filter: createWatchFilter(statusIds, kinds, /^(true|1)$/i.test(extendedRaw), /^(true|1)$/i.test(incidentsRaw)),
    sinceRevision: Number(sinceRaw),
  };
}

/**
 * The last frame before an error close: `{"error": {code, message, reason, details}}`, the JSON
 * the Connect protocol writes for an error (details with `type`, base64 `value` and a readable
 * `debug`) plus its ErrorInfo reason. Old clients read `code` and `message` as before.
 */
function errorFrame(error: ConnectError): string {
  return JSON.stringify({ error: errorToJsonObject(error) });
}

/** An HTTP answer that refuses the upgrade, with the same JSON error as the frame's. */
function refusal(status: string, error: ConnectError): string {
  const body = JSON.stringify(errorToJsonObject(error));
  const retry = error.metadata.get("retry-after");
  return (
    `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: application/json\r\n` +
    (retry ? `retry-after: ${retry}\r\n` : "") +
    `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

function createWsSink(socket: WebSocket): WatchSink {
  let ended = false;
  return {
    protocol: "ws",
    format: "json",
    send(event: WatchEvent) {
      if (!ended && socket.readyState === socket.OPEN) socket.send(event.json(), { binary: false });
    },
    pendingBytes() {
      return socket.bufferedAmount;
    },
    end(cause?: Error) {
      if (ended) return;
      ended = true;
      const error = cause && toConnectError(cause);
      if (socket.readyState !== socket.OPEN) return;
      if (!error) return socket.close(CLOSE_GOING_AWAY, "server shutting down; reconnect");
      socket.send(errorFrame(error));
      socket.close(error.code === Code.ResourceExhausted || error.code === Code.Unavailable ? CLOSE_TRY_AGAIN : CLOSE_POLICY, codeName(error.code));
      // A client that stopped reading never completes the closing handshake.
      setTimeout(() => socket.terminate(), 1_000).unref();
    },
  };
}

/**
 * The WebSocket feed at `/ws`: the WatchItems stream as proto-JSON text frames, for tools that
 * speak WebSocket but not Connect. Same filters (query parameters), same semantics, same
 * backpressure; pings find dead connections.
 */
export function createWsFeed(hub: ChangeHub, log: Logger, options: { guard: AccessGuard; quota: WatcherQuota; pingMs?: number }) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 4 * 1024, perMessageDeflate: false });
  const alive = new WeakMap<WebSocket, boolean>();
  const pinger = setInterval(() => {
    for (const socket of wss.clients) {
      if (alive.get(socket) === false) {
        socket.terminate();
        continue;
      }
      alive.set(socket, false);
      socket.ping();
    }
  }, options.pingMs ?? 30_000).unref();

  return {
    /** Takes an HTTP upgrade for `/ws`; answers anything else with 404. */
    handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname !== WS_PATH) {
        socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
        return;
      }
      // The same access rules as WatchItems: public unless --private. Refused before upgrading.
      const facts = requestFacts(req);
      options.guard.check(WATCH_PROCEDURE, facts).then(
        (auth) => {
          const release = options.quota.acquire(auth.clientAddress);
          if (!release) {
            socket.end(refusal("429 Too Many Requests", toConnectError(options.quota.refusal())));
            return;
          }
          // The socket's end is the stream's end, whether or not the upgrade completed.
          if (socket.destroyed) release();
          else socket.once("close", release);
          accept(url, req, socket, head, options.guard.streamGrant(WATCH_PROCEDURE, facts));
        },
        (error: unknown) => {
          const kind = error instanceof DomainError ? error.kind : undefined;
          // The database being away is no reason to log in again.
          const status = kind === "permission_denied" ? "403 Forbidden" : kind === "unavailable" ? "503 Service Unavailable" : "401 Unauthorized";
          socket.end(refusal(status, toClientError(error, log, WATCH_PROCEDURE)));
        },
      );
    },
    close(): void {
      clearInterval(pinger);
      wss.close();
    },
  };

  function accept(url: URL, req: IncomingMessage, socket: Duplex, head: Buffer, grant: StreamGrant | undefined): void {
    wss.handleUpgrade(req, socket, head, (ws) => {
      alive.set(ws, true);
      ws.on("pong", () => alive.set(ws, true));
      ws.on("error", () => ws.terminate());
      let parsed;
      try {
        parsed = parseWatchQuery(url.searchParams);
      } catch (error) {
        const connectError = toClientError(error, log, WATCH_PROCEDURE);
        ws.send(errorFrame(connectError));
        ws.close(CLOSE_POLICY, codeName(connectError.code));
        return;
      }
      const watcher = hub.watch(parsed.filter, parsed.sinceRevision, createWsSink(ws), grant);
      ws.once("close", () => watcher.detach());
      log.debug({ path: WS_PATH }, "websocket watcher connected");
    });
  }
}
