/**
 * Inlets benchmark: the real server (a child process, temp SQLite database, 100 items) takes
 * alert webhooks and heartbeat pings at a steady rate (default 100 calls/s each, open loop: calls
 * are sent on schedule whether or not earlier ones have answered), and the latency of each call
 * is measured here. Alert calls go round 10 tokens (the throttle is per token) and alternately
 * fire and resolve, so most calls change an item (a durable write, answered after fsync).
 *
 *   npm run bench:inlets -- [--duration 10] [--rate 100]
 *
 * Budget: p99 ≤ 50 ms for each inlet, no errors. Prints a Markdown table, writes .bench/inlets.json,
 * and exits non-zero when a budget is missed.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { createHistogram } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { exitAsError, freePort, log, machineBusyPercent, makeTempDir, parseFlags, runBench, serverEnv, tail, trackChild, writeBenchRecord } from "./bench-process.js";
import { buildServer } from "./build-server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HOST = "127.0.0.1";
const ITEMS = 100;
const TOKENS = 10;
const BUDGET_P99_MS = 50;

const USAGE = `npm run bench:inlets -- [--duration 10] [--rate 100]\n`;

interface Options {
  duration: number;
  rate: number;
}

function parseOptions(argv: string[]): Options | undefined {
  const flags = parseFlags(argv, { duration: { type: "string" }, rate: { type: "string" }, help: { type: "boolean" } });
  if (flags.help) return undefined;
  return { duration: Number(flags.duration ?? 10), rate: Number(flags.rate ?? 100) };
}

async function call(url: string, path: string, body: unknown, token: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Sends `total` calls, one every 1000/rate ms on schedule, and measures each. */
async function openLoop(rate: number, total: number, send: (n: number) => Promise<Response>) {
  const histogram = createHistogram();
  let errors = 0;
  const statuses: Record<number, number> = {};
  const started = performance.now();
  const pending: Array<Promise<void>> = [];
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((done) => setTimeout(done, wait));
    const t0 = performance.now();
    pending.push(
      send(n).then(
        async (res) => {
          await res.arrayBuffer();
          histogram.record(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status !== 200) errors++;
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - started) / 1000;
  const ms = (p: number) => histogram.percentile(p) / 1000;
  return { calls: total, perSecond: Math.round(total / seconds), p50: ms(50), p99: ms(99), max: histogram.max / 1000, errors, statuses };
}

async function run(options: Options): Promise<void> {
  const busyBefore = await machineBusyPercent();
  const dir = makeTempDir("statusthing-bench-inlets-");
  const port = await freePort();
  const logFile = join(dir, "server.log");
  const fd = openSync(logFile, "w");
  const adminPassword = `bench-${randomBytes(12).toString("hex")}`;
  const env = serverEnv({ STATUSTHING_ADMIN_PASSWORD: adminPassword });
  const child = spawn(process.execPath, [buildServer(ROOT), "--db", join(dir, "bench.db"), "--api-addr", `${HOST}:${port}`, "--log-level", "warn"], {
    cwd: ROOT,
    env,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  trackChild(child);
  const url = `http://${HOST}:${port}`;
  const died = exitAsError(child, "server", logFile);
  const ready = (async () => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) return;
      } catch {
        // not yet
      }
    }
    throw new Error(`the server did not start:\n${tail(logFile)}`);
  })();
  await Promise.race([ready, died]);

  log("seeding 100 items, 10 tokens, 100 heartbeats");
  const login = await fetch(`${url}/statusthing.v1.AuthService/Login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: adminPassword }),
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";", 1)[0]!;
  const made = await fetch(`${url}/statusthing.v1.AuthService/CreateApiToken`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie },
    body: JSON.stringify({ name: "bench" }),
  });
  const admin = ((await made.json()) as { secret: string }).secret;
  const statuses = (await call(url, "/statusthing.v1.StatusService/ListStatus", {}, admin)).statuses as Array<{ id: string; name: string }>;
  const down = statuses.find((s) => s.name === "DOWN")!.id;
  const up = statuses.find((s) => s.name === "UP")!.id;
  const items: string[] = [];
  for (let i = 0; i < ITEMS; i++)
    items.push(((await call(url, "/statusthing.v1.ItemsService/AddItem", { name: `service ${i}`, initialStatusId: up }, admin)).item as { id: string }).id);
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++)
    tokens.push((await call(url, "/statusthing.v1.AuthService/CreateApiToken", { name: `alertmanager ${i}`, scope: "TOKEN_SCOPE_STATUS" }, admin)).secret as string);
  const pings: string[] = [];
  for (const itemId of items)
    pings.push((await call(url, "/statusthing.v1.HooksService/SetHeartbeat", { itemId, intervalSeconds: 3600, graceSeconds: 60, lateStatusId: down }, admin)).pingPath as string);

  const total = Math.round(options.rate * options.duration);
  log(`alert webhooks: ${options.rate} calls/s for ${options.duration} s`);
  const alerts = await openLoop(options.rate, total, (n) => {
    const item = n % ITEMS;
    // Each item fires on its first call and resolves on its next: a write every call.
    const firing = Math.floor(n / ITEMS) % 2 === 0;
    const payload = {
      version: "4",
      alerts: [
        {
          status: firing ? "firing" : "resolved",
          labels: { alertname: "Bench", statusthing_item: `service ${item}`, severity: "critical" },
          annotations: { summary: "bench" },
          fingerprint: `fp-${item}`,
        },
      ],
    };
    return fetch(`${url}/hooks/alertmanager`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens[n % TOKENS]}` },
      body: JSON.stringify(payload),
    });
  });
  log(`heartbeat pings: ${options.rate} calls/s for ${options.duration} s`);
  const heartbeats = await openLoop(options.rate, total, (n) => fetch(`${url}${pings[n % ITEMS]}`));

  child.kill("SIGTERM");
  const rows = [
    ["`POST /hooks/alertmanager` (a status change per call)", alerts],
    ["`GET /hooks/heartbeat/<secret>`", heartbeats],
  ] as const;
  const lines = [
    `| inlet | calls | calls/s | p50 | p99 | max | errors |`,
    `|---|--:|--:|--:|--:|--:|--:|`,
    ...rows.map(([name, r]) => `| ${name} | ${r.calls} | ${r.perSecond} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.max.toFixed(1)} ms | ${r.errors} |`),
  ];
  process.stdout.write(`${lines.join("\n")}\n\n`);
  const missed = rows
    .filter(([, r]) => r.p99 > BUDGET_P99_MS || r.errors > 0)
    .map(([name, r]) => `${name}: p99 ${r.p99.toFixed(1)} ms, ${r.errors} errors (${JSON.stringify(r.statuses)})`);
  for (const [name, r] of rows)
    process.stdout.write(`${r.p99 <= BUDGET_P99_MS && r.errors === 0 ? "ok    " : "MISSED"} ${name}: p99 ≤ ${BUDGET_P99_MS} ms at ${options.rate} calls/s, no errors\n`);
  writeBenchRecord("inlets", busyBefore, {}, { alerts, heartbeats, budget: { p99Ms: BUDGET_P99_MS } });
  if (missed.length) throw new Error(`budget missed:\n${missed.join("\n")}`);
}

process.exit(await runBench(process.argv.slice(2), parseOptions, USAGE, run));
