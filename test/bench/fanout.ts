/**
 * Fan-out benchmark: how fast one change reaches every live watcher, and what an idle watcher
 * costs the server.
 *
 *   npm run bench:fanout -- [--watchers 1000,5000,10000] [--changes 20] [--workers 4] [--cpu-prof]
 *                           [--database-url postgres://… [--replicas 2]] [--compare <git-ref>[,<git-ref>…]]
 *
 * For each N it starts a fresh server (child process, temp database, 20 seeded items) and opens N
 * watchers: `WatchItems` over Connect streaming (application/connect+json) on HTTP/1.1, each its
 * own TCP connection to 127.0.0.1, spread over several client processes (test/bench/fanout-worker.ts,
 * raw sockets). It then sends `UpdateItem` one change at a time and times how long the LAST
 * watcher takes to receive it (median, p95 and max over the changes). Server memory per idle
 * watcher is its RSS growth, after a full GC, from 0 to N watchers, divided by N.
 *
 * With `--database-url` the server works on PostgreSQL, in a fresh schema per N (dropped at the
 * end); with `--replicas R` as well, R server processes share that schema, the watchers are
 * spread evenly over them, and every change is written to the first (A): the others learn of it
 * through LISTEN/NOTIFY and read it from the log. Times are then to the last watcher on any
 * replica, also reported per replica; memory and CPU are those of all replicas together.
 *
 * The baseline, in the same run and with the same client processes: a bare `ws` server
 * (test/bench/fanout-ws-server.mjs, no compression) broadcasting the very bytes of our
 * item_changed message to N WebSocket clients, timed from the trigger request to the last receipt.
 * Both keep their N watchers open while the changes are timed, alternating between the two, so
 * other load on the machine weighs on both alike.
 *
 * With `--compare <git-ref>[,…]`, the server as it was at each of those commits (`git archive`d
 * into a temp folder, sharing this checkout's node_modules) runs too, as one more target each
 * (named by its ref) with its own N watchers, timed in the same alternation: the report adds
 * ours / that server.
 *
 * Every child runs under `ulimit -n` raised as far as the hard limit allows. Prints a Markdown
 * table and the budget verdicts (at 10,000 watchers) on stdout, progress on stderr, and writes
 * .bench/fanout.json. The exit code is 1 when the bench failed or a budget was missed (#13: the
 * budgets live in the benches, no test asserts a timing). `--cpu-prof` runs the server under
 * `--cpu-prof` and reports where its time went while the changes were fanned out.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runReconnectStorm } from "./reconnect-storm.js";
import { summarizeProfile, type CpuProfile, type ProfileSummary } from "./cpu-profile.js";
import type { WorkerCommand, WorkerMessage, WorkerMode } from "./fanout-worker.js";
import { BenchDatabase, databaseUrlFlag, type DatabaseInfo } from "./bench-postgres.js";
import {
  cpuMsOf,
  exitAsError,
  freePort,
  healthy,
  log,
  machineBusyPercent,
  makeTempDir,
  parseFlags,
  runBench,
  serverEnv,
  stopChild,
  tail,
  trackChild,
  UsageError,
  writeBenchRecord,
} from "./bench-process.js";
import { buildServer } from "./build-server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HOST = "127.0.0.1";
const ITEMS = 20;
/** The open-file limit every child asks for; it gets the hard limit if that is lower. */
const WANT_NOFILE = 65_536;
/** Watchers opened (and closed) before measuring the 0-watcher memory, to warm the code paths. */
const WARMUP_WATCHERS = 200;
const WARMUP_CHANGES = 3;
/** Pause between two changes, ms. */
const PAUSE_MS = 100;
/** A change not seen by every watcher within this long breaks the bench. */
const ROUND_TIMEOUT_MS = 20_000;

const PATHS = {
  login: "/statusthing.v1.AuthService/Login",
  changePassword: "/statusthing.v1.AuthService/ChangePassword",
  createApiToken: "/statusthing.v1.AuthService/CreateApiToken",
  listStatus: "/statusthing.v1.StatusService/ListStatus",
  addItem: "/statusthing.v1.ItemsService/AddItem",
  updateItem: "/statusthing.v1.ItemsService/UpdateItem",
} as const;

/** The leak check's budget: server RSS after the last cycle below (100 + this)% of that after the first. */
const LEAK_BUDGET = { rssGrowthPercent: 10 } as const;

const BUDGET = {
  watchers: 10_000,
  lastDeliveryMs: 250,
  /** #13: within 1.2× the bare `ws` broadcast of the same run. */
  vsWs: 1.2,
  kbPerIdleWatcher: 20,
} as const;

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  watchers: number[];
  changes: number;
  workers: number;
  batch: number;
  cpuProf: boolean;
  /** PostgreSQL instead of SQLite. */
  databaseUrl: string | undefined;
  /** Server processes sharing the database (more than 1 needs PostgreSQL). */
  replicas: number;
  /** Git commits whose servers run beside ours, each a target of its own. */
  compare: string[];
  /** The reconnect storm instead (reconnect-storm.ts), at the first watcher count. */
  reconnect: boolean;
  /** The leak check instead: this many cycles of the first watcher count connecting, seeing a change and leaving (0: not run). */
  leakCycles: number;
}

