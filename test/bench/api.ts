/**
 * API benchmark: the real server (a child process, temp database, 100 seeded items) against a
 * bare `node:http` server (another child) that answers the very same bytes from memory, under
 * autocannon running here, in this process. 127.0.0.1 only.
 *
 *   npm run bench:api -- [--duration 10] [--connections 50] [--warmup 2] [--log-level info] [--cpu-prof]
 *                        [--database-url postgres://…]
 *
 * With `--database-url` the server works on PostgreSQL, in a fresh schema dropped at the end,
 * instead of a temp SQLite file. Besides the anonymous reads (which a cache answers from memory
 * while nothing changes) it times `ListItems` as a signed-in user: its token is checked first,
 * then it shares the anonymous callers' cached answer.
 *
 * Prints a Markdown table and the budget verdicts on stdout (progress goes to stderr) and writes
 * .bench/api.json. The exit code is 1 when the bench itself failed or any budget was missed
 * (#13: the budgets live in the benches, which say so by their exit code; no test times anything). `--cpu-prof` profiles the server child and adds
 * its top self-time functions, per scenario, to the report (.bench/api-server.cpuprofile); with
 * `--items` / `--writers`, per load (.bench/api-scaling-server.cpuprofile, the last server's).
 */
import autocannon from "autocannon";
import { measureHistory } from "./history-cases.js";
import { runScaling, type ScalingTools } from "./api-scaling.js";
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BareFixtures } from "./bare-fixtures.js";
import { summarizeProfile, type CpuProfile, type ProfileSummary } from "./cpu-profile.js";
import { BenchDatabase, databaseUrlFlag, type DatabaseInfo } from "./bench-postgres.js";
import {
  alive,
  cpuMsOf,
  exitAsError,
  freePort,
  healthy,
  log,
  machineBusyPercent,
  makeTempDir,
  onCleanup,
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
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const JSON_HEADERS = { "content-type": "application/json" };
const ITEMS = 100;

const PATHS = {
  listItems: "/statusthing.v1.ItemsService/ListItems",
  getItem: "/statusthing.v1.ItemsService/GetItem",
  updateItem: "/statusthing.v1.ItemsService/UpdateItem",
  addWebhook: "/statusthing.v1.WebhooksService/AddWebhook",
  addItem: "/statusthing.v1.ItemsService/AddItem",
  addStatus: "/statusthing.v1.StatusService/AddStatus",
  addNote: "/statusthing.v1.NotesService/AddNote",
  login: "/statusthing.v1.AuthService/Login",
  changePassword: "/statusthing.v1.AuthService/ChangePassword",
  createApiToken: "/statusthing.v1.AuthService/CreateApiToken",
  summary: "/api/v2/summary.json",
  badge: "/badge.svg",
} as const;

const BUDGET = {
  listItemsReqPerS: 3_000,
  listItemsP99Ms: 50,
  /** #13: keep ListItems at ≥ 0.8× bare, raise GetItem to ≥ 0.8×. */
  listItemsVsBare: 0.8,
  getItemVsBare: 0.8,
  /** Signed-in reads (#13): access first, then the same cached answer. */
  signedInReqPerS: 3_000,
  signedInP99Ms: 50,
  signedInVsAnonymous: 0.5,
  updateItemWritesPerS: 2_000,
  summaryVsBare: 0.5,
  badgeVsBare: 0.5,
  /** UpdateItem with 5 webhooks receiving every change, over UpdateItem without: delivery must not slow writes (#18). */
  updateItemWithWebhooksVsWithout: 0.9,
} as const;

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  duration: number;
  connections: number;
  warmup: number;
  logLevel: string;
  cpuProf: boolean;
  /** PostgreSQL instead of SQLite. */
  databaseUrl: string | undefined;
  /** Scaling runs instead of the scenarios (see api-scaling.ts): item counts and writer counts. */
  items: number[];
  writers: number[];
}

const USAGE = `usage: npm run bench:api -- [flags]

  --duration <s>      measured seconds per scenario (default 10)
  --connections <n>   concurrent connections (default 50)
  --warmup <s>        unmeasured seconds before each scenario (default 2)
  --log-level <lvl>   the server's --log-level (default info: one JSON line per request)
  --cpu-prof          run the server with --cpu-prof; report top self time per scenario
                      (with --items / --writers: per load)
  --database-url <u>  run the server on PostgreSQL (postgres://user:password@host:5432/db), in a
                      fresh schema dropped at the end (default: SQLite in a temp folder)
  --items <n,n,...>   instead of the scenarios: ListItems size, cold latency and cached
                      throughput at each item count (e.g. 10,100,1000,5000)
  --writers <n,n,...> instead of the scenarios: UpdateItem at each number of concurrent
                      writers (e.g. 1,10,50,200); exits non-zero if 200 writers miss p99 ≤ 100 ms
  --help              print this help

  e.g. npm run bench:api -- --duration 5 --database-url postgres://postgres@127.0.0.1:5432/test
`;

function positive(name: string, value: string | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0))
    throw new UsageError(`--${name}: want a ${allowZero ? "non-negative" : "positive"} number, got ${JSON.stringify(value)}`);
  return n;
}

