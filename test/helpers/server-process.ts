import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "./credentials.js";

/** The repository root, where `server/main.ts` runs from source through tsx. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** How a server process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The real `statusthing` command, running as a child process. */
export interface ServerProcess {
  child: ChildProcess;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** Settles when the process has exited. */
  exited: Promise<ProcessExit>;
}

/** A server process that is listening. */
export interface ListeningServerProcess extends ServerProcess {
  /** e.g. "http://127.0.0.1:41234", read from its "listening" log line. */
  url: string;
}

/** Every process spawned here, so a test can kill what it left running. */
const spawned = new Set<ChildProcess>();

/**
 * Runs `node --import tsx server/main.ts ...args` from the repository root, with the
 * `STATUSTHING_*` variables of this process removed so only `args` and `env` configure it.
 */
export function spawnServer(args: readonly string[], env: NodeJS.ProcessEnv = {}): ServerProcess {
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("STATUSTHING_")));
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", ...args], {
    cwd: REPO_ROOT,
    env: { ...cleanEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  spawned.add(child);
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      spawned.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, output: () => output, exited };
}

/**
 * Starts the server on 127.0.0.1, port 0, with the given database file, and waits for the log
 * line that carries its URL. Fails with the process's output if it exits first or takes too long.
 */
export async function startServerProcess(dbPath: string, extraArgs: readonly string[] = [], timeoutMs = 20_000): Promise<ListeningServerProcess> {
  // The admin gets a known password on first start; clients for this URL then act as the admin.
  const proc = spawnServer(["--db", dbPath, "--api-addr", "127.0.0.1:0", ...extraArgs], { STATUSTHING_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD });
  const url = await new Promise<string>((resolve, reject) => {
    let buffered = "";
    const onData = (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          continue;
        }
        const found = (parsed as { url?: unknown }).url;
        if (typeof found === "string") {
          cleanup();
          resolve(found);
          return;
        }
      }
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`the server exited before listening; output:\n${proc.output()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      proc.child.kill("SIGKILL");
      reject(new Error(`the server did not listen within ${timeoutMs} ms; output:\n${proc.output()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      proc.child.stdout!.off("data", onData);
      proc.child.off("exit", onExit);
    };
    proc.child.stdout!.on("data", onData);
    proc.child.once("exit", onExit);
  });
  await registerAdminToken(url);
  return { ...proc, url };
}

/** Stops the server with SIGTERM and waits for it; SIGKILL after `timeoutMs`. */
export async function stopServerProcess(proc: ServerProcess, timeoutMs = 10_000): Promise<ProcessExit> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
  proc.child.kill("SIGTERM");
  const timer = setTimeout(() => proc.child.kill("SIGKILL"), timeoutMs);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Kills (SIGKILL) every server process spawned here that is still running; for afterEach. */
export async function killLeftoverServers(): Promise<void> {
  const running = [...spawned];
  for (const child of running) child.kill("SIGKILL");
  await Promise.all(running.map((child) => new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once("exit", () => done())))));
}

/** Resolves once `condition()` holds, polling; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
