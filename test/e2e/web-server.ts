import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createApp, type AppOptions } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import type { ChangeHubOptions } from "../../server/live/change-hub.js";
import { createLogger } from "../../server/logger.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import { ensureWebBuild, ROOT } from "../../scripts/web-build.mjs";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";

/** The built web app the end-to-end tests serve. */
export const WEB_ROOT = join(ROOT, "build", "web");

/** Builds the web app when it is missing or stale (once, however many test files ask). */
export function prepareWebBuild(): void {
  ensureWebBuild(ROOT, ["ignore", "ignore", "inherit"]);
}

/** The real server with the built web app, on a database that outlives a restart. */
export interface WebServer {
  url: string;
  port: number;
  dbPath: string;
  /** The admin's API token, for writes through the API. */
  token: string;
  server: RunningServer;
  /** Stops this server; the database stays. */
  stop(): Promise<void>;
}

export interface WebServerOptions {
  /** The database file; a new temp one when missing. */
  dbPath?: string;
  /** The port; 0 (any free one) when missing. */
  port?: number;
  hub?: Partial<ChangeHubOptions>;
  /** Serve through Vite's dev server (as --devmode does). */
  devmode?: boolean;
  /** Reads need a login too (as --private does). */
  private?: boolean;
  /** Origins that may frame /embed (as --embed-origins does). */
  embedOrigins?: string[];
  /**
   * A first start as a new user has it: the admin has the default password "password" and must
   * change it, and no API token exists (`token` is empty).
   */
  firstRun?: boolean;
  /** The server's clock (as createApp's `now`), so tests can write history on past days. */
  now?: () => Date;
  /** The page's time zone (as --time-zone does). */
  timeZone?: string;
  /** Any other createApp options (webhook delivery settings, …), handed over as they are. */
  app?: Partial<Omit<AppOptions, "store" | "logger" | "web">>;
}

/** Starts the app with the web app on 127.0.0.1, as `statusthing` does, with a known admin password. */
export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  const dbPath = options.dbPath ?? join(mkdtempSync(join(tmpdir(), "statusthing-e2e-")), "statusthing.db");
  const store = new SqliteStore({ path: dbPath });
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = await createApp({
    store,
    logger: createLogger("warn", quiet),
    ...(options.firstRun ? {} : { adminPassword: TEST_ADMIN_PASSWORD }),
    devmode: options.devmode ?? false,
    private: options.private ?? false,
    web: { root: WEB_ROOT, ...(options.devmode ? { devServerRoot: ROOT } : {}), embedOrigins: options.embedOrigins ?? [] },
    ...(options.hub ? { hub: options.hub } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.timeZone ? { timeZone: options.timeZone } : {}),
    ...options.app,
  });
  const server = await serve(app, `127.0.0.1:${options.port ?? 0}`);
  const token = options.firstRun ? "" : await registerAdminToken(server.url);
  return {
    url: server.url,
    port: server.port,
    dbPath,
    token,
    server,
    stop: () => server.close(2_000),
  };
}

/** Deletes a database made by {@link startWebServer}. */
export function removeDatabase(dbPath: string): void {
  rmSync(join(dbPath, ".."), { recursive: true, force: true });
}