/** A comma-separated list of whole positive numbers (empty when the flag is absent). */
function counts(name: string, value: string | undefined): number[] {
  if (value === undefined) return [];
  const list = value.split(",").map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n <= 0))
    throw new UsageError(`--${name}: want whole positive numbers separated by commas, got ${JSON.stringify(value)}`);
  return list;
}

function parseOptions(argv: string[]): Options | undefined {
  const values = parseFlags(argv, {
    duration: { type: "string" },
    connections: { type: "string" },
    warmup: { type: "string" },
    "log-level": { type: "string" },
    "cpu-prof": { type: "boolean" },
    "database-url": { type: "string" },
    items: { type: "string" },
    writers: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return undefined;
  const logLevel = values["log-level"] ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level: want one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(logLevel)}`);
  const connections = positive("connections", values.connections, 50);
  if (!Number.isInteger(connections)) throw new UsageError("--connections: want a whole number");
  const databaseUrl = databaseUrlFlag(values["database-url"]);
  return {
    duration: positive("duration", values.duration, 10),
    connections,
    warmup: positive("warmup", values.warmup, 2, true),
    logLevel,
    cpuProf: values["cpu-prof"] ?? false,
    databaseUrl,
    items: counts("items", values.items),
    writers: counts("writers", values.writers),
  };
}

// ---------------------------------------------------------------------------------------------
// Children, temp files and cleanup

let running: autocannon.Instance | undefined;
onCleanup(() => running?.stop());

interface ServerChild {
  /** The initial admin password the server was started with (through its environment, not ps). */
  adminPassword: string;
  child: ChildProcess;
  url: string;
  logFile: string;
  profileDir: string | undefined;
}

async function startServer(dir: string, options: Options, store: readonly string[]): Promise<ServerChild> {
  const port = await freePort();
  const logFile = join(dir, "server.log");
  const profileDir = options.cpuProf ? join(dir, "profile") : undefined;
  const args = [
    ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
    buildServer(ROOT),
    ...store,
    "--api-addr",
    `${HOST}:${port}`,
    "--log-level",
    options.logLevel,
    // The webhook scenario's receiver listens on loopback, in this process.
    "--allow-private-webhooks",
  ];
  // The server logs a line per request: to a file, never to a pipe nobody reads.
  const fd = openSync(logFile, "w");
  const adminPassword = `bench-${randomBytes(12).toString("hex")}`;
  const env = serverEnv({ STATUSTHING_ADMIN_PASSWORD: adminPassword });
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  trackChild(child);
  const url = `http://${HOST}:${port}`;
  await Promise.race([healthy(url, logFile), exitAsError(child, "server", logFile)]);
  return { adminPassword, child, url, logFile, profileDir };
}

/** A webhook receiver for the bench: answers every POST 204 and counts them. */
async function startWebhookReceiver(): Promise<{ url: string; count: () => number; close: () => void }> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${HOST}:${port}`,
    count: () => received,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

async function startBare(dir: string, fixtures: BareFixtures): Promise<{ child: ChildProcess; url: string }> {
  const fixturesFile = join(dir, "bare-fixtures.json");
  writeFileSync(fixturesFile, JSON.stringify(fixtures));
  const errFile = join(dir, "bare.err");
  const fd = openSync(errFile, "w");
  // stdin stays open: when the bench dies, the bare server sees it end and exits.
  const child = spawn(process.execPath, ["test/bench/bare-server.mjs", fixturesFile], { cwd: ROOT, stdio: ["pipe", "pipe", fd] });
  closeSync(fd);
  trackChild(child);
  const lines = createInterface({ input: child.stdout! });
  const first = new Promise<string>((done) => lines.once("line", done));
  const line = await Promise.race([first, exitAsError(child, "bare server", errFile)]);
  const { url } = JSON.parse(line) as { url: string };
  if (!url.startsWith(`http://${HOST}:`)) throw new Error(`bare server listens on ${url}, not ${HOST}`);
  return { child, url };
}

// ---------------------------------------------------------------------------------------------
// Talking to the API

interface Raw {
  status: number;
  headers: Headers;
  contentType: string;
  body: Buffer;
}

async function post(base: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Raw> {
  const res = await fetch(`${base}${path}`, { method: "POST", headers: { ...JSON_HEADERS, ...headers }, body, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, headers: res.headers, contentType: res.headers.get("content-type") ?? "", body: Buffer.from(await res.arrayBuffer()) };
}

async function getRaw(base: string, path: string): Promise<Raw> {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, headers: res.headers, contentType: res.headers.get("content-type") ?? "", body: Buffer.from(await res.arrayBuffer()) };
}

async function call<T>(base: string, path: string, request: unknown, headers: Record<string, string> = {}): Promise<T> {
  const raw = await post(base, path, JSON.stringify(request), headers);
  if (raw.status !== 200) throw new Error(`${path} answered ${raw.status}: ${raw.body.toString("utf8").slice(0, 300)}`);
  return JSON.parse(raw.body.toString("utf8")) as T;
}

interface StatusMsg {
  id: string;
  name: string;
}
interface ItemMsg {
  id: string;
  name: string;
  description?: string;
  status?: StatusMsg;
  notes?: Array<{ id: string; text: string }>;
}

/** Runs `work` over `inputs`, `concurrency` at a time, keeping order. */
async function pool<I, O>(inputs: readonly I[], concurrency: number, work: (input: I, index: number) => Promise<O>): Promise<O[]> {
  const out: O[] = new Array<O>(inputs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
      while (next < inputs.length) {
        const i = next++;
        out[i] = await work(inputs[i]!, i);
      }
    }),
  );
  return out;
}

