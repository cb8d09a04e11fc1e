/**
 * PostgreSQL connections lost under write load (issue #10.3): a server process whose every
 * database connection is terminated (`pg_terminate_backend`) while writes are in flight stays
 * up; the writes caught in it fail with `unavailable` (never `internal`), the pool replaces the
 * connections, later writes succeed, and the listening connection comes back so watchers get
 * later changes. And a real PostgreSQL restart (a cluster of the test's own, stopped and started
 * again under write load): writes during the outage fail with `unavailable`, the server keeps
 * serving, and after the restart writes succeed and watchers receive later changes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wsAnswer } from "../helpers/auth.js";
import { createClients, createTransport } from "../helpers/clients.js";
import { adminTokenFor } from "../helpers/credentials.js";
import { postgresUnavailable, TestSchemas, type TestRole } from "../helpers/postgres.js";
import { killLeftoverServers, startServerProcess, stopServerProcess, type ListeningServerProcess } from "../helpers/server-process.js";
import { PgCluster, postgresTools } from "../helpers/pg-cluster.js";
import { healthz, openWatch, pollUntil, type Watch } from "../helpers/watch.js";
import { WriteLoad } from "../helpers/write-load.js";

const unavailable = await postgresUnavailable();
const inCi = process.env.CI === "true";
if (unavailable && !inCi) console.warn(`skipping the connection-loss tests: ${unavailable}`);
const tools = postgresTools();
if ("missing" in tools && !inCi) console.warn(`skipping the PostgreSQL restart test: ${tools.missing}`);

describe.runIf(inCi)("PostgreSQL for the connection-loss tests", () => {
  it("is reachable (the tests never skip in CI)", () => {
    expect(unavailable).toBeUndefined();
  });

  it("has the PostgreSQL server tools for the restart test", () => {
    expect("missing" in tools ? tools.missing : undefined).toBeUndefined();
  });
});

describe.runIf(unavailable === undefined)("a server whose PostgreSQL connections are terminated under write load", () => {
  let schemas: TestSchemas;
  let role: TestRole;
  let server: ListeningServerProcess;
  const watches: Watch[] = [];

  /** Terminates every connection the server has open (it connects as its own role); returns how many. */
  const terminateServerConnections = async () => {
    // In the select list, not the WHERE clause: PostgreSQL may evaluate WHERE conditions in any order.
    const { rows } = await schemas.admin.query<{ done: boolean }>("SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE usename = $1", [role.name]);
    return rows.filter((r) => r.done).length;
  };

  beforeAll(async () => {
    schemas = new TestSchemas();
    const schema = await schemas.create();
    role = await schemas.createRole(schema);
    server = await startServerProcess("unused.db", ["--database-url", schemas.urlFor(schema, role)]);
  }, 60_000);

  afterAll(async () => {
    for (const watch of watches) watch.close();
    if (server) await stopServerProcess(server);
    await killLeftoverServers();
    await schemas?.dropAll();
  });

  it("stays up, fails the writes in flight with unavailable, and serves later writes and changes", async () => {
    const connect = openWatch(server.url, "connect-json");
    const ws = openWatch(server.url, "ws");
    watches.push(connect, ws);
    await pollUntil(() => connect.state.snapshots === 1 && ws.state.snapshots === 1, 10_000, "snapshots");

    const load = new WriteLoad(server.url, 8, ["connect-json", "grpc-h2c"]);
    try {
      await pollUntil(
        () => load.count("ok") >= 40,
        20_000,
        "writes before the first termination",
        () => load.failures().join(", "),
      );
      // Five rounds: each terminates every connection mid-load, then waits for writes to succeed again.
      for (let round = 0; round < 5; round++) {
        const terminated = await terminateServerConnections();
        expect(terminated).toBeGreaterThan(0);
        const okBefore = load.count("ok");
        await pollUntil(
          () => load.count("ok") >= okBefore + 20 || server.child.exitCode !== null,
          30_000,
          `writes to succeed again after round ${round + 1}`,
          () => `${load.failures().join(", ")}; server output:\n${server.output().slice(-3000)}`,
        );
        expect(server.child.exitCode, `the server exited; output:\n${server.output().slice(-3000)}`).toBeNull();
      }
    } finally {
      await load.stop();
    }

    expect(server.child.exitCode).toBeNull();
    expect(server.child.signalCode).toBeNull();
    // Writes caught by a termination fail as unavailable: retryable, and never an internal error.
    const codes = [...load.outcomes.keys()].filter((code) => code !== "ok");
    expect(
      codes.filter((code) => code !== "unavailable"),
      load.failures().join(", "),
    ).toEqual([]);
    expect(load.count("unavailable"), "five terminations under load caught no write in flight").toBeGreaterThan(0);
    console.info(`connection loss under load: ${load.count("ok")} writes ok, ${load.failures().join(", ")}`);

    // The listening connection was terminated too: it comes back, and watchers get what follows.
    const api = createClients(createTransport("connect-json", server.url));
    await pollUntil(
      async () => {
        const { item } = await api.items.addItem({ name: `after the terminations ${Date.now()}` });
        const seen = () => connect.state.items.has(item!.id) && ws.state.items.has(item!.id);
        await new Promise((r) => setTimeout(r, 500));
        return seen();
      },
      30_000,
      "watchers to receive a change made after the terminations",
    );
    expect(connect.end).toBeUndefined();
    expect(ws.end).toBeUndefined();
  }, 180_000);
});

