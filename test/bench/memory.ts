/**
 * Memory bench (#13): the server as it ships (`node dist/server/main.js`, built with tsc), on a
 * fresh SQLite file (or, with --database-url, a fresh PostgreSQL schema), left idle until its RSS
 * settles; then `--items` items are added through the API (each with a note, as an operator
 * would), the page is read once as a visitor would, and it is left idle again. RSS, and how much
 * of it is the process's own (anonymous) and how much file-backed (the `node` binary's pages,
 * shared libraries), come from /proc/<pid>/status; a bare `node` process waiting on a timer is
 * measured the same way beside it. Exit code 1 when the idle RSS misses the budget (≤ 60 MB).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { BenchDatabase, databaseUrlFlag } from "./bench-postgres.js";
import {
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
  trackChild,
  UsageError,
  writeBenchRecord,
} from "./bench-process.js";
import { buildServer } from "./build-server.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HOST = "127.0.0.1";
/** #13: an idle server (no items) in at most this much RSS. */
const IDLE_BUDGET_MB = 60;

const USAGE = `Usage: npm run bench:memory -- [flags]

  --items N          items added after the idle reading (default 100; 0: idle only)
  --settle S         seconds idle before each reading (default 8)
  --database-url U   PostgreSQL (a fresh schema, dropped at the end) instead of a temp SQLite file
  --node-flag F      a flag for node running the server (repeatable), e.g. --max-semi-space-size=1
  --server FILE      run this built entry (e.g. another checkout's dist/server/main.js) instead of building this one
  --help

Exit code 1 when the idle server's RSS is over ${IDLE_BUDGET_MB} MB.
`;

interface Options {
  items: number;
  settleMs: number;
  databaseUrl: string | undefined;
  nodeFlags: string[];
  server: string | undefined;
}

function parseOptions(argv: string[]): Options | undefined {
  const flags = parseFlags(argv, {
    items: { type: "string" },
    settle: { type: "string" },
    "database-url": { type: "string" },
    "node-flag": { type: "string", multiple: true },
    server: { type: "string" },
    help: { type: "boolean" },
  });
  if (flags.help) return undefined;
  const count = (name: string, value: string | undefined, fallback: number) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: want a whole number ≥ 0, got ${value}`);
    return n;
  };
  return {
    items: count("items", flags.items, 100),
    settleMs: count("settle", flags.settle, 8) * 1_000,
    databaseUrl: databaseUrlFlag(flags["database-url"]),
    nodeFlags: flags["node-flag"] ?? [],
    server: flags.server === undefined ? undefined : resolve(flags.server),
  };
}

/** RSS and its parts, in MB. */
interface Memory {
  rss: number;
  anon: number;
  file: number;
}

function memoryOf(pid: number | undefined): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  const mb = (n: number) => Math.round((n / 1024) * 10) / 10;
  return { rss: mb(kb("VmRSS")), anon: mb(kb("RssAnon")), file: mb(kb("RssFile") + kb("RssShmem")) };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function startServer(dir: string, options: Options, store: readonly string[], adminPassword: string): Promise<{ child: ChildProcess; url: string; logFile: string }> {
  const port = await freePort();
  const logFile = join(dir, "server.log");
  const args = [...options.nodeFlags, options.server ?? buildServer(ROOT), ...store, "--api-addr", `${HOST}:${port}`, "--log-level", "warn"];
  const fd = openSync(logFile, "w");
  const env = serverEnv({ STATUSTHING_ADMIN_PASSWORD: adminPassword });
  const child = trackChild(spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", fd, fd] }));
  closeSync(fd);
  const url = `http://${HOST}:${port}`;
  await Promise.race([healthy(url, logFile), exitAsError(child, "server", logFile)]);
  return { child, url, logFile };
}

async function call<T>(url: string, procedure: string, body: unknown, headers: Record<string, string> = {}): Promise<{ message: T; headers: Headers }> {
  const res = await fetch(`${url}/statusthing.v1.${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${procedure} answered ${res.status}: ${text.slice(0, 300)}`);
  return { message: JSON.parse(text) as T, headers: res.headers };
}

