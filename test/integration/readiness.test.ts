/**
 * GET /readyz: ready only while the database answers and (on PostgreSQL) the change listener is
 * connected, and not ready from the moment shutdown begins; /healthz stays plain liveness.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import type { PostgresStore } from "../../server/store/postgres/postgres-store.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas, type TestRole } from "../helpers/postgres.js";
import { startTestServer } from "../helpers/server.js";

async function readyz(url: string): Promise<{ status: number; body: { status: string; reason?: string } }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; reason?: string } };
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("/readyz on SQLite", () => {
  it("is ready while serving, not ready once shutdown begins, while /healthz still says alive", async () => {
    const server = await startTestServer();
    try {
      expect(await readyz(server.url)).toEqual({ status: 200, body: { status: "ready" } });
      server.app.beginShutdown();
      expect(await readyz(server.url)).toEqual({ status: 503, body: { status: "not_ready", reason: "shutting down" } });
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it("is not ready once the database file is gone", async () => {
    const server = await startTestServer();
    try {
      rmSync(server.dbPath);
      const answer = await readyz(server.url);
      expect(answer.status).toBe(503);
      expect(answer.body.reason).toContain("database file was deleted");
    } finally {
      await server.stop();
    }
  });
});

const describePg = await describeWithPostgres("the /readyz tests");

describePg("/readyz on PostgreSQL: the change listener", () => {
  let schemas: TestSchemas;
  let schema: string;
  let role: TestRole;
  let store: PostgresStore;
  let server: RunningServer;
  const dir = mkdtempSync(join(tmpdir(), "statusthing-readyz-"));

  const allowLogin = (allowed: boolean) => schemas.admin.query(`ALTER ROLE ${role.name} ${allowed ? "LOGIN" : "NOLOGIN"}`);

  beforeAll(async () => {
    schemas = new TestSchemas();
    schema = await schemas.create();
    role = await schemas.createRole(schema);
  });
  afterAll(async () => {
    await server?.close(1_000);
    await allowLogin(true).catch(() => {});
    await schemas.dropAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is not ready at start until the listener connects, after a listener drop until it reconnects, and during shutdown", async () => {
    const url = schemas.urlFor(schema, role);
    const { PostgresStore } = await import("../../server/store/postgres/postgres-store.js");
    store = await PostgresStore.open({ connectionString: url, poolSize: 4, listenBackoff: { minMs: 100, maxMs: 200 } });
    // Four pooled connections open now, then no new ones: the app starts on those, but the
    // listener (a connection of its own, opened when the app subscribes) cannot connect.
    await Promise.all([1, 2, 3, 4].map(() => store.pool.query("SELECT pg_sleep(0.05)")));
    await allowLogin(false);
    const app = await createApp({ store, logger: createLogger("silent", new Writable({ write: (_c, _e, done) => done() })), adminPassword: "readyz-test-password" });
    server = await serve(app, "127.0.0.1:0");

    expect(await readyz(server.url)).toEqual({ status: 503, body: { status: "not_ready", reason: "not yet listening for changes from other replicas" } });
    expect((await fetch(`${server.url}/metrics`).then((r) => r.text())).match(/^statusthing_postgres_listener_up (\d)$/m)?.[1]).toBe("0");
    await allowLogin(true);
    await eventually(
      () => readyz(server.url),
      (a) => a.status === 200,
      10_000,
      "ready after the listener connects",
    );
    expect((await fetch(`${server.url}/metrics`).then((r) => r.text())).match(/^statusthing_postgres_listener_up (\d)$/m)?.[1]).toBe("1");

    // The listening connection is killed, and cannot come back while logins are refused.
    await allowLogin(false);
    const pid = store.listenerBackendPid!;
    await schemas.admin.query("SELECT pg_terminate_backend($1)", [pid]);
    const dropped = await eventually(
      () => readyz(server.url),
      (a) => a.status === 503,
      10_000,
      "not ready after the listener dropped",
    );
    expect(dropped.body.reason).toBe("not yet listening for changes from other replicas");
    await allowLogin(true);
    await eventually(
      () => readyz(server.url),
      (a) => a.status === 200,
      10_000,
      "ready after the listener reconnected",
    );
    expect(store.listenerBackendPid).not.toBe(pid);

    app.beginShutdown();
    expect(await readyz(server.url)).toEqual({ status: 503, body: { status: "not_ready", reason: "shutting down" } });
  }, 60_000);
});