/**
 * Headers that make writes: what an operator does on a fresh server. Log in as the initial admin
 * (with the password the bench started the server with, else the documented first-start default),
 * change the password when the server asks for it, create an API token, and send it as a bearer
 * token. None when the server has no AuthService (then writes are open).
 */
async function writeCredentials(base: string, password: string): Promise<{ headers: Record<string, string>; auth: string }> {
  let current = password;
  let login = await post(base, PATHS.login, JSON.stringify({ username: "admin", password: current }));
  if (login.status === 404) return { headers: {}, auth: "none (the server has no AuthService)" };
  if (login.status === 401) {
    current = "password";
    login = await post(base, PATHS.login, JSON.stringify({ username: "admin", password: current }));
  }
  if (login.status !== 200) throw new Error(`login as admin: ${login.status} ${login.body.toString("utf8").slice(0, 300)}`);
  const cookieOf = (headers: Headers) =>
    headers
      .getSetCookie()
      .map((c) => c.split(";", 1)[0]!)
      .join("; ");
  let cookie = cookieOf(login.headers);
  if ((JSON.parse(login.body.toString("utf8")) as { mustChangePassword?: boolean }).mustChangePassword) {
    const changed = await post(base, PATHS.changePassword, JSON.stringify({ currentPassword: current, newPassword: `${password}-changed` }), { cookie });
    if (changed.status !== 200) throw new Error(`changing the admin password: ${changed.status} ${changed.body.toString("utf8").slice(0, 300)}`);
    if (changed.headers.getSetCookie().length > 0) cookie = cookieOf(changed.headers);
  }
  const { secret } = await call<{ secret?: string }>(base, PATHS.createApiToken, { name: "api bench" }, { cookie });
  if (typeof secret !== "string" || secret === "") throw new Error("CreateApiToken returned no secret");
  return { headers: { authorization: `Bearer ${secret}` }, auth: "admin API token (Authorization: Bearer)" };
}

interface Seed {
  statusIds: string[];
  items: Array<{ id: string; name: string }>;
}

/** 4 statuses, `count` items each with one of them and one note, all through the API. */
async function seed(base: string, auth: Record<string, string>, count = ITEMS): Promise<Seed> {
  const statusSpecs = [
    { name: "Bench Operational", color: "#2E7D32", kind: "STATUS_KIND_UP" },
    { name: "Bench Degraded", color: "#F9A825", kind: "STATUS_KIND_WARNING" },
    { name: "Bench Outage", color: "#C62828", kind: "STATUS_KIND_DOWN" },
    { name: "Bench Monitoring", color: "#1565C0", kind: "STATUS_KIND_OBSERVING" },
  ];
  const statuses = await pool(
    statusSpecs,
    1,
    async (spec) => (await call<{ status: StatusMsg }>(base, PATHS.addStatus, { ...spec, description: `${spec.name} (benchmark status)` }, auth)).status,
  );
  const statusIds = statuses.map((s) => s.id);
  const indexes = Array.from({ length: count }, (_, i) => i);
  const items = await pool(indexes, 8, async (i) => {
    const name = `Service ${String(i).padStart(String(count - 1).length, "0")}`;
    const { item } = await call<{ item: ItemMsg }>(
      base,
      PATHS.addItem,
      {
        name,
        description: `The ${name} API and its workers, as customers see them on the public status page.`,
        initialStatusId: statusIds[i % statusIds.length],
      },
      auth,
    );
    await call(base, PATHS.addNote, { itemId: item.id, noteText: `We are investigating elevated error rates on ${name}; next update in 30 minutes.` }, auth);
    return { id: item.id, name };
  });
  // Check the seed through the read API.
  const { items: listed = [] } = await call<{ items?: ItemMsg[] }>(base, PATHS.listItems, {});
  if (listed.length !== count || listed.some((item) => !item.status))
    throw new Error(`seed check: ListItems returned ${listed.length} items, ${listed.filter((i) => !i.status).length} without status`);
  const { item: one } = await call<{ item: ItemMsg }>(base, PATHS.getItem, { itemId: items[0]!.id });
  if (one.notes?.length !== 1) throw new Error(`seed check: GetItem returned ${one.notes?.length ?? 0} notes, want 1`);
  return { statusIds, items };
}

// ---------------------------------------------------------------------------------------------
// Load

interface LoadSpec {
  scenario: string;
  /** POST (the API, the default) or GET (the public documents). */
  method?: "GET" | "POST";
  target: "ours" | "bare";
  url: string;
  path: string;
  /** A fixed body, or a new body for every request. */
  body: string | (() => string);
  pid: number | undefined;
  /** Sent besides content-type, e.g. a bearer token for writes. */
  headers?: Record<string, string>;
}

