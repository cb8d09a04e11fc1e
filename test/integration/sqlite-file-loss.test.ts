/**
 * The SQLite database file deleted while the server runs (issue #10.14). SQLite would go on
 * writing into the open, nameless file: writes acknowledged, then lost at the next start, which
 * would silently create a fresh database with a new admin. Instead the server notices: writes
 * fail with `unavailable`, the log says so at error level, /healthz is not ok; a start on the
 * remains (the WAL without the database) is refused; and a new database is never made without
 * a log line saying so.
 */
import { existsSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createClients, createTransport } from "../helpers/clients.js";
import { TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { killLeftoverServers, spawnServer, startServerProcess, stopServerProcess, waitUntil } from "../helpers/server-process.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-file-loss-"));
});
afterEach(async () => {
  await killLeftoverServers();
  rmSync(dir, { recursive: true, force: true });
});

/** The JSON log lines a server process wrote. */
function logLines(output: string): Array<{ level: string; msg: string }> {
  return output
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: string; msg: string });
}

/** What a write fails with, or "ok". */
async function writeOutcome(api: ReturnType<typeof createClients>, name: string): Promise<string> {
  try {
    await api.items.addItem({ name });
    return "ok";
  } catch (error) {
    return Code[ConnectError.from(error).code];
  }
}

it("refuses writes with unavailable, logs an error and fails /healthz once the database file is deleted", async () => {
  const dbPath = join(dir, "statusthing.db");
  const server = await startServerProcess(dbPath);
  const api = createClients(createTransport("connect-json", server.url));
  expect(await writeOutcome(api, "before")).toBe("ok");
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

  unlinkSync(dbPath);
  // The next write is refused: it would only go to a file that no longer has a name.
  expect(await writeOutcome(api, "after")).toBe("Unavailable");
  expect(await writeOutcome(api, "after, again")).toBe("Unavailable");
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(503);
  expect(await health.json()).toMatchObject({ status: "unavailable", problem: expect.stringMatching(/deleted or replaced/) });
  const errors = logLines(server.output()).filter((l) => l.level === "error" && l.msg.includes(dbPath) && l.msg.includes("deleted"));
  expect(errors).toHaveLength(1);

  // A file put back at the path is not the one the server has open: still refused.
  writeFileSync(dbPath, "");
  expect(await writeOutcome(api, "after a new file appeared")).toBe("Unavailable");
  expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
  await stopServerProcess(server);
}, 60_000);

it("notices the deletion on a quiet server too (periodic check), without any write", async () => {
  const dbPath = join(dir, "statusthing.db");
  const server = await startServerProcess(dbPath);
  unlinkSync(dbPath);
  // The periodic check runs every 10 s; give it a generous bound.
  await waitUntil(() => logLines(server.output()).some((l) => l.level === "error" && l.msg.includes("deleted")), 30_000, "the error log line");
  await stopServerProcess(server);
}, 60_000);

it("refuses to start on a WAL file left without its database, and says that a new database was created", async () => {
  const dbPath = join(dir, "statusthing.db");
  const first = await startServerProcess(dbPath);
  expect(logLines(first.output()).filter((l) => l.level === "warn" && l.msg === `created a new database at ${dbPath}`)).toHaveLength(1);
  const api = createClients(createTransport("connect-json", first.url));
  expect(await writeOutcome(api, "kept")).toBe("ok");
  // Deleted under a running server that then dies: the WAL stays behind without its database.
  unlinkSync(dbPath);
  first.child.kill("SIGKILL");
  await first.exited;
  expect(existsSync(`${dbPath}-wal`)).toBe(true);

  const refused = spawnServer(["--db", dbPath, "--api-addr", "127.0.0.1:0"], { STATUSTHING_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD });
  expect(await refused.exited).toEqual({ code: 1, signal: null });
  expect(refused.output()).toMatch(/statusthing\.db-wal.* exist but the database file .*statusthing\.db does not/);
  expect(existsSync(dbPath)).toBe(false);

  // Once the remains are cleared on purpose, a new database is made, and the log says so.
  rmSync(`${dbPath}-wal`, { force: true });
  rmSync(`${dbPath}-shm`, { force: true });
  const fresh = await startServerProcess(dbPath);
  expect(logLines(fresh.output()).filter((l) => l.level === "warn" && l.msg === `created a new database at ${dbPath}`)).toHaveLength(1);
  await stopServerProcess(fresh);
  // Started again on the database it made: nothing new to say.
  const again = await startServerProcess(dbPath, [], 20_000);
  expect(logLines(again.output()).some((l) => l.msg.startsWith("created a new database"))).toBe(false);
  await stopServerProcess(again);
}, 120_000);
