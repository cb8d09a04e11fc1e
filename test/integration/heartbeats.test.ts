/**
 * Heartbeats over real HTTP, with a set clock and the scheduler's tick driven by the test: late
 * and restored, a restart in the middle of a period (the ping before it counts after it), two
 * PostgreSQL replicas ticking at once (each late transition made once), secrets and throttling.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import type { Store } from "../../server/store/store.js";
import { rpc } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { addItem, heartbeatCurl, itemState, statusIds } from "../helpers/inlets.js";
import { TestSchemas } from "../helpers/postgres.js";

const run = promisify(execFile);
const T0 = new Date("2026-03-01T02:30:00.000Z");

/** A server on `store` whose clock is `clock.now`, ticking only when told. */
async function startOn(store: Store, clock: { now: Date }, logs?: string[]): Promise<{ app: App; server: RunningServer; url: string }> {
  const sink = new Writable({
    write: (chunk: Buffer, _e, done) => {
      logs?.push(chunk.toString("utf8"));
      done();
    },
  });
  const app = await createApp({ store, logger: createLogger("info", sink), adminPassword: TEST_ADMIN_PASSWORD, now: () => clock.now, inlets: { tickMs: 0 } });
  const server = await serve(app, "127.0.0.1:0");
  await registerAdminToken(server.url);
  return { app, server, url: server.url };
}

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

async function setHeartbeat(url: string, itemId: string, lateStatusId: string, lateNote = "") {
  const res = await rpc(url, "statusthing.v1.HooksService/SetHeartbeat", { itemId, intervalSeconds: 60, graceSeconds: 30, lateStatusId, lateNote });
  expect(res.code, res.text).toBe("ok");
  return res.body as { secret: string; pingPath: string; heartbeat: Record<string, unknown> };
}

