/**
 * Reconnect storm (#13): `npm run bench:fanout -- --reconnect [--watchers 5000] [--workers 2]`.
 *
 * N WatchItems streams (test/bench/reconnect-worker.ts, behaving as the web app: its backoff and
 * jitter, resuming with `since_revision`) are open on a server (child process, SQLite file, 20
 * items) and have seen a first change. The server is stopped (SIGTERM, as a deploy does) and
 * started again on the same port and database; meanwhile every stream retries. Right after the
 * new server answers, one more change is written. Measured: the time from the new server
 * answering until the last stream has that change; how many streams came back with a snapshot
 * (none should: each asked to resume from a revision the log still holds); what was refused on
 * the way; and the new server's CPU and peak RSS during the storm.
 *
 * Budget: all resumed within 5 s of the server answering, no snapshot, no error answer. Exits 1
 * when missed.
 */
import { spawn, fork, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cpuMsOf, exitAsError, freePort, healthy, log, makeTempDir, serverEnv, stopChild, trackChild } from "./bench-process.js";
import type { ReconnectCommand, ReconnectMessage } from "./reconnect-worker.js";
import { buildServer } from "./build-server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HOST = "127.0.0.1";
const WANT_NOFILE = 65_536;
export const RECONNECT_BUDGET = { withinMs: 5_000 } as const;

export interface ReconnectOptions {
  watchers: number;
  workers: number;
}

interface Server {
  child: ChildProcess;
  url: string;
}

async function startServer(dir: string, port: number, password: string, attempt: number): Promise<Server> {
  const logFile = join(dir, `server-${attempt}.log`);
  const args = [buildServer(ROOT), "--db", join(dir, "bench.db"), "--api-addr", `${HOST}:${port}`, "--log-level", "warn", "--max-watchers-per-client", "1000000"];
  const script = `ulimit -n ${WANT_NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"`;
  const env = serverEnv({ STATUSTHING_ADMIN_PASSWORD: password });
  const fd = openSync(logFile, "w");
  const child = trackChild(spawn("bash", ["-c", script, "bash", process.execPath, ...args], { cwd: ROOT, stdio: ["ignore", fd, fd], env }));
  closeSync(fd);
  const url = `http://${HOST}:${port}`;
  const died = exitAsError(child, "server", logFile);
  await Promise.race([healthy(url, logFile, { withinMs: 60_000, pollMs: 20 }), died]);
  return { child, url };
}