/** Signs in as the initial admin (changing the password when asked) and adds `count` items, each with a note. */
async function addItems(url: string, adminPassword: string, count: number): Promise<void> {
  const login = await call<{ mustChangePassword?: boolean }>(url, "AuthService/Login", { username: "admin", password: adminPassword });
  const cookieOf = (headers: Headers) =>
    headers
      .getSetCookie()
      .map((c) => c.split(";", 1)[0]!)
      .join("; ");
  let cookie = cookieOf(login.headers);
  if (login.message.mustChangePassword) {
    const changed = await call(url, "AuthService/ChangePassword", { currentPassword: adminPassword, newPassword: `${adminPassword}-changed` }, { cookie });
    if (changed.headers.getSetCookie().length > 0) cookie = cookieOf(changed.headers);
  }
  for (let i = 0; i < count; i++) {
    const name = `Service ${String(i).padStart(3, "0")}`;
    const { message } = await call<{ item: { id: string } }>(
      url,
      "ItemsService/AddItem",
      { name, description: `The ${name} API and its workers, as customers see them on the public status page.` },
      { cookie },
    );
    await call(url, "NotesService/AddNote", { itemId: message.item.id, noteText: `We are investigating elevated error rates on ${name}; next update in 30 minutes.` }, { cookie });
  }
  // A visitor's read: the list the page shows.
  const { message } = await call<{ items?: unknown[] }>(url, "ItemsService/ListItems", {});
  if ((message.items?.length ?? 0) !== count) throw new Error(`ListItems returned ${message.items?.length ?? 0} items, want ${count}`);
}

/** A bare `node` waiting on a timer: what Node itself holds before a line of ours runs. */
async function bareNode(settleMs: number): Promise<Memory> {
  const child = trackChild(spawn(process.execPath, ["-e", "setInterval(() => {}, 60_000)"], { stdio: "ignore" }));
  await sleep(Math.min(settleMs, 2_000));
  const memory = memoryOf(child.pid);
  await stopChild(child);
  return memory;
}

async function run(options: Options): Promise<void> {
  const busyBefore = await machineBusyPercent();
  if (busyBefore !== undefined && busyBefore > 15) log(`warning: the machine is already ${busyBefore}% busy before the bench`);
  const dir = makeTempDir("statusthing-bench-memory-");
  const db = options.databaseUrl ? await BenchDatabase.open(options.databaseUrl) : undefined;
  const store = db ? ["--database-url", (await db.freshSchema()).url] : ["--db", join(dir, "bench.db")];
  const bare = await bareNode(options.settleMs);
  const adminPassword = `bench-${randomBytes(12).toString("hex")}`;
  const server = await startServer(dir, options, store, adminPassword);
  const died = exitAsError(server.child, "server", server.logFile);
  log(`server up at ${server.url}; idle for ${options.settleMs / 1_000} s`);
  await Promise.race([sleep(options.settleMs), died]);
  const idle = memoryOf(server.child.pid);
  let withItems: Memory | undefined;
  if (options.items > 0) {
    log(`adding ${options.items} items; then idle for ${options.settleMs / 1_000} s`);
    await Promise.race([addItems(server.url, adminPassword, options.items), died]);
    await Promise.race([sleep(options.settleMs), died]);
    withItems = memoryOf(server.child.pid);
  }
  await stopChild(server.child);

  const storeName = db ? "PostgreSQL" : "SQLite";
  const flags = [options.server, ...options.nodeFlags].filter(Boolean).join(" ");
  const how = flags ? ` (${flags})` : "";
  const row = (what: string, m: Memory) => `| ${what} | ${m.rss.toFixed(1)} MB | ${m.anon.toFixed(1)} MB | ${m.file.toFixed(1)} MB |`;
  const lines = [
    "| | RSS | anonymous (the process's own) | file-backed (`node`'s pages, libraries) |",
    "|---|--:|--:|--:|",
    row("bare `node` (a timer)", bare),
    row(`StatusThing on ${storeName}, idle${how}`, idle),
    ...(withItems ? [row(`the same with ${options.items} items, after a ListItems`, withItems)] : []),
  ];
  const met = idle.rss <= IDLE_BUDGET_MB;
  lines.push("", `Idle RSS ${idle.rss.toFixed(1)} MB: budget ≤ ${IDLE_BUDGET_MB} MB ${met ? "met" : "MISSED"}.`);
  process.stdout.write(`${lines.join("\n")}\n`);
  const file = writeBenchRecord("memory", busyBefore, options, { bare, idle, withItems, budgetMb: IDLE_BUDGET_MB, met });
  log(`record written to ${file}`);
  if (!met) throw new Error(`idle RSS ${idle.rss.toFixed(1)} MB is over the ${IDLE_BUDGET_MB} MB budget`);
}

process.exitCode = await runBench(process.argv.slice(2), parseOptions, USAGE, run);