describe("heartbeats on SQLite", () => {
  const clock = { now: T0 };
  const logs: string[] = [];
  let dir: string;
  let server: RunningServer;
  let app: App;
  let url: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "statusthing-heartbeats-"));
    ({ app, server, url } = await startOn(new SqliteStore({ path: join(dir, "statusthing.db") }), clock, logs));
  });
  afterAll(async () => {
    await server?.close(2_000);
    rmSync(dir, { recursive: true, force: true });
  });

  it("turns the item late after interval + grace, once, and the README's cron line brings it back", async () => {
    const S = await statusIds(url);
    const id = await addItem(url, "nightly backup", S.UP!);
    clock.now = T0;
    const { secret, pingPath } = await setHeartbeat(url, id, S.DOWN!, "The nightly backup did not report in.");
    expect(pingPath).toBe(`/hooks/heartbeat/${secret}`);
    expect(secret).toMatch(/^hb_[a-z2-7]{32}$/);
    // The secret is shown once: listing never shows it.
    expect(JSON.stringify((await rpc(url, "statusthing.v1.HooksService/ListHeartbeats", {})).body)).not.toContain(secret);

    clock.now = at(89);
    expect(await app.inlets!.tick()).toEqual([]);
    expect((await itemState(url, id)).status).toBe("UP");
    clock.now = at(91);
    expect(await app.inlets!.tick()).toEqual([id]);
    expect(await itemState(url, id)).toEqual({ status: "DOWN", notes: ["The nightly backup did not report in."] });
    clock.now = at(300);
    expect(await app.inlets!.tick()).toEqual([]);
    expect((await itemState(url, id)).notes).toHaveLength(1);
    const listed = (await rpc(url, "statusthing.v1.HooksService/ListHeartbeats", {})).body.heartbeats as Array<{ itemId: string; late: boolean }>;
    expect(listed.find((h) => h.itemId === id)?.late).toBe(true);

    // The cron line as the README shows it, run by the real curl.
    const { stdout } = await run("sh", ["-c", heartbeatCurl(url, secret).replace("> /dev/null", "")]);
    expect(JSON.parse(stdout)).toEqual({ ok: true, item_id: id, restored: true });
    expect((await itemState(url, id)).status).toBe("UP");
    // The next deadline counts from that ping.
    clock.now = at(300 + 89);
    expect(await app.inlets!.tick()).toEqual([]);
    clock.now = at(300 + 91);
    expect(await app.inlets!.tick()).toEqual([id]);
    // Changed by hand while late: the next ping leaves it alone.
    await rpc(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: id, statusId: S.WARNING });
    const ping = await fetch(`${url}${pingPath}`, { method: "POST", body: "backup log..." });
    expect(await ping.json()).toEqual({ ok: true, item_id: id, restored: false });
    expect((await itemState(url, id)).status).toBe("WARNING");
    // No log line holds the secret.
    expect(logs.join("")).not.toContain(secret);
  });

  it("audits a late turn and the ping that ends it as the heartbeat's, and an ordinary ping not at all", async () => {
    const S = await statusIds(url);
    const id = await addItem(url, "audited cron", S.UP!);
    const start = clock.now.getTime();
    const { pingPath } = await setHeartbeat(url, id, S.DOWN!);
    const ping = async () => ((await (await fetch(`${url}${pingPath}`, { method: "POST" })).json()) as { restored: boolean }).restored;
    expect(await ping()).toBe(false);
    clock.now = new Date(start + 91_000);
    expect(await app.inlets!.tick()).toContain(id);
    expect(await ping()).toBe(true);
    const events = (await rpc(url, "statusthing.v1.AuditService/ListAuditEvents", { pageSize: 500 })).body.events as Array<{ actor: string; procedure: string; objectId: string }>;
    const jobs = events.filter((e) => e.objectId === id && e.actor === "heartbeat").map((e) => e.procedure);
    expect(jobs.sort()).toEqual(["heartbeat late", "heartbeat ping"]);
  });

  it("answers 404 for a URL that names no heartbeat, and a rotated secret replaces the old one at once", async () => {
    const S = await statusIds(url);
    const id = await addItem(url, "rotating", S.UP!);
    const { secret } = await setHeartbeat(url, id, S.DOWN!);
    expect((await fetch(`${url}/hooks/heartbeat/hb_${"a".repeat(32)}`)).status).toBe(404);
    expect((await fetch(`${url}/hooks/heartbeat/../../etc/passwd`)).status).toBe(404);
    const rotated = await rpc(url, "statusthing.v1.HooksService/RotateHeartbeatSecret", { itemId: id });
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(secret);
    const old = await fetch(`${url}/hooks/heartbeat/${secret}`);
    expect(old.status).toBe(404);
    expect(((await old.json()) as { reason: string }).reason).toBe("HEARTBEAT_NOT_FOUND");
    expect((await fetch(`${url}/hooks/heartbeat/${fresh}`)).status).toBe(200);
    // Changing the settings keeps the secret.
    const again = await setHeartbeat(url, id, S.WARNING!);
    expect(again.secret ?? "").toBe("");
    expect((await fetch(`${url}/hooks/heartbeat/${fresh}`)).status).toBe(200);
    const bad = await rpc(url, "statusthing.v1.HooksService/SetHeartbeat", { itemId: id, intervalSeconds: 0, lateStatusId: S.DOWN });
    expect(bad.code).toBe("invalid_argument");
    expect((await rpc(url, "statusthing.v1.HooksService/DeleteHeartbeat", { itemId: id })).code).toBe("ok");
    expect((await fetch(`${url}/hooks/heartbeat/${fresh}`)).status).toBe(404);
  });

  it("throttles pings per URL with 429 and Retry-After", async () => {
    const S = await statusIds(url);
    const id = await addItem(url, "chatty cron", S.UP!);
    const { pingPath } = await setHeartbeat(url, id, S.DOWN!);
    const answers = [];
    for (let i = 0; i < 15; i++) answers.push(await fetch(`${url}${pingPath}`));
    const throttled = answers.filter((a) => a.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(3);
    expect(Number(throttled[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });
});

describe("heartbeats across a restart", () => {
  it("counts a ping from before the restart after it, and catches up on a deadline missed while down", async () => {
    const dir = mkdtempSync(join(tmpdir(), "statusthing-heartbeats-restart-"));
    const path = join(dir, "statusthing.db");
    const clock = { now: T0 };
    try {
      let running = await startOn(new SqliteStore({ path }), clock);
      const S = await statusIds(running.url);
      const id = await addItem(running.url, "restarted", S.UP!);
      const { pingPath } = await setHeartbeat(running.url, id, S.DOWN!);
      clock.now = at(50);
      expect((await fetch(`${running.url}${pingPath}`)).status).toBe(200);
      await running.server.close(2_000);

      // Back at 100 s: the ping at 50 s still counts, so nothing is due before 140 s.
      clock.now = at(100);
      running = await startOn(new SqliteStore({ path }), clock);
      expect(await running.app.inlets!.tick()).toEqual([]);
      expect((await itemState(running.url, id)).status).toBe("UP");
      await running.server.close(2_000);

      // Down across the deadline: the first tick after the start catches up.
      clock.now = at(500);
      running = await startOn(new SqliteStore({ path }), clock);
      expect(await running.app.inlets!.tick()).toEqual([id]);
      expect((await itemState(running.url, id)).status).toBe("DOWN");
      await running.server.close(2_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const describePg = await describeWithPostgres("the heartbeat replica test");

describePg("heartbeats on two PostgreSQL replicas", () => {
  let schemas: TestSchemas;
  const clock = { now: T0 };
  const replicas: Array<{ app: App; server: RunningServer; url: string }> = [];

  beforeAll(async () => {
    schemas = new TestSchemas();
    const schema = await schemas.create();
    for (let i = 0; i < 2; i++) replicas.push(await startOn(await schemas.open(schema), clock));
  }, 60_000);
  afterAll(async () => {
    for (const r of replicas) await r.server.close(2_000);
    await schemas?.dropAll();
  });

  it("turns each overdue heartbeat late once, whichever replica ticks first, and a ping on either restores it", async () => {
    const [a, b] = replicas as [(typeof replicas)[0], (typeof replicas)[0]];
    const S = await statusIds(a.url);
    const items: string[] = [];
    const paths: string[] = [];
    clock.now = T0;
    for (let i = 0; i < 5; i++) {
      const id = await addItem(a.url, `replicated job ${i}`, S.UP!);
      items.push(id);
      paths.push((await setHeartbeat(i % 2 ? a.url : b.url, id, S.DOWN!, `job ${i} is late`)).pingPath);
    }
    clock.now = at(91);
    // Both replicas tick at once, three rounds over (a replica's own ticks never overlap).
    const turned: string[] = [];
    for (let round = 0; round < 3; round++) turned.push(...(await Promise.all([a.app.inlets!.tick(), b.app.inlets!.tick()])).flat());
    expect([...turned].sort()).toEqual([...items].sort());
    for (const [i, id] of items.entries()) {
      expect(await itemState(b.url, id)).toEqual({ status: "DOWN", notes: [`job ${i} is late`] });
      const history = (await rpc(a.url, "statusthing.v1.HistoryService/GetItemHistory", { itemId: id, pageSize: 100 })).body.transitions as Array<{ status: { name: string } }>;
      expect(history.filter((t) => t.status?.name === "DOWN")).toHaveLength(1);
    }
    // A ping on either replica restores; the other sees it.
    const ping = await fetch(`${b.url}${paths[0]}`);
    expect(((await ping.json()) as { restored: boolean }).restored).toBe(true);
    expect((await itemState(a.url, items[0]!)).status).toBe("UP");
  });
});