interface Measured {
  scenario: string;
  target: "ours" | "bare";
  connections: number;
  durationS: number;
  /** Completed responses (any status). */
  completed: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  connectionErrors: number;
  timeouts: number;
  /** non2xx + connection errors (timeouts included). */
  errors: number;
  statusCodes: Record<string, number>;
  reqPerS: number;
  okPerS: number;
  /** 2xx latency percentiles, ms, from a µs histogram. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** CPU use of the target process over the run, % of one core. */
  targetCpuPercent: number | undefined;
  /** CPU time the target spent per completed request, ms: less noisy than req/s on a shared machine. */
  targetCpuMsPerRequest: number | undefined;
  /** CPU use of this (load generator) process over the run, % of one core. */
  loadgenCpuPercent: number;
  /** µs, process.hrtime clock: when the measured run started and ended. */
  window: { startUs: number; endUs: number };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function runAutocannon(spec: LoadSpec, seconds: number, connections: number, histogram?: RecordableHistogram): Promise<autocannon.Result> {
  const { body } = spec;
  const headers = { ...JSON_HEADERS, ...spec.headers };
  const request: autocannon.Request =
    spec.method === "GET"
      ? { method: "GET", path: spec.path }
      : typeof body === "string"
        ? { method: "POST", path: spec.path, headers, body }
        : { method: "POST", path: spec.path, headers, setupRequest: (req) => ({ ...req, body: body() }) };
  return new Promise((done, fail) => {
    const instance = autocannon(
      { url: `${spec.url}${spec.path}`, connections, duration: seconds, timeout: 10, requests: [request], title: `${spec.scenario} ${spec.target}` },
      (error, result) => {
        running = undefined;
        if (error) fail(error);
        else done(result);
      },
    );
    running = instance;
    if (histogram) {
      instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTimeMs: number) => {
        if (statusCode >= 200 && statusCode < 300) histogram.record(Math.max(1, Math.round(responseTimeMs * 1000)));
      });
    }
  });
}

async function measure(spec: LoadSpec, options: Options): Promise<Measured> {
  if (options.warmup > 0) {
    log(`${spec.scenario} → ${spec.target}: warm-up ${options.warmup} s`);
    await runAutocannon(spec, options.warmup, options.connections);
    await new Promise((done) => setTimeout(done, 250));
  }
  log(`${spec.scenario} → ${spec.target}: ${options.duration} s at ${options.connections} connections`);
  const histogram = createHistogram();
  const cpuBefore = cpuMsOf(spec.pid);
  const selfBefore = process.cpuUsage();
  const startUs = nowUs();
  const result = await runAutocannon(spec, options.duration, options.connections, histogram);
  const endUs = nowUs();
  const cpuAfter = cpuMsOf(spec.pid);
  const self = process.cpuUsage(selfBefore);
  const wallMs = (endUs - startUs) / 1000;
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  const durationS = result.duration;
  const ms = (us: number) => round2(us / 1000);
  const measured: Measured = {
    scenario: spec.scenario,
    target: spec.target,
    connections: options.connections,
    durationS,
    completed: result.requests.total,
    ok: result["2xx"],
    non2xx: result.non2xx,
    connectionErrors: result.errors,
    timeouts: result.timeouts,
    errors: result.non2xx + result.errors + result.mismatches,
    statusCodes,
    reqPerS: Math.round(result.requests.total / durationS),
    okPerS: Math.round(result["2xx"] / durationS),
    latencyMs:
      histogram.count > 0
        ? { p50: ms(histogram.percentile(50)), p90: ms(histogram.percentile(90)), p99: ms(histogram.percentile(99)), max: ms(histogram.max), mean: ms(histogram.mean) }
        : { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN },
    targetCpuPercent: cpuBefore !== undefined && cpuAfter !== undefined ? Math.round(((cpuAfter - cpuBefore) / wallMs) * 100) : undefined,
    targetCpuMsPerRequest:
      cpuBefore !== undefined && cpuAfter !== undefined && result.requests.total > 0 ? Math.round(((cpuAfter - cpuBefore) / result.requests.total) * 1000) / 1000 : undefined,
    loadgenCpuPercent: Math.round(((self.user + self.system) / 1000 / wallMs) * 100),
    window: { startUs, endUs },
  };
  log(
    `  ${measured.reqPerS} req/s, p50 ${measured.latencyMs.p50} ms, p99 ${measured.latencyMs.p99} ms, errors ${measured.errors}, server cpu ${measured.targetCpuMsPerRequest} ms/req ${measured.targetCpuPercent}%, loadgen ${measured.loadgenCpuPercent}%`,
  );
  await new Promise((done) => setTimeout(done, 250));
  return measured;
}

// ---------------------------------------------------------------------------------------------
// Report

interface Verdict {
  budget: string;
  actual: string;
  pass: boolean;
}

const fmtInt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const fmtMs = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
const fmtRatio = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "—" : `${n.toFixed(2)}×`);