const USAGE = `usage: npm run bench:fanout -- [flags]

  --watchers <n[,n...]>  watcher counts to run (default 1000,5000,10000)
  --changes <n>          measured changes per count (default 20; ${WARMUP_CHANGES} more before, unmeasured)
  --workers <n>          client processes holding the watchers (default 4)
  --batch <n>            connections opened at a time, over all workers (default 500)
  --cpu-prof             run the server with --cpu-prof; report its top self time during the changes
  --database-url <url>   run the server on PostgreSQL (postgres://user:password@host:5432/db): a fresh
                         schema per watcher count, dropped at the end (default: SQLite in a temp folder)
  --replicas <n>         server processes on that one database (default 1; more needs --database-url):
                         watchers spread evenly over them, changes written to the first
  --compare <ref[,ref]>  also run the server as it was at each of those git commits, timed in the same
                         alternation: the report adds ours / each
  --reconnect            instead: the reconnect storm (test/bench/reconnect-storm.ts) at the first
                         --watchers count (default 5000): the server restarted under N watchers
  --leak-check           instead: the leak check, at the first --watchers count (default 5000): --cycles
                         times N watchers connect, receive a change and leave; the server's RSS and heap
                         after a full GC are read after each cycle; exit code 1 when RSS grows by
                         ${LEAK_BUDGET.rssGrowthPercent}% or more from the first cycle to the last
  --cycles <n>           cycles of the leak check (default 10)
  --help                 print this help

  e.g. npm run bench:fanout -- --replicas 2 --database-url postgres://postgres@127.0.0.1:5432/test
`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name}: want a positive whole number, got ${JSON.stringify(value)}`);
  return n;
}

function parseOptions(argv: string[]): Options | undefined {
  const values = parseFlags(argv, {
    watchers: { type: "string" },
    changes: { type: "string" },
    workers: { type: "string" },
    batch: { type: "string" },
    "cpu-prof": { type: "boolean" },
    "database-url": { type: "string" },
    replicas: { type: "string" },
    compare: { type: "string" },
    reconnect: { type: "boolean" },
    "leak-check": { type: "boolean" },
    cycles: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return undefined;
  const watchers = (values.watchers ?? (values.reconnect || values["leak-check"] ? "5000" : "1000,5000,10000"))
    .split(",")
    .map((s) => s.trim().replace(/_/g, ""))
    .filter((s) => s !== "")
    .map((s) => positiveInt("watchers", s, 0));
  if (watchers.length === 0) throw new UsageError("--watchers: give at least one count");
  const databaseUrl = databaseUrlFlag(values["database-url"]);
  const replicas = positiveInt("replicas", values.replicas, 1);
  if (replicas > 1 && !databaseUrl) throw new UsageError("--replicas: replicas share one PostgreSQL database; give --database-url too");
  if (replicas > 26) throw new UsageError("--replicas: at most 26");
  return {
    watchers,
    changes: positiveInt("changes", values.changes, 20),
    workers: positiveInt("workers", values.workers, 4),
    batch: positiveInt("batch", values.batch, 500),
    cpuProf: values["cpu-prof"] ?? false,
    databaseUrl,
    replicas,
    compare: (values.compare ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    reconnect: values.reconnect ?? false,
    leakCycles: values["leak-check"] ? positiveInt("cycles", values.cycles, 10) : 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Children, temp files and cleanup

/**
 * Spawns `node <args>` through bash, which first raises the open-file limit (a process cannot
 * raise its own from Node): to WANT_NOFILE, else as far as the hard limit goes. `exec` keeps
 * the pid, so the child's pid is node's.
 */
function spawnNode(args: readonly string[], stdio: StdioOptions, cwd = ROOT): ChildProcess {
  const script = `ulimit -n ${WANT_NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"`;
  const child = spawn("bash", ["-c", script, "bash", process.execPath, ...args], { cwd, stdio, env: serverEnv() });
  trackChild(child);
  return child;
}

/** The soft open-file limit of a running process, from /proc. */
function openFileLimit(pid: number | undefined): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === "unlimited" ? Infinity : soft ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/** Resident set size in KiB (VmRSS), from /proc. */
function rssKb(pid: number | undefined): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
/** ms on process.hrtime's clock: CLOCK_MONOTONIC on Linux, the same in every process. */
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function withTimeout<T>(promise: Promise<T>, ms: number, what: () => string | Promise<string>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => {
      void Promise.resolve(what()).then((message) => fail(new Error(message)), fail);
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Client processes

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;
type Reply = Extract<WorkerMessage, { type: "reply" }>;
type RoundReport = Extract<WorkerMessage, { type: "round" }>;

/** One client process and the watchers it holds. */
class ClientProcess {
  private nextId = 1;
  private readonly replies = new Map<number, (reply: Reply) => void>();
  private readonly rounds = new Map<string, (report: RoundReport) => void>();
  /** Watchers this process lost unexpectedly (the server ended or dropped them). */
  readonly lost: string[] = [];
  readonly died: Promise<never>;

  constructor(
    readonly child: ChildProcess,
    readonly index: number,
  ) {
    child.on("message", (raw: unknown) => {
      const message = raw as WorkerMessage;
      if (message.type === "reply") {
        this.replies.get(message.id)?.(message);
        this.replies.delete(message.id);
      } else if (message.type === "round") {
        const key = `${message.port}/${message.marker}`;
        this.rounds.get(key)?.(message);
        this.rounds.delete(key);
      } else if (message.type === "lost") {
        this.lost.push(message.reason);
      }
    });
    this.died = exitAsError(child, `client process ${index}`);
  }

  request(command: WithoutId<WorkerCommand>, timeoutMs = 30_000): Promise<Reply> {
    const id = this.nextId++;
    const reply = new Promise<Reply>((done) => this.replies.set(id, done));
    this.child.send({ ...command, id } as WorkerCommand);
    return withTimeout(Promise.race([reply, this.died]), timeoutMs, () => `client process ${this.index} did not answer ${command.cmd} within ${timeoutMs} ms`);
  }

  /** Settles when every watcher of this process on `port` has received `marker`. */
  round(port: number, marker: string): Promise<RoundReport> {
    return Promise.race([new Promise<RoundReport>((done) => this.rounds.set(`${port}/${marker}`, done)), this.died]);
  }
}

async function startClients(count: number): Promise<ClientProcess[]> {
  const workerFile = join(ROOT, "test/bench/fanout-worker.ts");
  const clients = Array.from({ length: count }, (_, i) => new ClientProcess(spawnNode(["--import", "tsx", workerFile], ["ignore", "inherit", "inherit", "ipc"]), i));
  await Promise.all(clients.map((c) => c.request({ cmd: "status" })));
  return clients;
}

/** Splits `n` as evenly as possible over the client processes. */
function spread(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// The targets: our server and the bare ws server

interface Memory {
  rssKb: number;
  heapUsedKb: number;
  externalKb: number;
}

interface Target {
  /** "ours", "ws", or the git ref of a --compare server. */
  name: string;
  mode: WorkerMode;
  /** One process and port per replica (the ws baseline: one). Changes are written to the first. */
  pids: number[];
  ports: number[];
  /** Makes the change carrying `marker` happen (and checks it was accepted). */
  trigger(marker: string): Promise<void>;
  /** How many watchers the target itself counts, per replica. */
  watchers(): Promise<number[]>;
  /** RSS and V8 heap after a full GC, all replicas together. */
  memory(): Promise<Memory>;
  died: Promise<never>;
}

const kb = (bytes: number) => Math.round(bytes / 1024);

async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
  contentType = "application/json",
): Promise<{ status: number; body: Buffer; setCookies: string[] }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": contentType, ...headers }, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()), setCookies: res.headers.getSetCookie() };
}

async function call<T>(base: string, path: string, request: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await post(`${base}${path}`, JSON.stringify(request), headers);
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.body.toString("utf8").slice(0, 300)}`);
  return JSON.parse(res.body.toString("utf8")) as T;
}

/**
 * What the bench sends to be allowed to write, as a monitoring script would: nothing on a server
 * without logins; else the initial admin (fresh database: "admin", the default password) logs
 * in, sets a new password (writes are refused until then) and creates an API token.
 */
async function writeCredentials(base: string): Promise<Record<string, string>> {
  const login = await post(`${base}${PATHS.login}`, JSON.stringify({ username: "admin", password: "password" }));
  if (login.status === 404) return {};
  if (login.status !== 200) throw new Error(`${PATHS.login} as the initial admin answered ${login.status}: ${login.body.toString("utf8").slice(0, 300)}`);
  const cookie = { cookie: login.setCookies.map((c) => c.split(";", 1)[0]!).join("; ") };
  const { mustChangePassword } = JSON.parse(login.body.toString("utf8")) as { mustChangePassword?: boolean };
  if (mustChangePassword) {
    await call(base, PATHS.changePassword, { current_password: "password", new_password: `fanout-bench-${randomBytes(12).toString("hex")}` }, cookie);
  }
  const { secret } = await call<{ secret: string }>(base, PATHS.createApiToken, { name: "fan-out bench" }, cookie);
  return { authorization: `Bearer ${secret}` };
}

/** One of our server processes. */
interface Replica {
  /** "A", "B", …: A takes the writes. */
  name: string;
  child: ChildProcess;
  port: number;
  url: string;
  logFile: string;
  profileDir: string | undefined;
  died: Promise<never>;
  /** process.memoryUsage() after a full GC, from the probe preloaded into the server. */
  probe(): Promise<NodeJS.MemoryUsage>;
}

interface OursServer extends Target {
  replicas: Replica[];
}

/** Where the server processes for N watchers keep their data: a fresh SQLite file, or a fresh PostgreSQL schema. */
async function storeArgs(dir: string, n: number, db: BenchDatabase | undefined, name: string): Promise<string[]> {
  if (!db) return ["--db", join(dir, `fanout-${n}-${name}.db`)];
  const { url } = await db.freshSchema();
  return ["--database-url", url];
}

/** What the server's probe (fanout-probe.mjs) answers. */
interface ProbeReply {
  type: "probe";
  id: number;
  memory: NodeJS.MemoryUsage;
}

async function startReplica(dir: string, n: number, name: string, store: readonly string[], options: Options, root: Checkout): Promise<Replica> {
  buildServer(root.dir);
  const port = await freePort();
  const suffix = (options.replicas > 1 ? `-${name}` : "") + (root.ref ? `-${root.ref}` : "");
  const logFile = join(dir, `server-${n}${suffix}.log`);
  const profileDir = options.cpuProf ? join(dir, `profile-${n}${suffix}`) : undefined;
  const args = [
    "--import",
    pathToFileURL(join(ROOT, "test/bench/fanout-probe.mjs")).href,
    ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
    "dist/server/main.js",
    ...store,
    "--api-addr",
    `${HOST}:${port}`,
    "--log-level",
    "warn",
    // Every simulated watcher comes from this one machine's address.
    "--max-watchers-per-client",
    "1000000",
  ];
  const fd = openSync(logFile, "w");
  const child = spawnNode(args, ["ignore", fd, fd, "ipc"], root.dir);
  closeSync(fd);
  const url = `http://${HOST}:${port}`;
  const died = exitAsError(child, options.replicas > 1 ? `server ${name}` : "server", logFile);
  await Promise.race([healthy(url, logFile, { name: `server ${name}` }), died]);

  let probes = 0;
  const pending = new Map<number, (memory: NodeJS.MemoryUsage) => void>();
  child.on("message", (raw: unknown) => {
    const reply = raw as ProbeReply;
    if (reply.type === "probe") pending.get(reply.id)?.(reply.memory);
  });
  const probe = async () => {
    const id = ++probes;
    const reply = new Promise<NodeJS.MemoryUsage>((done) => pending.set(id, done));
    child.send({ type: "probe", id });
    const memory = await withTimeout(Promise.race([reply, died]), 20_000, () => `server ${name} did not answer the memory probe`);
    pending.delete(id);
    return memory;
  };
  return { name, child, port, url, logFile, profileDir, died, probe };
}

