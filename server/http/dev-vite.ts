import http from "node:http";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "../logger.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { handleWebConfig, type WebHandler, type WebRuntimeConfig } from "./web.js";

/** Vite's WebSocket subprotocols: hot-reload updates, and the client's "is the server back" ping. */
const VITE_WS_PROTOCOLS = new Set(["vite-hmr", "vite-ping"]);

/**
 * Serves the web app through Vite's dev server in middleware mode, on the app's own port:
 * pages compiled on request, and hot reload over a WebSocket that also shares the port (Vite
 * listens on a server that never binds; the app hands it the upgrades meant for Vite).
 * `root` is the package root, where `vite.config.ts` is. Vite is a dev dependency, so it is
 * loaded only here; without it this fails and the caller serves the built app instead.
 */
export async function createViteDevHandler(root: string, config: WebRuntimeConfig, log: Logger): Promise<WebHandler> {
  const { createServer } = await import("vite");
  // Never listens: it only carries the upgrade requests handed to it, for Vite's WebSocket.
  const upgrades = http.createServer();
  const vite = await createServer({
    root,
    configFile: join(root, "vite.config.ts"),
    appType: "custom",
    logLevel: "warn",
    server: { middlewareMode: true, ws: { server: upgrades } },
  });
  log.info({ root }, "devmode: serving the web app through Vite, with hot reload");
  return {
    handle(req: NodeRequest, res: NodeResponse) {
      if (handleWebConfig(req, res, config)) return;
      vite.middlewares(req as IncomingMessage, res as ServerResponse, (error?: unknown) => {
        if (error) log.error({ err: error }, "vite dev server failed");
        if (res.headersSent) return void res.end();
        res.writeHead(error ? 500 : 404, { "content-type": "text/plain; charset=utf-8" });
        res.end(error ? "dev server error: see the server log\n" : "not found\n");
      });
    },
    handleUpgrade(req, socket, head) {
      if (!VITE_WS_PROTOCOLS.has(String(req.headers["sec-websocket-protocol"] ?? ""))) return false;
      upgrades.emit("upgrade", req, socket, head);
      return true;
    },
    async close() {
      await vite.close();
    },
  };
}
