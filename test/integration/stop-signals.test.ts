/**
 * SIGTERM always ends the process, and gracefully: when whatever reads its stdout stalls or goes
 * away during shutdown (the log's last lines can never be written), and when the signal comes
 * right after the "listening" line.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { killLeftoverServers, spawnServer, startServerProcess, waitUntil, type ProcessExit } from "../helpers/server-process.js";

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-signals-"));
  dbPath = join(dir, "statusthing.db");
});
afterEach(async () => {
  await killLeftoverServers();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The server's own hard deadline is 10 s; a graceful stop takes far less.
const EXIT_BOUND_MS = 15_000;

/** Sends ~`count` requests, each of which writes a log line. */
async function makeLogLines(url: string, count: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, () =>
      fetch(`${url}/healthz`)
        .then((r) => r.text())
        .catch(() => ""),
    ),
  );
}

function expectDatabaseIntact(): void {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.prepare("SELECT count(*) FROM statuses").pluck().get()).toBe(3);
  } finally {
    db.close();
  }
}

it.each([
  ["stops reading (the pipe fills up)", "stall"],
  ["goes away (the pipe is closed)", "close"],
] as const)(
  "exits within the bound on SIGTERM when the reader of its stdout %s during shutdown",
  async (_what, reader) => {
    const server = await startServerProcess(dbPath);
    // The reader stops taking lines, then far more than a pipe holds are logged, and the server is told to stop.
    if (reader === "stall") server.child.stdout!.pause();
    else server.child.stdout!.destroy();
    await makeLogLines(server.url, 2_000);
    const sentAt = Date.now();
    server.child.kill("SIGTERM");
    const exit = await Promise.race([server.exited, sleep(EXIT_BOUND_MS).then(() => "still running" as const)]);
    expect(exit, server.output().slice(-2_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(EXIT_BOUND_MS);
    expectDatabaseIntact();
  },
  90_000,
);

it("stops gracefully on SIGTERM sent the moment it logs that it listens (3 runs)", async () => {
  for (let run = 0; run < 3; run++) {
    const proc = spawnServer(["--db", dbPath, "--api-addr", "127.0.0.1:0"]);
    await waitUntil(() => /"url":"http/.test(proc.output()), 30_000, "the listening line");
    proc.child.kill("SIGTERM");
    const exit: ProcessExit | "still running" = await Promise.race([proc.exited, sleep(EXIT_BOUND_MS).then(() => "still running" as const)]);
    expect(exit, proc.output()).toEqual({ code: 0, signal: null });
    expect(proc.output()).toMatch(/"msg":"stopped"/);
    expectDatabaseIntact();
  }
}, 120_000);