/** Where a server's code is: this checkout (no ref), or a --compare commit extracted to `dir`. */
interface Checkout {
  dir: string;
  ref?: string;
}

/** Our server for N watchers: this checkout's, or that of a `--compare` commit. */
async function startOurs(dir: string, n: number, options: Options, db: BenchDatabase | undefined, root: Checkout = { dir: ROOT }): Promise<OursServer> {
  const store = await storeArgs(dir, n, db, root.ref ?? "ours");
  // Replicas start at once, as an operator may start them: one migrates, one admin is made.
  const names = Array.from({ length: options.replicas }, (_, i) => String.fromCharCode(65 + i));
  const replicas = await Promise.all(names.map((name) => startReplica(dir, n, name, store, options, root)));
  const writer = replicas[0]!;
  const url = writer.url;

  // Seed: items in the UP status, the first of which every change updates (all through replica A).
  const auth = await writeCredentials(url);
  const { statuses = [] } = await call<{ statuses?: Array<{ id: string }> }>(url, PATHS.listStatus, { kinds: ["STATUS_KIND_UP"] });
  const items: string[] = [];
  for (let i = 1; i <= ITEMS; i++) {
    const { item } = await call<{ item: { id: string } }>(
      url,
      PATHS.addItem,
      { name: `Service ${String(i).padStart(2, "0")}`, description: `Seeded by the fan-out bench: component number ${i}.`, initial_status_id: statuses[0]?.id ?? "" },
      auth,
    );
    items.push(item.id);
  }
  const itemId = items[0]!;
  const died = Promise.race(replicas.map((r) => r.died));
  died.catch(() => {});

  return {
    name: root.ref ?? "ours",
    mode: "connect",
    replicas,
    pids: replicas.map((r) => r.child.pid!),
    ports: replicas.map((r) => r.port),
    died,
    async trigger(marker) {
      const res = await post(`${url}${PATHS.updateItem}`, JSON.stringify({ item_id: itemId, description: `${marker} fan-out bench change` }), auth);
      if (res.status !== 200) throw new Error(`UpdateItem answered ${res.status}: ${res.body.toString("utf8").slice(0, 300)}`);
    },
    async watchers() {
      return Promise.all(
        replicas.map(async (r) => {
          const res = await fetch(`${r.url}/healthz`, { signal: AbortSignal.timeout(10_000) });
          const health = (await res.json()) as { watchers?: Record<string, number> };
          return health.watchers?.connect ?? 0;
        }),
      );
    },
    async memory() {
      const usages = await Promise.all(replicas.map((r) => r.probe()));
      const sum = (f: (m: NodeJS.MemoryUsage) => number) => usages.reduce((total, m) => total + f(m), 0);
      return { rssKb: replicas.reduce((total, r) => total + rssKb(r.child.pid), 0), heapUsedKb: kb(sum((m) => m.heapUsed)), externalKb: kb(sum((m) => m.external)) };
    },
  };
}

interface WsServer extends Target {
  child: ChildProcess;
}

