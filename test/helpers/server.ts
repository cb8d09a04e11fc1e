import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createApp, type App, type AppOptions } from "../../server/app.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "./credentials.js";
import type { ChangeHubSettings } from "../../server/live/change-hub.js";
import { serve, type RunningServer, type ServeOptions } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";

/** A real server on a real port with a temporary database, and the log lines it wrote. */
export interface TestServer {
  url: string;
  port: number;
  dbPath: string;
  store: SqliteStore;
  app: App;
  server: RunningServer;
  /** The admin's API token (undefined with defaultAdminPassword). */
  token: string | undefined;
  /** Every JSON log line the server wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Stops the server and deletes the database. */
  stop(): Promise<void>;
}

/** How to start a test server. */
export interface TestServerOptions {
  devmode?: boolean;
  /** Live-update tuning, handed to createApp as is. */
  hub?: ChangeHubSettings;
  /**
   * Start like a fresh install: admin/password, to be changed first, and no registered token.
   * Otherwise the admin has TEST_ADMIN_PASSWORD and clients for this server act as the admin.
   */
  defaultAdminPassword?: boolean;
  /** Any other createApp options (private mode, auth throttling, ...). */
  app?: Partial<Omit<AppOptions, "store" | "logger">>;
  /** How to serve (connection timeouts and limits), handed to serve as is. */
  serve?: ServeOptions;
}

/**
 * Starts the real app on 127.0.0.1, port 0, with a fresh SQLite file in a temp folder.
 * `hub` (optional) is handed to createApp as is: live-update tuning for tests of watch streams.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "statusthing-test-"));
  const dbPath = join(dir, "statusthing.db");
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n")) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const store = new SqliteStore({ path: dbPath });
  const app = await createApp({
    store,
    logger: createLogger("info", sink),
    devmode: options.devmode ?? false,
    adminPassword: options.defaultAdminPassword ? undefined : TEST_ADMIN_PASSWORD,
    ...(options.hub ? { hub: options.hub } : {}),
    ...options.app,
  });
  const server = await serve(app, "127.0.0.1:0", options.serve);
  const token = options.defaultAdminPassword ? undefined : await registerAdminToken(server.url);
  return {
    url: server.url,
    port: server.port,
    dbPath,
    store,
    app,
    server,
    token,
    logs,
    async stop() {
      await server.close(2_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