describe.runIf("bin" in tools)("a server whose PostgreSQL restarts under write load", () => {
  let cluster: PgCluster;
  let server: ListeningServerProcess;
  /** A --private replica on the same database: its streams need the database to let them start. */
  let privateServer: ListeningServerProcess;
  const watches: Watch[] = [];

  beforeAll(async () => {
    cluster = await PgCluster.create((tools as { bin: string }).bin);
    server = await startServerProcess("unused.db", ["--database-url", cluster.url]);
    privateServer = await startServerProcess("unused.db", ["--database-url", cluster.url, "--private"]);
  }, 120_000);

  afterAll(async () => {
    for (const watch of watches) watch.close();
    if (server) await stopServerProcess(server);
    if (privateServer) await stopServerProcess(privateServer);
    await killLeftoverServers();
    await cluster?.destroy();
  }, 60_000);

  it("fails writes during the outage with unavailable, and after the restart writes succeed and watchers get changes", async () => {
    const connect = openWatch(server.url, "connect-json");
    const ws = openWatch(server.url, "ws");
    watches.push(connect, ws);
    await pollUntil(() => connect.state.snapshots === 1 && ws.state.snapshots === 1, 10_000, "snapshots");
    const detail = () => `${load.failures().join(", ")}; server output:\n${server.output().slice(-3000)}`;

    const load = new WriteLoad(server.url, 6, ["connect-json", "grpc-h2c"]);
    try {
      await pollUntil(() => load.count("ok") >= 30, 20_000, "writes before the restart", detail);
      await cluster.stop();
      const unavailableAtStop = load.count("unavailable");
      // While the database is down, writes fail (retryable) and the server goes on answering.
      await pollUntil(() => load.count("unavailable") >= unavailableAtStop + 20, 30_000, "writes to fail during the outage", detail);
      expect((await healthz(server.url)).status).toBe("ok");
      // A stream that needs a login cannot start without the database: unavailable, not "log in again".
      const credentials = { authorization: `Bearer ${adminTokenFor(privateServer.url)!}` };
      expect(await wsAnswer(privateServer.url, credentials)).toEqual({ refused: 503 });
      const refused = openWatch(privateServer.url, "connect-json", {}, { headers: credentials });
      expect((await refused.ended).code).toBe("unavailable");
      const okBeforeRestart = load.count("ok");
      await cluster.start();
      await pollUntil(() => load.count("ok") >= okBeforeRestart + 30, 60_000, "writes to succeed after the restart", detail);
    } finally {
      await load.stop();
    }

    expect(server.child.exitCode, detail()).toBeNull();
    expect(server.child.signalCode).toBeNull();
    const codes = [...load.outcomes.keys()].filter((code) => code !== "ok");
    expect(
      codes.filter((code) => code !== "unavailable"),
      load.failures().join(", "),
    ).toEqual([]);
    console.info(`PostgreSQL restart under load: ${load.count("ok")} writes ok, ${load.failures().join(", ")}`);

    // The listening connection comes back (with backoff) and watchers get what follows.
    const api = createClients(createTransport("connect-json", server.url));
    await pollUntil(
      async () => {
        const { item } = await api.items.addItem({ name: `after the restart ${Date.now()}` });
        await new Promise((r) => setTimeout(r, 500));
        return connect.state.items.has(item!.id) && ws.state.items.has(item!.id);
      },
      30_000,
      "watchers to receive a change made after the restart",
    );
    expect(connect.end).toBeUndefined();
    expect(ws.end).toBeUndefined();
  }, 240_000);
});
