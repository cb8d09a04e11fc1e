import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createApp, type App } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
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
  /** Every JSON log line the server wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  /** Stops the server and deletes the database. */
  stop(): Promise<void>;
}

/** Starts the real app on 127.0.0.1, port 0, with a fresh SQLite file in a temp folder. */
export async function startTestServer(options: { devmode?: boolean } = {}): Promise<TestServer> {
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
  const app = await createApp({ store, logger: createLogger("info", sink), devmode: options.devmode ?? false });
  const server = await serve(app, "127.0.0.1:0");
  return {
    url: server.url,
    port: server.port,
    dbPath,
    store,
    app,
    server,
    logs,
    async stop() {
      await server.close(2_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
