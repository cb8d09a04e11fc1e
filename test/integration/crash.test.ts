import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createClients, createTransport } from "../helpers/clients.js";
import { AckedWriters } from "../helpers/acked-writers.js";
import { killLeftoverServers, startServerProcess, stopServerProcess, waitUntil } from "../helpers/server-process.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-crash-"));
});
afterEach(async () => {
  await killLeftoverServers();
  rmSync(dir, { recursive: true, force: true });
});

it("keeps every acknowledged write when the server is killed (SIGKILL) amid 20 concurrent writers", async () => {
  const dbPath = join(dir, "statusthing.db");
  const server = await startServerProcess(dbPath);
  const api = createClients(createTransport("connect-json", server.url));
  const up = (await api.statuses.listStatus({})).statuses.find((s) => s.name === "UP");
  expect(up).toBeDefined();

  // Each writer loops AddItem then AddNote until the server goes away, recording what was acknowledged.
  const writers = new AckedWriters(server.url, 20, { initialStatusId: up!.id });

  // Enough acknowledged writes to matter, few enough to keep the test to a few seconds.
  await waitUntil(() => writers.acked >= 200 || writers.errors.length > 0, 20_000, "200 acknowledged writes");
  expect(writers.errors).toEqual([]);
  const inFlightAtKill = writers.inFlight;
  writers.stopping();
  server.child.kill("SIGKILL");
  await writers.done;
  expect(await server.exited).toEqual({ code: null, signal: "SIGKILL" });
  // The kill really happened mid-write: requests were outstanding.
  expect(inFlightAtKill).toBeGreaterThan(0);

  const restarted = await startServerProcess(dbPath);
  const check = createClients(createTransport("connect-json", restarted.url));
  const missing = await writers.missingFrom(restarted.url, up!.id);
  expect(missing).toEqual([]);
  // The restarted server still takes writes on the recovered database.
  await expect(check.items.addItem({ name: "after the crash" })).resolves.toMatchObject({ item: { name: "after the crash" } });

  expect(await stopServerProcess(restarted)).toEqual({ code: 0, signal: null });
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    expect(db.pragma("foreign_key_check")).toEqual([]);
  } finally {
    db.close();
  }
}, 60_000);
