import type { DescService } from "@bufbuild/protobuf";
import { createContextValues, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { REQUEST_BODY_MAX_BYTES } from "../shared/limits.js";
import { ItemsService as ItemsApi, NotesService as NotesApi, StatusService as StatusApi } from "../shared/gen/statusthing/v1/services_pb.js";
import { logRequest, type NodeRequest, type NodeResponse } from "./http/request-log.js";
import type { Logger } from "./logger.js";
import { attachCallRecord, type CallRecord } from "./rpc/call-record.js";
import { createErrorInterceptor } from "./rpc/error-interceptor.js";
import { createItemsRpc } from "./rpc/items-rpc.js";
import { createNotesRpc } from "./rpc/notes-rpc.js";
import { registerReflection } from "./rpc/reflection-rpc.js";
import { createStatusesRpc } from "./rpc/statuses-rpc.js";
import type { ServiceDeps } from "./service/deps.js";
import { ItemsService } from "./service/items.js";
import { NotesService } from "./service/notes.js";
import { StatusesService } from "./service/statuses.js";
import type { Store } from "./store/store.js";
import { ChangeHub, type ChangeHubOptions } from "./live/change-hub.js";
import { handleWatchItems, WATCH_ITEMS_PATH } from "./live/watch-http.js";
import { createWsFeed } from "./live/ws-feed.js";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/** What an app is built from. */
export interface AppOptions {
  store: Store;
  logger: Logger;
  /** Serve gRPC reflection (and, later, the web app through Vite). */
  devmode?: boolean;
  /** The clock; tests may pin it. */
  now?: () => Date;
  /** Live-update tuning (heartbeat interval, per-watcher limits, retention). */
  hub?: Partial<ChangeHubOptions>;
}

/** A built StatusThing: a request handler for HTTP/1.1 and HTTP/2, and how to stop it. */
export interface App {
  /** Handles one request; works as an `http` and an `http2` request listener. */
  handle(req: NodeRequest, res: NodeResponse): void;
  /** Handles an HTTP/1.1 upgrade (the `/ws` WebSocket feed). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The services the app serves, e.g. for reflection or auth checks. */
  readonly services: readonly DescService[];
  /** The live-update hub: revision and watchers, for health and metrics. */
  readonly hub: ChangeHub;
  /** Tells open streams to end, so clients reconnect elsewhere; in-flight unary calls go on. */
  beginShutdown(): void;
  /** Finishes pending writes and releases the store. Call once no request is in flight. */
  close(): Promise<void>;
}

/** The statusthing.v1 services this app serves. */
export const API_SERVICES: readonly DescService[] = [ItemsApi, StatusApi, NotesApi];

/**
 * Builds the app around a store: services, RPC routes, health check. It never listens by itself
 * (see `http/serve.ts`), so tests and embedders choose the port.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { store, logger } = options;
  const hub = new ChangeHub(store, logger, options.hub);
  const deps: ServiceDeps = { store, now: options.now ?? (() => new Date()), afterCommit: () => void hub.poke() };
  const statuses = new StatusesService(deps);
  const items = new ItemsService(deps, statuses);
  const notes = new NotesService(deps);
  await statuses.seedDefaults();
  await hub.start();
  const wsFeed = createWsFeed(hub, logger);

  const shutdown = new AbortController();
  // Links each HTTP request to what its RPC reports, for the request log.
  const callRecords = new WeakMap<NodeRequest, CallRecord>();
  const routes = (router: ConnectRouter) => {
    router.service(ItemsApi, createItemsRpc(items));
    router.service(StatusApi, createStatusesRpc(statuses));
    router.service(NotesApi, createNotesRpc(notes));
    if (options.devmode) registerReflection(router, API_SERVICES);
  };
  const connectHandler = connectNodeAdapter({
    routes,
    readMaxBytes: REQUEST_BODY_MAX_BYTES,
    interceptors: [createErrorInterceptor(logger)],
    shutdownSignal: shutdown.signal,
    contextValues: (req) => attachCallRecord(createContextValues(), callRecords.get(req)),
    fallback: (_req, res) => sendJson(res, 404, { code: "not_found", message: "no such path" }),
  });

  return {
    services: API_SERVICES,
    hub,
    handle(req, res) {
      const record: CallRecord = {};
      callRecords.set(req, record);
      logRequest(logger, req, res, record);
      const path = (req.url ?? "").split("?", 1)[0];
      if (path === WATCH_ITEMS_PATH) {
        handleWatchItems(req, res, hub, record);
        return;
      }
      if (path === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
        sendJson(res, 200, { status: "ok", revision: hub.currentRevision, watchers: hub.watchersByProtocol() });
        return;
      }
      connectHandler(req, res);
    },
    handleUpgrade(req, socket, head) {
      wsFeed.handleUpgrade(req, socket, head);
    },
    beginShutdown() {
      shutdown.abort();
      logger.info({ revision: hub.currentRevision, watchers: hub.watchersByProtocol() }, "ending watch streams");
      hub.close();
      wsFeed.close();
    },
    async close() {
      shutdown.abort();
      await store.close();
    },
  };
}

function sendJson(res: NodeResponse, status: number, body: unknown): void {
  const bytes = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(bytes), "cache-control": "no-store" });
  res.end(bytes);
}
