import { existsSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Duplex } from "node:stream";
import type { Logger } from "../logger.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import type { PageRenderer } from "./server-rendered-page.js";
import type { ShellSource } from "./page-head.js";

/** The web app as the app's front sees it: the built files, or Vite's dev server. */
export interface WebHandler {
  /** Answers a GET or HEAD for a path that is not the API. */
  handle(req: NodeRequest, res: NodeResponse): void;
  /** Takes a WebSocket upgrade that belongs to the web app (Vite's hot reload); false if not its own. */
  handleUpgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Releases what the handler holds (Vite's file watcher). */
  close(): Promise<void>;
}

/** Where the web app comes from. */
export interface WebOptions {
  /** The built app (`build/web`). */
  root: string;
  /** Serve through Vite's dev server instead, from this package root (where `vite.config.ts` is). */
  devServerRoot?: string;
  /** Origins whose pages may frame `/embed` (`--embed-origins`); none when empty or missing. */
  embedOrigins?: readonly string[];
  /** The page settings for the HTML shell (title, Open Graph, favicon); without it the built shell goes out as it is. */
  shell?: ShellSource;
}

/** What the browser app needs to know about this server, served at {@link WEB_CONFIG_PATH}. */
export interface WebRuntimeConfig {
  /** Milliseconds between heartbeats on watch streams, so the app knows when a stream went quiet. */
  heartbeatMs: number;
  /** The page's time zone (`--time-zone`): maintenance windows are shown in it beside the reader's own. */
  timeZone?: string;
}

/** Where the app reads {@link WebRuntimeConfig}; no file of the build has this name. */
export const WEB_CONFIG_PATH = "/web-config.json";

/** Answers {@link WEB_CONFIG_PATH}; true when it did. */
export function handleWebConfig(req: NodeRequest, res: NodeResponse, config: WebRuntimeConfig): boolean {
  if ((req.url ?? "").split("?", 1)[0] !== WEB_CONFIG_PATH) return false;
  const body = JSON.stringify(config);
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (req.method === "HEAD") res.end();
  else res.end(body);
  return true;
}

/**
 * The web options for a server run from this package: the build in `build/web` next to the
 * package.json above this file (in `server/http/` or `dist/server/http/`), and with `dev`, Vite
 * from the package root.
 */
export function packageWebOptions(dev: boolean, from: string | URL = import.meta.url): WebOptions {
  let dir = dirname(fileURLToPath(from));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return { root: join(dir, "build", "web"), ...(dev ? { devServerRoot: dir } : {}) };
}

/**
 * The web handler for these options: Vite's dev server when asked and installed (it is a dev
 * dependency), else the built files. Each is loaded only when chosen. `pages` puts the current
 * content into the pages it renders, for clients without JavaScript (the built app only: under
 * Vite, the page is the app alone).
 */
export async function createWebHandler(options: WebOptions, config: WebRuntimeConfig, log: Logger, pages?: PageRenderer): Promise<WebHandler> {
  if (options.devServerRoot) {
    try {
      const { createViteDevHandler } = await import("./dev-vite.js");
      return await createViteDevHandler(options.devServerRoot, config, log);
    } catch (error) {
      log.warn({ err: error }, "devmode: cannot start Vite (is it installed?); serving the built web app instead");
    }
  }
  const { createStaticHandler } = await import("./static.js");
  return createStaticHandler(options.root, config, options.embedOrigins ?? [], pages, options.shell);
}
