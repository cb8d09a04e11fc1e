/**
 * What every bench needs around its child processes: a registry of children and a temp folder,
 * both cleaned up on success, error, Ctrl-C or any other exit (nothing may outlive a bench), and
 * small /proc readings. Only 127.0.0.1 is ever a target.
 */
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { redact } from "../helpers/postgres.js";

const HOST = "127.0.0.1";
const children = new Set<ChildProcess>();
const cleanupHooks: Array<() => void> = [];
const finalHooks: Array<() => Promise<void>> = [];
let tempDir: string | undefined;
let cleaningUp: Promise<void> | undefined;
let interrupted = false;

export function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

export function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export function exited(child: ChildProcess): Promise<void> {
  return alive(child) ? new Promise((done) => child.once("exit", () => done())) : Promise.resolve();
}

/** Registers a child, so cleanup stops it; it leaves the registry when it exits. */
export function trackChild(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** SIGTERM (a graceful stop, which also writes a CPU profile), then SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (alive(child)) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      if (alive(child)) child.kill("SIGKILL");
    }, graceMs);
    await exited(child);
    clearTimeout(timer);
  }
  children.delete(child);
}

/** Makes the bench's temp folder (deleted at cleanup) and returns its path. */
export function makeTempDir(prefix: string): string {
  tempDir = mkdtempSync(join(os.tmpdir(), prefix));
  return tempDir;
}

function removeTempDir(): void {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

/** Runs `hook` first at cleanup (e.g. to stop a load generator). */
export function onCleanup(hook: () => void): void {
  cleanupHooks.push(hook);
}

/** Runs `hook` at cleanup once every child has stopped (e.g. to drop a database schema the servers used). */
export function onFinalCleanup(hook: () => Promise<void>): void {
  finalHooks.push(hook);
}

/** Stops every child, runs the final hooks and deletes the temp folder; safe to call more than once. */
export function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const hook of cleanupHooks) hook();
    await Promise.all([...children].map((child) => stopChild(child)));
    for (const hook of finalHooks) {
      await hook().catch((error: unknown) => log(`cleanup: ${error instanceof Error ? error.message : String(error)}`));
    }
    removeTempDir();
  })();
  return cleaningUp;
}

/** Whether the bench was stopped by SIGINT or SIGTERM (its exit code is then 130). */
export function wasInterrupted(): boolean {
  return interrupted;
}

// Last resort when the process exits some other way: nothing may outlive the bench.
process.on("exit", () => {
  for (const child of children) if (alive(child)) child.kill("SIGKILL");
  removeTempDir();
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    interrupted = true;
    void cleanup().finally(() => process.exit(130));
  });
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no output)";
  }
}

/** Rejects as soon as `child` exits, with what it printed. */
export function exitAsError(child: ChildProcess, name: string, logFile?: string): Promise<never> {
  const failure = exited(child).then(() => {
    throw new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode})${logFile ? `; last output:\n${tail(logFile)}` : ""}`);
  });
  failure.catch(() => {});
  return failure;
}

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = net.createServer();
    probe.once("error", fail);
    probe.listen(0, HOST, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => done(port));
    });
  });
}

/** How busy the whole machine is over `ms` (all CPUs, 0-100), from /proc/stat; undefined elsewhere. */
export async function machineBusyPercent(ms = 500): Promise<number | undefined> {
  const sample = () => {
    const cpu = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    return { idle, total: cpu.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = sample();
    await new Promise((done) => setTimeout(done, ms));
    const b = sample();
    return b.total > a.total ? Math.round((1 - (b.idle - a.idle) / (b.total - a.total)) * 100) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) of a process in ms, from /proc; undefined elsewhere. */
export function cpuMsOf(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the whole line; clock ticks are 100 per second on Linux.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** A mistake in a bench's flags: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** A bench's flags, strictly: no positionals, an unknown or malformed flag is a UsageError. */
export function parseFlags<const O extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: false, options }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * A bench's whole life: parse the flags (undefined means --help), run, and clean up whatever
 * happens. Returns the exit code: 0 done, 1 the bench failed, 2 bad flags, 130 interrupted.
 */
export async function runBench<O>(argv: string[], parse: (argv: string[]) => O | undefined, usage: string, run: (options: O) => Promise<void>): Promise<number> {
  let options: O | undefined;
  try {
    options = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${usage}`);
    return 2;
  }
  if (options === undefined) {
    process.stdout.write(usage);
    return 0;
  }
  try {
    await run(options);
    return 0;
  } catch (error) {
    if (wasInterrupted()) return 130;
    log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    await cleanup();
  }
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Writes a run's record to `.bench/<name>.json`: when, the command (a database URL's password
 * masked), the machine and how busy it was, the options, then `results`. Returns the file.
 */
export function writeBenchRecord(name: string, busyBefore: number | undefined, options: { databaseUrl?: string | undefined }, results: Record<string, unknown>): string {
  mkdirSync(join(ROOT, ".bench"), { recursive: true });
  const file = join(ROOT, ".bench", `${name}.json`);
  const record = {
    when: new Date().toISOString(),
    command: redact(`npm run bench:${name} -- ${process.argv.slice(2).join(" ")}`.trim()),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    machineBusyPercentBefore: busyBefore,
    loadavg: os.loadavg(),
    options: { ...options, databaseUrl: options.databaseUrl && redact(options.databaseUrl) },
    ...results,
  };
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/**
 * Resolves once the server at `url` answers `/healthz` with 200, asking every `pollMs`; rejects
 * after `withinMs` with the last lines of its log. Race it with `exitAsError` for a server that dies.
 */
export async function healthy(url: string, logFile: string, options: { name?: string; withinMs?: number; pollMs?: number } = {}): Promise<void> {
  const { name = "server", withinMs = 30_000, pollMs = 100 } = options;
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer ${url}/healthz within ${withinMs / 1_000} s; last output:\n${tail(logFile)}`);
    await new Promise((done) => setTimeout(done, pollMs));
  }
}

/**
 * The environment for a server a bench starts: this shell's, without any STATUSTHING_* variable
 * (only the bench's flags configure the server, e.g. no database URL or --private from the
 * shell), plus `extra` (the initial admin password, which goes there rather than on `ps`).
 */
export function serverEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("STATUSTHING_"))), ...extra };
}