function verdicts(rows: Measured[], ratio: (m: Measured) => number | undefined): Verdict[] {
  const find = (scenario: string, target: string) => rows.find((r) => r.scenario === scenario && r.target === target)!;
  const list = find("ListItems {}", "ours");
  const get = find("GetItem", "ours");
  const update = find("UpdateItem", "ours");
  const signedIn = find("ListItems {} signed in", "ours");
  const signedInRatio = signedIn.reqPerS / list.reqPerS;
  const hooked = find("UpdateItem, 5 webhooks", "ours");
  const listRatio = ratio(list) ?? NaN;
  const getRatio = ratio(get) ?? NaN;
  const summaryRatio = ratio(find("GET summary.json", "ours")) ?? NaN;
  const badgeRatio = ratio(find("GET badge.svg", "ours")) ?? NaN;
  return [
    { budget: `ListItems ≥ ${fmtInt(BUDGET.listItemsReqPerS)} req/s`, actual: `${fmtInt(list.reqPerS)} req/s`, pass: list.reqPerS >= BUDGET.listItemsReqPerS },
    { budget: `ListItems p99 ≤ ${BUDGET.listItemsP99Ms} ms`, actual: `${fmtMs(list.latencyMs.p99)} ms`, pass: list.latencyMs.p99 <= BUDGET.listItemsP99Ms },
    { budget: `ListItems ≥ ${BUDGET.listItemsVsBare}× bare`, actual: fmtRatio(listRatio), pass: listRatio >= BUDGET.listItemsVsBare },
    { budget: `GetItem ≥ ${BUDGET.getItemVsBare}× bare`, actual: fmtRatio(getRatio), pass: getRatio >= BUDGET.getItemVsBare },
    {
      budget: `ListItems signed in ≥ ${fmtInt(BUDGET.signedInReqPerS)} req/s`,
      actual: `${fmtInt(signedIn.reqPerS)} req/s`,
      pass: signedIn.reqPerS >= BUDGET.signedInReqPerS,
    },
    { budget: `ListItems signed in p99 ≤ ${BUDGET.signedInP99Ms} ms`, actual: `${fmtMs(signedIn.latencyMs.p99)} ms`, pass: signedIn.latencyMs.p99 <= BUDGET.signedInP99Ms },
    {
      budget: `ListItems signed in ≥ ${BUDGET.signedInVsAnonymous}× anonymous`,
      actual: fmtRatio(signedInRatio),
      pass: signedInRatio >= BUDGET.signedInVsAnonymous,
    },
    { budget: "UpdateItem zero errors", actual: `${fmtInt(update.errors)} errors`, pass: update.errors === 0 },
    {
      budget: `UpdateItem ≥ ${fmtInt(BUDGET.updateItemWritesPerS)} durable writes/s`,
      actual: `${fmtInt(update.okPerS)} writes/s`,
      pass: update.okPerS >= BUDGET.updateItemWritesPerS,
    },
    {
      budget: `UpdateItem with 5 webhooks ≥ ${BUDGET.updateItemWithWebhooksVsWithout}× without`,
      actual: fmtRatio(hooked.okPerS / update.okPerS),
      pass: hooked.okPerS / update.okPerS >= BUDGET.updateItemWithWebhooksVsWithout,
    },
    { budget: `summary.json ≥ ${BUDGET.summaryVsBare}× bare`, actual: fmtRatio(summaryRatio), pass: summaryRatio >= BUDGET.summaryVsBare },
    { budget: `badge.svg ≥ ${BUDGET.badgeVsBare}× bare`, actual: fmtRatio(badgeRatio), pass: badgeRatio >= BUDGET.badgeVsBare },
  ];
}

function markdown(
  options: Options,
  busyBefore: number | undefined,
  database: DatabaseInfo | undefined,
  auth: string,
  rows: Measured[],
  ratio: (m: Measured) => number | undefined,
  checks: Verdict[],
  profile: Record<string, ProfileSummary> | undefined,
): string {
  const out: string[] = [];
  out.push(
    `## StatusThing API bench`,
    "",
    `${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} CPUs · ${options.connections} connections · ${options.duration} s per scenario after ${options.warmup} s warm-up · server --log-level ${options.logLevel}${options.cpuProf ? " · server under --cpu-prof" : ""} · load generator: autocannon in the bench process · machine ${busyBefore ?? "?"}% busy before start · writes send ${auth}`,
    "",
    database
      ? `Store: PostgreSQL ${database.version} at ${database.url} (fsync ${database.fsync}, synchronous_commit ${database.synchronousCommit}), a fresh schema.`
      : "Store: SQLite, a fresh file in a temp folder (WAL, synchronous=FULL).",
    "",
    "| Scenario | Target | req/s | p50 (ms) | p99 (ms) | errors | ours/bare | target CPU | CPU ms/req | loadgen CPU |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
  );
  for (const r of rows) {
    const cpu = r.targetCpuPercent === undefined ? "n/a" : `${r.targetCpuPercent}%`;
    out.push(
      `| ${r.scenario} | ${r.target} | ${fmtInt(r.reqPerS)} | ${fmtMs(r.latencyMs.p50)} | ${fmtMs(r.latencyMs.p99)} | ${fmtInt(r.errors)} | ${fmtRatio(ratio(r))} | ${cpu} | ${r.targetCpuMsPerRequest === undefined ? "n/a" : r.targetCpuMsPerRequest.toFixed(3)} | ${r.loadgenCpuPercent}% |`,
    );
  }
  const update = rows.find((r) => r.scenario === "UpdateItem");
  const durable = database ? "each answered after its group commit's COMMIT returned" : "each answered after its group commit's fsync";
  if (update) out.push("", `UpdateItem: ${fmtInt(update.okPerS)} durable writes/s (2xx/s; ${durable}), ${fmtInt(update.ok)} writes in ${update.durationS} s.`);
  out.push("", "ListItems {} signed in: the same request with the API token: the token is checked (a store lookup) before the read cache answers.");
  const errored = rows.filter((r) => r.errors > 0);
  for (const r of errored)
    out.push(`${r.scenario} → ${r.target}: status codes ${JSON.stringify(r.statusCodes)}, connection errors ${r.connectionErrors} (timeouts ${r.timeouts}).`);
  out.push(
    "",
    "CPU columns: % of one core over the measured run (target = the server process; above 100% means GC or other helper threads); CPU ms/req = the target's CPU time per completed request, which a busy machine disturbs less than req/s.",
  );
  out.push("", "### Budgets", "");
  for (const c of checks) out.push(`- ${c.pass ? "PASS  " : "**MISSED**"} ${c.budget}: ${c.actual}`);
  const missed = checks.filter((c) => !c.pass).length;
  out.push("", missed === 0 ? "All budgets met." : `**MISSED ${missed} of ${checks.length} budgets.**`);
  if (profile) out.push(...profileMarkdown(profile));
  return out.join("\n");
}