async function startWs(dir: string, n: number, template: () => { payload: Buffer; marker: string }): Promise<WsServer> {
  const errFile = join(dir, `ws-${n}.err`);
  const fd = openSync(errFile, "w");
  // stdin stays open: when the bench dies, the ws server sees it end and exits.
  const child = spawnNode([join(ROOT, "test/bench/fanout-ws-server.mjs")], ["pipe", "pipe", fd]);
  closeSync(fd);
  const died = exitAsError(child, "ws server", errFile);
  const lines = createInterface({ input: child.stdout! });
  const line = await withTimeout(
    Promise.race([new Promise<string>((done) => lines.once("line", done)), died]),
    30_000,
    () => `ws server did not start; last output:\n${tail(errFile)}`,
  );
  const { url } = JSON.parse(line) as { url: string };
  const port = Number(new URL(url).port);
  const stats = async () => {
    const res = await fetch(`${url}/stats`, { signal: AbortSignal.timeout(20_000) });
    return (await res.json()) as { clients: number; memory: NodeJS.MemoryUsage };
  };
  return {
    name: "ws",
    mode: "ws",
    child,
    pids: [child.pid!],
    ports: [port],
    died,
    async trigger(marker) {
      const t = template();
      const res = await post(`${url}/broadcast`, Buffer.from(t.payload.toString("utf8").replace(t.marker, marker)));
      if (res.status !== 204) throw new Error(`ws /broadcast answered ${res.status}`);
    },
    async watchers() {
      return [(await stats()).clients];
    },
    async memory() {
      const { memory } = await stats();
      return { rssKb: rssKb(child.pid), heapUsedKb: kb(memory.heapUsed), externalKb: kb(memory.external) };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring

const runId = randomBytes(3).toString("hex");
let markerSeq = 0;
/** A text unique to one change, the same length for every change. */
const nextMarker = () => `FANOUT#${runId}-${String(++markerSeq).padStart(5, "0")}#`;

/** The bytes of one of our item_changed messages, as a watcher received them: the ws baseline sends them too. */
let template: { payload: Buffer; marker: string } | undefined;

interface Round {
  marker: string;
  /** ms from the trigger to the last (first) watcher receiving the change. */
  lastMs: number;
  firstMs: number;
  /** ms from the trigger to the last watcher of each replica receiving it (target.ports order). */
  lastByReplicaMs: number[];
  received: number;
}

async function runRound(target: Target, clients: ClientProcess[], expectedWatchers: number, capture: boolean): Promise<Round> {
  const marker = nextMarker();
  const { ports } = target;
  await Promise.all(clients.flatMap((c) => ports.map((port) => c.request({ cmd: "expect", port, marker, capture }))));
  const reports = Promise.all(clients.flatMap((c) => ports.map((port) => c.round(port, marker))));
  const t0 = nowMs();
  const triggered = target.trigger(marker);
  const [done] = await withTimeout(Promise.race([Promise.all([reports, triggered]), target.died]), ROUND_TIMEOUT_MS, async () => {
    const seen = await Promise.all(
      clients.flatMap((c) =>
        ports.map((port) =>
          c.request({ cmd: "status", port }, 5_000).then(
            (r) => `${r.seen}/${r.open}`,
            () => "?",
          ),
        ),
      ),
    );
    return `${target.name}: change ${marker} not received by every watcher within ${ROUND_TIMEOUT_MS} ms (seen/open per client process${ports.length > 1 ? " and replica" : ""}: ${seen.join(", ")})`;
  });
  const received = done.reduce((sum, r) => sum + r.received, 0);
  const lost = clients.flatMap((c) => c.lost);
  if (lost.length > 0) throw new Error(`${target.name}: ${lost.length} watchers were dropped, e.g. ${JSON.stringify(lost[0])}`);
  if (received !== expectedWatchers) throw new Error(`${target.name}: change ${marker} reached ${received} watchers, not ${expectedWatchers}`);
  const withTimes = done.filter((r) => r.received > 0);
  const sample = done.find((r) => r.sample)?.sample;
  if (capture && sample) template = { payload: Buffer.from(sample, "base64"), marker };
  return {
    marker,
    lastMs: Math.max(...withTimes.map((r) => r.last)) - t0,
    firstMs: Math.min(...withTimes.map((r) => r.first)) - t0,
    lastByReplicaMs: ports.map((port) => Math.max(...withTimes.filter((r) => r.port === port).map((r) => r.last)) - t0),
    received,
  };
}

async function openWatchers(target: Target, clients: ClientProcess[], n: number, options: Options): Promise<number> {
  const started = nowMs();
  const { ports } = target;
  // Evenly over the replicas, and over the client processes on each.
  const perReplica = spread(n, ports.length);
  const batch = Math.max(1, Math.ceil(options.batch / clients.length / ports.length));
  const timeoutMs = 60_000 + n * 10;
  const replies = await Promise.race([
    Promise.all(
      ports.flatMap((port, j) => {
        const counts = spread(perReplica[j]!, clients.length);
        return clients.map((c, i) => c.request({ cmd: "connect", mode: target.mode, host: HOST, port, count: counts[i]!, batch, timeoutMs }, timeoutMs + 10_000));
      }),
    ),
    target.died,
  ]);
  const failed = replies.reduce((sum, r) => sum + (r.failed ?? 0), 0);
  if (failed > 0) {
    const errors = [...new Set(replies.flatMap((r) => r.errors ?? []))].slice(0, 5);
    throw new Error(`${target.name}: ${failed} of ${n} watchers could not connect: ${errors.join("; ")}`);
  }
  const open = replies.reduce((sum, r) => sum + r.open, 0);
  const seen = await target.watchers();
  if (open !== n || seen.some((count, j) => count !== perReplica[j])) {
    throw new Error(`${target.name}: ${open} watchers open on the client side, ${seen.join(" + ")} on the server's, want ${perReplica.join(" + ")}`);
  }
  return nowMs() - started;
}

async function closeWatchers(target: Target, clients: ClientProcess[]): Promise<void> {
  await Promise.all(clients.flatMap((c) => target.ports.map((port) => c.request({ cmd: "close", port }))));
  for (const c of clients) c.lost.length = 0;
}

interface TargetResult {
  target: Target["name"];
  watchers: number;
  connectMs: number;
  /** Every measured change, ms from the trigger to the last watcher receiving it. */
  lastMs: number[];
  firstMs: number[];
  last: { median: number; p95: number; max: number; min: number };
  /** With several replicas: the last delivery on each (A takes the writes), median and p95. */
  lastByReplica: Array<{ median: number; p95: number }>;
  firstMedianMs: number;
  memory: { idle0: Memory; idleN: Memory; kbPerWatcherRss: number; kbPerWatcherHeap: number };
  /** Target CPU (user + system) per measured change, ms; from /proc, 10 ms resolution. */
  cpuMsPerChange: number | undefined;
  openFileLimit: number | undefined;
  /** hrtime µs: when the measured changes started and ended, for the CPU profile. */
  window: { startUs: number; endUs: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The nearest-rank percentile: the smallest value with at least p% of them at or below it. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** What opening N watchers cost a target, measured before any change is timed. */
interface Prepared {
  connectMs: number;
  idle0: Memory;
  idleN: Memory;
  openFileLimit: number | undefined;
}

/** Warms the target up, measures it idle, opens N watchers and measures it again. */
async function prepareTarget(target: Target, clients: ClientProcess[], n: number, options: Options): Promise<Prepared> {
  const limits = target.pids.map((pid) => openFileLimit(pid)).filter((l): l is number => l !== undefined);
  const limit = limits.length > 0 ? Math.min(...limits) : undefined;
  if (limit !== undefined && limit < Math.ceil(n / target.pids.length) + 100)
    throw new Error(`${target.name}: open-file limit ${limit} is too low for ${n} watchers (the hard limit caps it; raise it with ulimit -Hn as root)`);

  // Warm up the connect and fan-out paths, then measure the idle process.
  const warm = Math.min(WARMUP_WATCHERS, n);
  await openWatchers(target, clients, warm, options);
  for (let i = 0; i < WARMUP_CHANGES; i++) await runRound(target, clients, warm, target.name === "ours" && template === undefined);
  await closeWatchers(target, clients);
  await sleep(1_000);
  if ((await target.watchers()).some((count) => count !== 0)) throw new Error(`${target.name}: watchers left after closing them`);
  const idle0 = await target.memory();

  log(`${target.name}: opening ${n} watchers`);
  const connectMs = await openWatchers(target, clients, n, options);
  await sleep(2_000);
  const idleN = await target.memory();
  log(`${target.name}: ${n} watchers open in ${Math.round(connectMs)} ms; RSS ${idle0.rssKb} → ${idleN.rssKb} KB`);
  return { connectMs, idle0, idleN, openFileLimit: limit };
}

function summarize(target: Target, n: number, prepared: Prepared, rounds: Round[], cpuMs: number | undefined, window: { startUs: number; endUs: number }): TargetResult {
  const lastMs = rounds.map((r) => round2(r.lastMs));
  const firstMs = rounds.map((r) => round2(r.firstMs));
  const { idle0, idleN } = prepared;
  const result: TargetResult = {
    target: target.name,
    watchers: n,
    connectMs: Math.round(prepared.connectMs),
    lastMs,
    firstMs,
    last: { median: round2(median(lastMs)), p95: percentile(lastMs, 95), max: Math.max(...lastMs), min: Math.min(...lastMs) },
    lastByReplica: target.ports.map((_, j) => {
      const times = rounds.map((r) => round2(r.lastByReplicaMs[j]!));
      return { median: round2(median(times)), p95: percentile(times, 95) };
    }),
    firstMedianMs: round2(median(firstMs)),
    memory: {
      idle0,
      idleN,
      kbPerWatcherRss: round2((idleN.rssKb - idle0.rssKb) / n),
      kbPerWatcherHeap: round2((idleN.heapUsedKb - idle0.heapUsedKb) / n),
    },
    cpuMsPerChange: cpuMs === undefined ? undefined : round2(cpuMs / rounds.length),
    openFileLimit: prepared.openFileLimit,
    window,
  };
  log(
    `${target.name} @ ${n}: last delivery median ${result.last.median} ms, p95 ${result.last.p95} ms, max ${result.last.max} ms (first: median ${result.firstMedianMs} ms); ` +
      (result.lastByReplica.length > 1 ? `per replica (median) ${result.lastByReplica.map((r) => `${r.median} ms`).join(" / ")}; ` : "") +
      `${result.memory.kbPerWatcherRss} KB RSS/watcher; CPU ${result.cpuMsPerChange ?? "?"} ms/change`,
  );
  return result;
}

/**
 * Times the changes on every target, N watchers open on each, one change at a time and
 * alternating between them (in order on even rounds, reversed on odd), so that whatever else
 * the machine is doing weighs on all alike.
 */
async function measureAll(
  targets: Target[],
  clients: ClientProcess[],
  n: number,
  changes: number,
): Promise<{ rounds: Round[][]; cpuMs: Array<number | undefined>; window: { startUs: number; endUs: number } }> {
  for (let i = 0; i < WARMUP_CHANGES; i++) {
    for (const target of targets) {
      await runRound(target, clients, n, false);
      await sleep(PAUSE_MS);
    }
  }
  const rounds = targets.map(() => [] as Round[]);
  const cpuOf = (target: Target) => {
    const each = target.pids.map((pid) => cpuMsOf(pid));
    return each.some((ms) => ms === undefined) ? undefined : each.reduce((sum, ms) => sum! + ms!, 0);
  };
  const cpu0 = targets.map(cpuOf);
  const startUs = nowMs() * 1000;
  const order = targets.map((_, k) => k);
  for (let i = 0; i < changes; i++) {
    for (const k of i % 2 === 0 ? order : [...order].reverse()) {
      rounds[k]!.push(await runRound(targets[k]!, clients, n, false));
      await sleep(PAUSE_MS);
    }
  }
  const endUs = nowMs() * 1000;
  const cpu1 = targets.map(cpuOf);
  const cpuMs = targets.map((_, k) => (cpu0[k] !== undefined && cpu1[k] !== undefined ? cpu1[k]! - cpu0[k]! : undefined));
  return { rounds, cpuMs, window: { startUs, endUs } };
}

// ---------------------------------------------------------------------------------------------
// Report

interface Row {
  watchers: number;
  ours: TargetResult;
  ws: TargetResult;
  /** ours median / ws median */
  ratio: number;
  ratioMax: number;
  /** With `--compare`: the server at each of those commits, and ours median / its median. */
  others: Array<{ result: TargetResult; ratio: number }>;
  /** The server's CPU profile, per replica ("A", …). */
  profiles?: Array<{ replica: string; summary: ProfileSummary }>;
}

interface Verdict {
  budget: string;
  actual: string;
  pass: boolean;
}

const fmtMs = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");

function verdicts(rows: Row[]): Verdict[] | undefined {
  const row = rows.find((r) => r.watchers === BUDGET.watchers);
  if (!row) return undefined;
  const { ours } = row;
  return [
    { budget: `last delivery median ≤ ${BUDGET.lastDeliveryMs} ms`, actual: `${fmtMs(ours.last.median)} ms`, pass: ours.last.median <= BUDGET.lastDeliveryMs },
    { budget: `last delivery max ≤ ${BUDGET.lastDeliveryMs} ms`, actual: `${fmtMs(ours.last.max)} ms`, pass: ours.last.max <= BUDGET.lastDeliveryMs },
    {
      budget: `last delivery ≤ ${BUDGET.vsWs}× bare ws (medians)`,
      actual: `${row.ratio.toFixed(2)}× (${fmtMs(ours.last.median)} vs ${fmtMs(row.ws.last.median)} ms)`,
      pass: row.ratio <= BUDGET.vsWs,
    },
    {
      budget: `≤ ${BUDGET.kbPerIdleWatcher} KB server memory per idle watcher`,
      actual: `${ours.memory.kbPerWatcherRss.toFixed(1)} KB (RSS)`,
      pass: ours.memory.kbPerWatcherRss <= BUDGET.kbPerIdleWatcher,
    },
  ];
}

/** "SQLite", or "2 replicas on PostgreSQL 15.2 (…)". */
function describeServer(options: Options, database: DatabaseInfo | undefined): string {
  if (!database) return "one server process on SQLite (temp file)";
  const replicas = options.replicas === 1 ? "one server process" : `${options.replicas} server processes (replicas A–${String.fromCharCode(64 + options.replicas)})`;
  return (
    `${replicas} on PostgreSQL ${database.version} at ${database.url} (fsync ${database.fsync}, synchronous_commit ${database.synchronousCommit}), ` +
    `a fresh schema per count${options.replicas > 1 ? "; watchers spread evenly over the replicas, every change written to A" : ""}`
  );
}

function markdown(options: Options, busyBefore: number | undefined, database: DatabaseInfo | undefined, rows: Row[], checks: Verdict[] | undefined): string {
  const out: string[] = [];
  const payload = template ? `${template.payload.length} B` : "?";
  out.push(
    "## StatusThing fan-out bench",
    "",
    `${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim() ?? "?"}) · ${options.workers} client processes · ` +
      `${options.changes} changes per count after ${WARMUP_CHANGES} warm-up · item_changed message ${payload} · machine ${busyBefore ?? "?"}% busy before start`,
    "",
    `Server: ${describeServer(options, database)}.`,
    "",
    "| Watchers | ours median (ms) | ours p95 (ms) | ours max (ms) | bare ws median (ms) | bare ws p95 (ms) | bare ws max (ms) | ours / ws (median) | server KB / idle watcher | bare ws KB / idle client |",
    "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  );
  for (const r of rows) {
    out.push(
      `| ${fmtInt(r.watchers)} | ${fmtMs(r.ours.last.median)} | ${fmtMs(r.ours.last.p95)} | ${fmtMs(r.ours.last.max)} | ${fmtMs(r.ws.last.median)} | ${fmtMs(r.ws.last.p95)} | ${fmtMs(r.ws.last.max)} | ${r.ratio.toFixed(2)}× | ` +
        `${r.ours.memory.kbPerWatcherRss.toFixed(1)} | ${r.ws.memory.kbPerWatcherRss.toFixed(1)} |`,
    );
  }
  if (options.replicas > 1) {
    const names = Array.from({ length: options.replicas }, (_, i) => String.fromCharCode(65 + i));
    out.push(
      "",
      "Per replica: the last delivery among the watchers of each (A takes the writes; the others hear of each change through LISTEN/NOTIFY and read it from the log).",
      "",
      `| Watchers | ${names.map((n) => `${n} median (ms) | ${n} p95 (ms)`).join(" | ")} |`,
      `|--:|${names.map(() => "--:|--:").join("|")}|`,
    );
    for (const r of rows) out.push(`| ${fmtInt(r.watchers)} | ${r.ours.lastByReplica.map((x) => `${fmtMs(x.median)} | ${fmtMs(x.p95)}`).join(" | ")} |`);
  }
  out.push(
    "",
    "Times: from sending one `UpdateItem` (ours) or the broadcast trigger (bare ws) to the LAST watcher receiving the change, over " +
      `${options.changes} changes each, one at a time, alternating between ours and ws. Watchers: one TCP connection each on 127.0.0.1, ours \`WatchItems\` over Connect streaming ` +
      "(`application/connect+json`, HTTP/1.1), ws a WebSocket (`ws`, no compression) sent the same bytes. Memory: growth of the server's RSS " +
      "from 0 to N idle watchers, each after a full GC, divided by N (KB = 1,024 bytes; kernel socket buffers are not in RSS)" +
      (options.replicas > 1 ? `; ours: all ${options.replicas} replicas together, as is ours' CPU.` : "."),
  );
  out.push(
    "",
    "| Watchers | ours first delivery median (ms) | ws first delivery median (ms) | ours CPU / change (ms) | ws CPU / change (ms) | ours heap KB / watcher | connect N (s) ours / ws |",
    "|--:|--:|--:|--:|--:|--:|--:|",
  );
  for (const r of rows) {
    out.push(
      `| ${fmtInt(r.watchers)} | ${fmtMs(r.ours.firstMedianMs)} | ${fmtMs(r.ws.firstMedianMs)} | ${r.ours.cpuMsPerChange ?? "n/a"} | ${r.ws.cpuMsPerChange ?? "n/a"} | ` +
        `${r.ours.memory.kbPerWatcherHeap.toFixed(1)} | ${(r.ours.connectMs / 1000).toFixed(1)} / ${(r.ws.connectMs / 1000).toFixed(1)} |`,
    );
  }
  out.push("", `### Budgets (at ${fmtInt(BUDGET.watchers)} watchers)`, "");
  if (!checks) {
    out.push(`Not checked: this run did not include ${fmtInt(BUDGET.watchers)} watchers.`);
  } else {
    for (const c of checks) out.push(`- ${c.pass ? "PASS  " : "**MISSED**"} ${c.budget}: ${c.actual}`);
    const missed = checks.filter((c) => !c.pass).length;
    out.push("", missed === 0 ? "All budgets met." : `**MISSED ${missed} of ${checks.length} budgets.**`);
  }
  if (options.compare.length > 0) {
    out.push(
      "",
      `### Against the server at ${options.compare.map((ref) => `\`${ref}\``).join(", ")}, in the same run`,
      "",
      "| Watchers | server | last delivery median (ms) | p95 (ms) | ours / it (median) | CPU / change (ms) | KB / idle watcher (RSS) | heap KB / watcher | connect N (s) |",
      "|--:|---|--:|--:|--:|--:|--:|--:|--:|",
    );
    for (const r of rows) {
      for (const { result: t, ratio } of [{ result: r.ours, ratio: 1 }, ...r.others]) {
        out.push(
          `| ${fmtInt(r.watchers)} | ${t.target} | ${fmtMs(t.last.median)} | ${fmtMs(t.last.p95)} | ${ratio.toFixed(2)}× | ${t.cpuMsPerChange ?? "n/a"} | ` +
            `${t.memory.kbPerWatcherRss.toFixed(1)} | ${t.memory.kbPerWatcherHeap.toFixed(1)} | ${(t.connectMs / 1000).toFixed(1)} |`,
        );
      }
    }
  }
  const profiled = rows.filter((r) => r.profiles && r.profiles.length > 0);
  if (profiled.length > 0) {
    out.push("", "### Server CPU profile while the changes were timed (self time; the window includes the ws rounds, when our server idles)", "");
    for (const { r, replica, summary } of profiled.flatMap((r) => r.profiles!.map((p) => ({ r, ...p })))) {
      const which = options.replicas > 1 ? `, replica ${replica}` : "";
      out.push(`**${fmtInt(r.watchers)} watchers${which}** — ${fmtInt(summary.busyMs)} ms busy of ${fmtInt(summary.totalMs)} ms sampled`, "");
      out.push("| self % | self ms | function |", "|--:|--:|---|");
      for (const f of summary.topFunctions) out.push(`| ${f.percent.toFixed(1)} | ${fmtInt(f.selfMs)} | \`${f.name}\` |`);
      out.push("", `by module: ${summary.byModule.map((m) => `${m.name} ${m.percent.toFixed(1)}%`).join(", ")}`, "");
    }
  }
  return out.join("\n");
}

/** The tree of `ref` (its server and everything it imports), extracted into `dir`, sharing this checkout's node_modules. */
function extractCommit(ref: string, dir: string): Checkout {
  const root = join(dir, `at-${ref.replace(/[^\w.-]/g, "_")}`);
  mkdirSync(root, { recursive: true });
  const archive = spawnSync("bash", ["-c", 'git -C "$1" archive --format=tar "$2" | tar -x -C "$3"', "bash", ROOT, ref, root], { stdio: ["ignore", "inherit", "inherit"] });
  if (archive.status !== 0) throw new UsageError(`--compare: cannot extract ${JSON.stringify(ref)} from git`);
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
  log(`${ref}: extracted to ${root}`);
  return { dir: root, ref };
}

/** The main thread's profile of a server run: CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile, thread 0. */
function readProfile(dir: string | undefined): { file: string; data: CpuProfile } | undefined {
  if (!dir || !existsSync(dir)) return undefined;
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile") && f.split(".")[4] === "0");
  return file ? { file: join(dir, file), data: JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile } : undefined;
}

// ---------------------------------------------------------------------------------------------
// Leak check

interface LeakCycle {
  cycle: number;
  /** ms to open the N watchers, and from the change to the last of them receiving it. */
  openMs: number;
  lastDeliveryMs: number;
  /** ms from closing the watchers until the server counted none. */
  goneMs: number;
  memory: Memory;
  /** File descriptors the server holds (its sockets among them), from /proc. */
  openFds: number | undefined;
}

/** How many file descriptors a process holds, from /proc; undefined elsewhere. */
function openFdCount(pid: number | undefined): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** Polls the target until it counts no watcher, up to `ms`; returns how long that took. */
async function waitForNoWatchers(target: Target, ms: number): Promise<number> {
  const started = nowMs();
  for (;;) {
    // A server busy closing thousands of streams may drop a health check's keep-alive connection: ask again.
    const counts = await target.watchers().catch((error: unknown) => [`? (${String((error as Error).cause ?? error)})`]);
    if (counts.every((count) => count === 0)) return nowMs() - started;
    if (nowMs() - started > ms) throw new Error(`${target.name}: ${counts.join(" + ")} watchers still counted ${ms} ms after all of them left`);
    await sleep(100);
  }
}

/**
 * The leak check (#13): one server; `cycles` times, N watchers connect, receive one change and
 * leave (a TCP reset each, as a closed tab's connection may end); once the server counts none,
 * its RSS and V8 heap are read after a full GC (the bench's probe, fanout-probe.mjs). Memory held
 * for watchers that left would grow from cycle to cycle; a run that only touched new code paths
 * once grows from the idle reading to the first cycle, not after. Budget: RSS after the last
 * cycle < (100 + LEAK_BUDGET.rssGrowthPercent)% of that after the first; exit code 1 otherwise.
 */
async function runLeakCheck(options: Options): Promise<void> {
  const n = options.watchers[0]!;
  const cycles = options.leakCycles;
  const busyBefore = await machineBusyPercent();
  if (busyBefore !== undefined && busyBefore > 15) log(`warning: the machine is already ${busyBefore}% busy before the bench; times will be noisy (memory is not timed)`);
  const dir = makeTempDir("statusthing-fanout-leak-");
  const clients = await startClients(options.workers);
  const lowest = Math.min(...clients.map((c) => openFileLimit(c.child.pid) ?? Infinity));
  if (lowest < Math.ceil(n / options.workers) + 100) throw new Error(`client open-file limit ${lowest} is too low for ${n} watchers: use more --workers`);
  const ours = await startOurs(dir, n, options, undefined);
  const limit = openFileLimit(ours.pids[0]);
  if (limit !== undefined && limit < n + 100) throw new Error(`server open-file limit ${limit} is too low for ${n} watchers`);

  // Warm up as the timed bench does, then read the idle server.
  const warm = Math.min(WARMUP_WATCHERS, n);
  await openWatchers(ours, clients, warm, options);
  for (let i = 0; i < WARMUP_CHANGES; i++) await runRound(ours, clients, warm, false);
  await closeWatchers(ours, clients);
  await waitForNoWatchers(ours, 120_000);
  const idle = await ours.memory();
  const idleFds = openFdCount(ours.pids[0]);
  log(`leak check: idle server RSS ${idle.rssKb} KB, heap ${idle.heapUsedKb} KB; ${cycles} cycles of ${n} watchers`);

  const results: LeakCycle[] = [];
  for (let cycle = 1; cycle <= cycles; cycle++) {
    const openMs = await openWatchers(ours, clients, n, options);
    const round = await runRound(ours, clients, n, false);
    await closeWatchers(ours, clients);
    const goneMs = await waitForNoWatchers(ours, 120_000);
    const memory = await ours.memory();
    results.push({ cycle, openMs: Math.round(openMs), lastDeliveryMs: round2(round.lastMs), goneMs: Math.round(goneMs), memory, openFds: openFdCount(ours.pids[0]) });
    log(
      `cycle ${cycle}/${cycles}: opened in ${Math.round(openMs)} ms, last delivery ${round2(round.lastMs)} ms; after leaving: RSS ${memory.rssKb} KB, heap ${memory.heapUsedKb} KB`,
    );
  }
  await stopChild(ours.replicas[0]!.child);
  await Promise.all(clients.map((c) => stopChild(c.child)));

  const first = results[0]!.memory;
  const last = results.at(-1)!.memory;
  const growth = (a: number, b: number) => round2(((b - a) / a) * 100);
  const rssGrowth = growth(first.rssKb, last.rssKb);
  const heapGrowth = growth(first.heapUsedKb, last.heapUsedKb);
  const pass = rssGrowth < LEAK_BUDGET.rssGrowthPercent;
  const out = [
    "## StatusThing fan-out leak check",
    "",
    `${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} CPUs · ${options.workers} client processes · ${cycles} cycles of ${fmtInt(n)} watchers · ` +
      `machine ${busyBefore ?? "?"}% busy before start · load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(" / ")} at the end`,
    "",
    "Each cycle: N `WatchItems` streams (Connect, HTTP/1.1, one TCP connection each) open, receive one change, and leave (TCP reset); " +
      "once the server counts no watcher, its RSS and V8 heap are read after a full GC.",
    "",
    "| cycle | open N (s) | last delivery (ms) | none left after (ms) | RSS (MB) | heap used (MB) | external (MB) | open fds |",
    "|--:|--:|--:|--:|--:|--:|--:|--:|",
    `| idle, before | — | — | — | ${(idle.rssKb / 1024).toFixed(1)} | ${(idle.heapUsedKb / 1024).toFixed(1)} | ${(idle.externalKb / 1024).toFixed(1)} | ${idleFds ?? "?"} |`,
    ...results.map(
      (r) =>
        `| ${r.cycle} | ${(r.openMs / 1000).toFixed(1)} | ${fmtMs(r.lastDeliveryMs)} | ${fmtInt(r.goneMs)} | ${(r.memory.rssKb / 1024).toFixed(1)} | ` +
        `${(r.memory.heapUsedKb / 1024).toFixed(1)} | ${(r.memory.externalKb / 1024).toFixed(1)} | ${r.openFds ?? "?"} |`,
    ),
    "",
    `RSS from cycle 1 to ${cycles}: ${rssGrowth >= 0 ? "+" : ""}${rssGrowth}%; heap after GC: ${heapGrowth >= 0 ? "+" : ""}${heapGrowth}%.`,
    "",
    `- ${pass ? "PASS  " : "**MISSED**"} RSS grows by < ${LEAK_BUDGET.rssGrowthPercent}% from cycle 1 to ${cycles}: ${rssGrowth}%`,
  ];
  process.stdout.write(`${out.join("\n")}\n`);
  const jsonFile = writeBenchRecord("fanout-leak", busyBefore, options, {
    watchers: n,
    cycles: results,
    idle,
    idleFds,
    rssGrowthPercent: rssGrowth,
    heapGrowthPercent: heapGrowth,
    budget: { rssGrowthPercent: LEAK_BUDGET.rssGrowthPercent, pass },
  });
  log(`wrote ${jsonFile}`);
  if (!pass) process.exitCode = 1;
}

// ---------------------------------------------------------------------------------------------
// Main

async function run(options: Options): Promise<void> {
  if (options.leakCycles > 0) {
    if (options.reconnect || options.databaseUrl || options.replicas > 1 || options.compare.length > 0)
      throw new UsageError("--leak-check: runs one server on SQLite, against this checkout only");
    return runLeakCheck(options);
  }
  if (options.reconnect) {
    if (options.databaseUrl || options.compare.length > 0) throw new UsageError("--reconnect: runs on SQLite, against this checkout only");
    const storm = await runReconnectStorm({ watchers: options.watchers[0]!, workers: options.workers });
    process.stdout.write(`${storm.markdown}\n`);
    if (storm.missed) process.exitCode = 1;
    return;
  }
  const busyBefore = await machineBusyPercent();
  if (busyBefore !== undefined && busyBefore > 15) log(`warning: the machine is already ${busyBefore}% busy before the bench; numbers will be noisy`);
  const dir = makeTempDir("statusthing-fanout-");
  log(`starting ${options.workers} client processes`);
  const clients = await startClients(options.workers);
  const clientLimits = clients.map((c) => openFileLimit(c.child.pid));
  const perClient = Math.ceil(Math.max(...options.watchers) / options.workers);
  const lowest = Math.min(...clientLimits.map((l) => l ?? Infinity));
  if (lowest < perClient + 100) throw new Error(`client open-file limit ${lowest} is too low for ${perClient} watchers per process: use more --workers`);
  log(`open-file limit in the children: ${clientLimits[0] ?? "?"}`);
  const db = options.databaseUrl ? await BenchDatabase.open(options.databaseUrl) : undefined;
  const database = await db?.info();
  if (database) log(`PostgreSQL ${database.version} at ${database.url}; ${options.replicas} server process${options.replicas > 1 ? "es" : ""}`);

  const checkouts = options.compare.map((ref) => extractCommit(ref, dir));
  const rows: Row[] = [];
  const profileFiles: string[] = [];
  for (const n of options.watchers) {
    log(`— ${n} watchers —`);
    const ours = await startOurs(dir, n, options, db);
    const oursPrepared = await prepareTarget(ours, clients, n, options);
    const others: OursServer[] = [];
    const othersPrepared: Prepared[] = [];
    for (const checkout of checkouts) {
      others.push(await startOurs(dir, n, options, db, checkout));
      othersPrepared.push(await prepareTarget(others.at(-1)!, clients, n, options));
    }
    const ws = await startWs(dir, n, () => {
      if (!template) throw new Error("no item_changed message was captured for the ws baseline");
      return template;
    });
    const wsPrepared = await prepareTarget(ws, clients, n, options);
    log(`timing ${options.changes} changes on each, alternating`);
    const targets: Target[] = [ours, ...others, ws];
    const measured = await measureAll(targets, clients, n, options.changes);
    for (const target of targets) await closeWatchers(target, clients);
    await Promise.all([ours, ...others].flatMap((server) => server.replicas.map((r) => stopChild(r.child))).concat(stopChild(ws.child)));
    const prepared = [oursPrepared, ...othersPrepared, wsPrepared];
    const results = targets.map((target, k) => summarize(target, n, prepared[k]!, measured.rounds[k]!, measured.cpuMs[k], measured.window));
    const oursResult = results[0]!;
    const wsResult = results.at(-1)!;
    const profiles: Array<{ replica: string; summary: ProfileSummary }> = [];
    if (options.cpuProf) {
      for (const replica of ours.replicas) {
        const found = readProfile(replica.profileDir);
        if (!found) {
          log(`warning: server ${replica.name} wrote no CPU profile`);
          continue;
        }
        profiles.push({ replica: replica.name, summary: summarizeProfile(found.data, ROOT, measured.window, 20) });
        mkdirSync(join(ROOT, ".bench"), { recursive: true });
        const file = join(ROOT, ".bench", `fanout-server-${n}${options.replicas > 1 ? `-${replica.name}` : ""}.cpuprofile`);
        copyFileSync(found.file, file);
        profileFiles.push(file);
      }
    }
    rows.push({
      watchers: n,
      ours: oursResult,
      ws: wsResult,
      ratio: round2(oursResult.last.median / wsResult.last.median),
      ratioMax: round2(oursResult.last.max / wsResult.last.max),
      others: results.slice(1, -1).map((result) => ({ result, ratio: round2(oursResult.last.median / result.last.median) })),
      ...(profiles.length > 0 ? { profiles } : {}),
    });
  }
  await Promise.all(clients.map((c) => stopChild(c.child)));

  const checks = verdicts(rows);
  process.stdout.write(`${markdown(options, busyBefore, database, rows, checks)}\n`);
  const jsonFile = writeBenchRecord("fanout", busyBefore, options, {
    database,
    openFileLimit: { clients: clientLimits, server: rows.map((r) => r.ours.openFileLimit) },
    seed: { items: ITEMS, itemChangedBytes: template?.payload.length, itemChangedSample: template?.payload.toString("utf8") },
    results: rows,
    budgets: checks,
    budgetsMissed: checks?.filter((c) => !c.pass).length,
    profileFiles,
  });
  log(`wrote ${jsonFile}${profileFiles.length > 0 ? ` and ${profileFiles.join(", ")}` : ""}`);
  if (checks?.some((c) => !c.pass)) process.exitCode = 1;
}

const code = await runBench(process.argv.slice(2), parseOptions, USAGE, run);
process.exit(code !== 0 ? code : (process.exitCode ?? 0));
