/**
 * The connection a PostgreSQL replica LISTENs on, when the network path drops it without a word
 * (a NAT or firewall forgetting the flow, a host gone without a reset): no error, no end, just
 * no more notifications. Between the store and PostgreSQL runs a TCP relay that can stop
 * forwarding one connection, both ways, while keeping its sockets open. The store must notice
 * (it asks the connection `SELECT 1` now and then), connect again and catch up.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PostgresStore } from "../../server/store/postgres/postgres-store.js";
import { newStatus } from "../../server/store/conformance.js";
import { postgresUnavailable, TEST_DATABASE_URL, TestSchemas } from "../helpers/postgres.js";
import { waitUntil } from "../helpers/server-process.js";

const unavailable = await postgresUnavailable();
if (unavailable && process.env.CI !== "true") console.warn(`skipping the listener tests: ${unavailable}`);

/** A TCP relay to PostgreSQL; `blackhole(port)` silently stops the connection PostgreSQL sees coming from that port. */
class Relay {
  private readonly server: net.Server;
  private readonly pairs = new Set<{ downstream: net.Socket; upstream: net.Socket }>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((downstream) => {
      const upstream = net.connect(target);
      const pair = { downstream, upstream };
      this.pairs.add(pair);
      downstream.pipe(upstream);
      upstream.pipe(downstream);
      const close = () => {
        this.pairs.delete(pair);
        downstream.destroy();
        upstream.destroy();
      };
      for (const socket of [downstream, upstream]) {
        socket.on("error", close);
        socket.on("close", close);
      }
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((done) => this.server.listen(0, "127.0.0.1", done));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Stops forwarding, both ways, the connection whose relay-side port PostgreSQL sees as `clientPort`; its sockets stay open. */
  blackhole(clientPort: number): boolean {
    for (const { downstream, upstream } of this.pairs) {
      if (upstream.localPort !== clientPort) continue;
      downstream.unpipe(upstream);
      upstream.unpipe(downstream);
      downstream.pause();
      upstream.pause();
      return true;
    }
    return false;
  }

  async close(): Promise<void> {
    for (const { downstream, upstream } of this.pairs) {
      downstream.destroy();
      upstream.destroy();
    }
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}

describe.runIf(unavailable === undefined)("PostgresStore: a listening connection silently dropped by the network", () => {
  let schemas: TestSchemas;
  let relay: Relay;
  const stores: PostgresStore[] = [];

  beforeAll(async () => {
    schemas = new TestSchemas();
    const url = new URL(TEST_DATABASE_URL!);
    relay = new Relay({ host: url.hostname, port: Number(url.port || 5432) });
    await relay.start();
  });

  afterAll(async () => {
    for (const store of stores) await store.close();
    await relay?.close();
    await schemas?.dropAll();
  });

  it("notices, connects again and catches up: a write made meanwhile, and the ones after, ring the doorbell", async () => {
    const schema = await schemas.create();
    const a = await schemas.open(schema);
    stores.push(a);
    // Replica B reaches PostgreSQL through the relay, and checks its listening connection often.
    const viaRelay = new URL(TEST_DATABASE_URL!);
    viaRelay.hostname = "127.0.0.1";
    viaRelay.port = String(relay.port);
    const b = await schemas.open(schema, {
      connectionString: viaRelay.toString(),
      listenBackoff: { minMs: 20, maxMs: 200 },
      listenCheck: { everyMs: 200, timeoutMs: 500 },
    });
    stores.push(b);
    let rings = 0;
    b.subscribeChanges(() => rings++);
    await waitUntil(() => rings === 1 && b.listenerBackendPid !== undefined, 5_000, "B to listen");
    const pid = b.listenerBackendPid!;
    await a.addStatus(newStatus("before"));
    await waitUntil(() => rings === 2, 5_000, "B to hear of A's first write");

    // The network drops B's listening connection: nothing tells B so.
    const { rows } = await schemas.admin.query<{ client_port: number; application_name: string }>("SELECT client_port, application_name FROM pg_stat_activity WHERE pid = $1", [
      pid,
    ]);
    expect(rows[0]!.application_name).toBe("statusthing-listener");
    expect(relay.blackhole(rows[0]!.client_port)).toBe(true);
    await a.addStatus(newStatus("while dropped"));

    // Generous, and no timed assertion: without the check B would not hear of it for many minutes.
    await waitUntil(() => rings >= 3 && b.listenerBackendPid !== undefined && b.listenerBackendPid !== pid, 15_000, "B to listen again on a new connection");
    // The ring after listening again is what makes B read "while dropped" from the log.
    expect((await b.readChanges(0, 10)).map((c) => c.kind === "status_upsert" && c.status.name)).toEqual(["before", "while dropped"]);
    const ringsBack = rings;
    await a.addStatus(newStatus("after"));
    await waitUntil(() => rings > ringsBack, 5_000, "B to hear of a write after listening again");
    expect((await b.readChanges(2, 10)).map((c) => c.revision)).toEqual([3]);
  }, 30_000);
});