/** The report's section on the server's CPU profile: top self time per scenario. */
function profileMarkdown(profile: Record<string, ProfileSummary>): string[] {
  const out = ["", "### Server CPU profile (self time)", ""];
  for (const [scenario, summary] of Object.entries(profile)) {
    out.push(`**${scenario}** — ${fmtInt(summary.busyMs)} ms busy of ${fmtInt(summary.totalMs)} ms sampled`, "");
    out.push("| self % | self ms | function |", "|--:|--:|---|");
    for (const f of summary.topFunctions) out.push(`| ${f.percent.toFixed(1)} | ${fmtInt(f.selfMs)} | \`${f.name}\` |`);
    out.push("", `by module: ${summary.byModule.map((m) => `${m.name} ${m.percent.toFixed(1)}%`).join(", ")}`, "");
  }
  return out;
}

/**
 * Reads the CPU profile a stopped server wrote (with --cpu-prof) into `profileDir`, summarizes it
 * over each named window, and copies it to .bench/`copyAs`. Nothing without a profile directory.
 */
function serverProfile(
  profileDir: string | undefined,
  windows: ReadonlyArray<{ name: string; window: { startUs: number; endUs: number } }>,
  copyAs: string,
): { profile?: Record<string, ProfileSummary>; profileFile?: string } {
  if (!profileDir) return {};
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; the main thread's id is 0.
  const file = existsSync(profileDir) ? readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile") && f.split(".")[4] === "0") : undefined;
  if (!file) {
    log("warning: the server wrote no CPU profile");
    return {};
  }
  const data = JSON.parse(readFileSync(join(profileDir, file), "utf8")) as CpuProfile;
  const profile: Record<string, ProfileSummary> = {};
  for (const { name, window } of windows) {
    const inside = window.startUs < data.endTime && window.endUs > data.startTime;
    profile[name] = summarizeProfile(data, ROOT, inside ? window : undefined);
    if (!inside) log(`warning: ${name} window is outside the profile's clock; summarizing the whole profile`);
  }
  mkdirSync(join(ROOT, ".bench"), { recursive: true });
  const profileFile = join(ROOT, ".bench", copyAs);
  copyFileSync(join(profileDir, file), profileFile);
  return { profile, profileFile };
}

// ---------------------------------------------------------------------------------------------
// Main