async function call(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function adminToken(url: string, password: string): Promise<Record<string, string>> {
  const login = await fetch(`${url}/statusthing.v1.AuthService/Login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password }),
  });
  if (login.status !== 200) throw new Error(`login: ${login.status}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(";", 1)[0])
    .join("; ");
  const { secret } = await call(url, "/statusthing.v1.AuthService/CreateApiToken", { name: "reconnect bench" }, { cookie });
  return { authorization: `Bearer ${String(secret)}` };
}

function rssMb(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    return Number(line?.split(/\s+/)[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** Forked clients, and a way to wait for a message from each. */
class Clients {
  private readonly workers: ChildProcess[] = [];
  private readonly waiting = new Map<string, Array<(m: ReconnectMessage) => void>>();

  constructor(n: number) {
    for (let i = 0; i < n; i++) {
      const worker = trackChild(fork(join(ROOT, "test/bench/reconnect-worker.ts"), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] }));
      worker.on("message", (raw) => {
        const m = raw as ReconnectMessage;
        this.waiting.get(m.type)?.shift()?.(m);
      });
      this.workers.push(worker);
    }
  }

  /** Sends `command` to every worker; resolves with each one's answer of type `answer` (if any). */
  async all<T extends ReconnectMessage["type"]>(command: (i: number) => ReconnectCommand, answer?: T): Promise<Array<Extract<ReconnectMessage, { type: T }>>> {
    const answers = answer
      ? this.workers.map(
          () =>
            new Promise<ReconnectMessage>((done) => {
              const list = this.waiting.get(answer) ?? [];
              list.push(done);
              this.waiting.set(answer, list);
            }),
        )
      : [];
    this.workers.forEach((w, i) => w.send(command(i)));
    return (await Promise.all(answers)) as Array<Extract<ReconnectMessage, { type: T }>>;
  }

  async close(): Promise<void> {
    await this.all(() => ({ cmd: "close" }));
  }
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

export async function runReconnectStorm(options: ReconnectOptions): Promise<{ markdown: string; missed: boolean }> {
  const dir = makeTempDir("statusthing-reconnect-");
  const port = await freePort();
  const password = `bench-${Math.random().toString(36).slice(2)}`;
  let server = await startServer(dir, port, password, 1);
  const auth = await adminToken(server.url, password);
  const items: string[] = [];
  for (let i = 0; i < 20; i++) items.push(String(((await call(server.url, "/statusthing.v1.ItemsService/AddItem", { name: `Service ${i}` }, auth)).item as { id: string }).id));
  const change = (n: number) => call(server.url, "/statusthing.v1.ItemsService/UpdateItem", { itemId: items[n % items.length], description: `change ${n}` }, auth);

  const clients = new Clients(options.workers);
  const per = (i: number) => Math.floor(options.watchers / options.workers) + (i < options.watchers % options.workers ? 1 : 0);
  log(`opening ${options.watchers} watchers from ${options.workers} client processes`);
  await clients.all((i) => ({ cmd: "open", port, count: per(i) }), "opened");
  const seen = clients.all(() => ({ cmd: "expect" }), "arrived");
  await change(1);
  await seen;
  log("every watcher has the first change; restarting the server");

  const stopped = nowMs();
  await stopChild(server.child);
  const down = nowMs() - stopped;
  const arrived = clients.all(() => ({ cmd: "expect" }), "arrived");
  server = await startServer(dir, port, password, 2);
  const answering = nowMs();
  const pid = server.child.pid;
  const cpuBefore = cpuMsOf(pid) ?? 0;
  let peakRss = rssMb(pid);
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 50);
  await change(2);
  const lasts = await arrived;
  clearInterval(sampler);
  const allBack = Math.max(...lasts.map((a) => a.last)) - answering;
  const cpuMs = (cpuMsOf(pid) ?? 0) - cpuBefore;
  const reports = await clients.all(() => ({ cmd: "report" }), "report");
  const sum = (f: (r: (typeof reports)[number]) => number) => reports.reduce((n, r) => n + f(r), 0);
  const merge = (f: (r: (typeof reports)[number]) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(f(r))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const reconnects = sum((r) => r.reconnects);
  const snapshots = sum((r) => r.snapshots);
  const statuses = merge((r) => r.statuses);
  const endCodes = merge((r) => r.endCodes);
  await clients.close();
  await stopChild(server.child);

  const errors = Object.values(statuses).reduce((a, b) => a + b, 0);
  const missed = allBack > RECONNECT_BUDGET.withinMs || snapshots > 0 || errors > 0 || reconnects < options.watchers;
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const markdown = [
    `## Reconnect storm`,
    "",
    `${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} CPUs · load average ${os.loadavg()[0]!.toFixed(1)} · SQLite · ${fmt(options.watchers)} watchers from ${options.workers} client processes, the web app's backoff (0.5 s doubling to 4 s, equal jitter)`,
    "",
    "| watchers | server down | all resumed after it answered | resumed | snapshots | error answers | refused attempts | server CPU during | peak RSS |",
    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    `| ${fmt(options.watchers)} | ${fmt(down)} ms | ${fmt(allBack)} ms | ${fmt(reconnects)} | ${snapshots} | ${errors} | ${fmt(sum((r) => r.refusedAttempts))} | ${fmt(cpuMs)} ms | ${peakRss.toFixed(0)} MB |`,
    "",
    `Answers other than 200: ${JSON.stringify(statuses)}; end-of-stream error codes seen: ${JSON.stringify(endCodes)}.`,
    "",
    `- ${missed ? "**MISSED**" : "PASS  "} all ${fmt(options.watchers)} resumed within ${fmt(RECONNECT_BUDGET.withinMs)} ms of the server answering, no snapshot, no error answer`,
  ].join("\n");
  return { markdown, missed };
}