async function run(options: Options): Promise<void> {
  if (options.items.length > 0 || options.writers.length > 0) return scaling(options);
  const busyBefore = await machineBusyPercent();
  if (busyBefore !== undefined && busyBefore > 15) log(`warning: the machine is already ${busyBefore}% busy before the bench; numbers will be noisy`);
  const dir = makeTempDir("statusthing-bench-");
  const db = options.databaseUrl ? await BenchDatabase.open(options.databaseUrl) : undefined;
  const database = await db?.info();
  const store = db ? ["--database-url", (await db.freshSchema()).url] : ["--db", join(dir, "bench.db")];

  log(database ? `starting the server on PostgreSQL ${database.version} at ${database.url}` : `starting the server (temp db in ${dir})`);
  const server = await startServer(dir, options, store);
  const serverDied = exitAsError(server.child, "server", server.logFile);
  serverDied.catch(() => {});
  log(`server up at ${server.url}; seeding ${ITEMS} items`);
  const credentials = await writeCredentials(server.url, server.adminPassword);
  log(`writes authenticate with: ${credentials.auth}`);
  const seeded = await seed(server.url, credentials.headers);

  // What the bare server will answer: the server's own bytes.
  const listBody = "{}";
  const list = await post(server.url, PATHS.listItems, listBody);
  const getBodies = seeded.items.map((item) => JSON.stringify({ itemId: item.id }));
  const gets = await pool(getBodies, 8, (body) => post(server.url, PATHS.getItem, body));
  const documents = await Promise.all([PATHS.summary, PATHS.badge].map((path) => getRaw(server.url, path)));
  for (const r of [list, ...gets, ...documents]) if (r.status !== 200) throw new Error(`recording responses: status ${r.status}: ${r.body.toString("utf8").slice(0, 200)}`);
  const fixtures: BareFixtures = {
    routes: [
      { path: PATHS.listItems, fallback: { contentType: list.contentType, bodyBase64: list.body.toString("base64") } },
      {
        path: PATHS.getItem,
        fallback: { contentType: gets[0]!.contentType, bodyBase64: gets[0]!.body.toString("base64") },
        byBody: Object.fromEntries(getBodies.map((body, i) => [body, gets[i]!.body.toString("base64")])),
      },
      ...[PATHS.summary, PATHS.badge].map((path, i) => ({ path, fallback: { contentType: documents[i]!.contentType, bodyBase64: documents[i]!.body.toString("base64") } })),
    ],
  };
  const bare = await startBare(dir, fixtures);
  log(`bare server up at ${bare.url}`);
  // The baseline must answer byte for byte what ours answers.
  for (const [path, body, want] of [
    [PATHS.listItems, listBody, list],
    [PATHS.getItem, getBodies[7]!, gets[7]!],
  ] as const) {
    const [mine, theirs] = await Promise.all([post(server.url, path, body), post(bare.url, path, body)]);
    if (!mine.body.equals(theirs.body) || !mine.body.equals(want.body) || mine.contentType !== theirs.contentType) {
      throw new Error(`bare server does not mirror ${path}: ${theirs.contentType} ${theirs.body.length} B vs ${mine.contentType} ${mine.body.length} B`);
    }
  }
  for (const [i, path] of [PATHS.summary, PATHS.badge].entries()) {
    const [mine, theirs] = await Promise.all([getRaw(server.url, path), getRaw(bare.url, path)]);
    if (!mine.body.equals(theirs.body) || !mine.body.equals(documents[i]!.body) || mine.contentType !== theirs.contentType) {
      throw new Error(`bare server does not mirror GET ${path}: ${theirs.contentType} ${theirs.body.length} B vs ${mine.contentType} ${mine.body.length} B`);
    }
  }

  let getNext = 0;
  const nextGet = () => getBodies[getNext++ % getBodies.length]!;
  let writes = 0;
  const names = ["a", "b"];
  const nextUpdate = () => {
    const n = writes++;
    const i = n % seeded.items.length;
    const round = Math.floor(n / seeded.items.length);
    const item = seeded.items[i]!;
    // Every write changes the item: a new description each time, the name flips between two
    // variants and the status moves on (never to the one the previous round set).
    return JSON.stringify({
      itemId: item.id,
      name: `${item.name} (${names[round % 2]})`,
      description: `Updated by the API bench: write #${n}, round ${round}.`,
      statusId: seeded.statusIds[(i + round + 1) % seeded.statusIds.length],
    });
  };

  const ours = { url: server.url, pid: server.child.pid };
  const theirs = { url: bare.url, pid: bare.child.pid };
  const specs: LoadSpec[] = [
    { scenario: "ListItems {}", target: "ours", path: PATHS.listItems, body: listBody, ...ours },
    { scenario: "ListItems {}", target: "bare", path: PATHS.listItems, body: listBody, ...theirs },
    // The same request signed in: the token is checked first, then the cache answers.
    { scenario: "ListItems {} signed in", target: "ours", path: PATHS.listItems, body: listBody, headers: credentials.headers, ...ours },
    { scenario: "GetItem", target: "ours", path: PATHS.getItem, body: nextGet, ...ours },
    { scenario: "GetItem", target: "bare", path: PATHS.getItem, body: nextGet, ...theirs },
    // Public documents, built once per data version: what aggregators and READMEs poll.
    { scenario: "GET summary.json", target: "ours", method: "GET", path: PATHS.summary, body: "", ...ours },
    { scenario: "GET summary.json", target: "bare", method: "GET", path: PATHS.summary, body: "", ...theirs },
    { scenario: "GET badge.svg", target: "ours", method: "GET", path: PATHS.badge, body: "", ...ours },
    { scenario: "GET badge.svg", target: "bare", method: "GET", path: PATHS.badge, body: "", ...theirs },
    { scenario: "UpdateItem", target: "ours", path: PATHS.updateItem, body: nextUpdate, headers: credentials.headers, ...ours },
  ];
  const rows: Measured[] = [];
  for (const spec of specs) {
    rows.push(await Promise.race([measure(spec, options), serverDied]));
    if (!alive(bare.child)) throw new Error(`bare server exited (code ${bare.child.exitCode}); last output:\n${tail(join(dir, "bare.err"))}`);
  }

  // UpdateItem again, now with 5 webhooks receiving every change (#18): delivery runs after commit,
  // so the writes should go about as fast; the receiver is a plain HTTP server in this process.
  const receiver = await startWebhookReceiver();
  for (let i = 0; i < 5; i++) await call(server.url, PATHS.addWebhook, { url: `${receiver.url}/hook/${i}`, description: `bench ${i}` }, credentials.headers);
  rows.push(
    await Promise.race([
      measure({ scenario: "UpdateItem, 5 webhooks", target: "ours", path: PATHS.updateItem, body: nextUpdate, headers: credentials.headers, ...ours }, options),
      serverDied,
    ]),
  );
  const deliveredDuringRun = receiver.count();
  receiver.close();

  // Did the writes land? Every item should carry a bench description by now.
  const { items: after = [] } = await call<{ items?: ItemMsg[] }>(server.url, PATHS.listItems, {});
  const updatedItems = after.filter((item) => item.description?.startsWith("Updated by the API bench")).length;
  const logBytes = readFileSync(server.logFile);
  let logLines = 0;
  for (let at = logBytes.indexOf(10); at !== -1; at = logBytes.indexOf(10, at + 1)) logLines++;

  // Stop the server gracefully (this writes its CPU profile), then summarize per scenario.
  await stopChild(bare.child);
  await stopChild(server.child);
  const { profile, profileFile } = serverProfile(
    server.profileDir,
    rows.filter((row) => row.target === "ours").map((r) => ({ name: `${r.scenario} (ours)`, window: r.window })),
    "api-server.cpuprofile",
  );

  const bareOf = (m: Measured) => rows.find((r) => r.target === "bare" && r.scenario === m.scenario);
  const ratio = (m: Measured) => {
    const b = m.target === "ours" ? bareOf(m) : undefined;
    return b && b.reqPerS > 0 ? m.reqPerS / b.reqPerS : undefined;
  };
  const checks = verdicts(rows, ratio);
  apiMissed = checks.some((c) => !c.pass);
  process.stdout.write(`${markdown(options, busyBefore, database, credentials.auth, rows, ratio, checks, profile)}\n`);
  process.stdout.write(`\nWebhooks: ${fmtInt(deliveredDuringRun)} deliveries reached the 5 receivers during the webhook scenario.\n`);
  if (updatedItems !== seeded.items.length) process.stdout.write(`\nNote: only ${updatedItems} of ${seeded.items.length} items show a bench update after UpdateItem.\n`);

  const jsonFile = writeBenchRecord("api", busyBefore, options, {
    database,
    writeAuth: credentials.auth,
    seed: { items: seeded.items.length, statuses: seeded.statusIds.length, notesPerItem: 1, listItemsBytes: list.body.length, getItemBytes: gets[0]!.body.length },
    scenarios: rows.map((r) => ({ ...r, oursOverBare: ratio(r) === undefined ? undefined : round2(ratio(r)!) })),
    updateItem: { durableWritesPerS: rows.find((r) => r.scenario === "UpdateItem")!.okPerS, itemsUpdated: updatedItems },
    webhooks: { durableWritesPerS: rows.find((r) => r.scenario === "UpdateItem, 5 webhooks")!.okPerS, deliveredDuringRun },
    serverLogLines: logLines,
    budgets: checks,
    budgetsMissed: checks.filter((c) => !c.pass).length,
    profile,
    profileFile,
  });
  log(`wrote ${jsonFile}${profileFile ? ` and ${profileFile}` : ""}`);

  // History (#14): in-process, on its own seeded store; unlike the budgets above, a miss fails the run.
  const history = await measureHistory(log);
  process.stdout.write(`\n### History\n\n${history.lines.map((l) => `- ${l}`).join("\n")}\n\n`);
  for (const v of history.verdicts) process.stdout.write(`- ${v.pass ? "PASS  " : "**MISSED**"} ${v.budget}: ${v.actual}\n`);
  historyMissed = history.verdicts.some((v) => !v.pass);
}

/** `--items` / `--writers`: the scaling tables (api-scaling.ts), with this bench's tools. */
async function scaling(options: Options): Promise<void> {
  const db = options.databaseUrl ? await BenchDatabase.open(options.databaseUrl) : undefined;
  /** With --cpu-prof: each load's window, and each stopped server's summary over the windows of its loads. */
  let windows: Array<{ name: string; window: { startUs: number; endUs: number } }> = [];
  const profiles: Record<string, ProfileSummary> = {};
  const tools: ScalingTools = {
    start: async () => {
      const dir = makeTempDir("statusthing-bench-");
      const store = db ? ["--database-url", (await db.freshSchema()).url] : ["--db", join(dir, "bench.db")];
      const server = await startServer(dir, options, store);
      const stop = async () => {
        await stopChild(server.child);
        Object.assign(profiles, serverProfile(server.profileDir, windows, "api-scaling-server.cpuprofile").profile);
        windows = [];
      };
      return { url: server.url, pid: server.child.pid, adminPassword: server.adminPassword, stop };
    },
    credentials: async (url, adminPassword) => (await writeCredentials(url, adminPassword)).headers,
    seed: (url, auth, count) => seed(url, auth, count),
    post: (url, path, body, headers) => post(url, path, body, headers),
    load: async (spec, connections) => {
      const m = await measure({ ...spec, target: "ours" }, { ...options, connections });
      windows.push({ name: spec.scenario, window: m.window });
      return { reqPerS: m.reqPerS, okPerS: m.okPerS, errors: m.errors, latencyMs: m.latencyMs, serverCpuMsPerRequest: m.targetCpuMsPerRequest };
    },
    log,
  };
  const report = await runScaling(tools, options.items, options.writers, options.connections);
  process.stdout.write(
    `## StatusThing API scaling\n\n${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} CPUs · ${db ? "PostgreSQL" : "SQLite"} · ${options.duration} s per load after ${options.warmup} s warm-up${options.cpuProf ? " · server under --cpu-prof" : ""}\n\n${report.markdown}\n`,
  );
  if (Object.keys(profiles).length > 0) process.stdout.write(`${profileMarkdown(profiles).join("\n")}\n`);
  scalingMissed = report.missed > 0;
}
let scalingMissed = false;
/** Whether a budget of the scenarios (reads, writes, webhooks) was missed. */
let apiMissed = false;

/** Whether a history budget was missed: those make the run exit non-zero. */
let historyMissed = false;
const code = await runBench(process.argv.slice(2), parseOptions, USAGE, run);
process.exit(code !== 0 ? code : apiMissed || historyMissed || scalingMissed ? 1 : 0);
