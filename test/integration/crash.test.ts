import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createClients, createTransport } from "../helpers/clients.js";
import { killLeftoverServers, startServerProcess, stopServerProcess, waitUntil } from "../helpers/server-process.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-crash-"));
});
afterEach(async () => {
  await killLeftoverServers();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `task` over `inputs` with at most `limit` at a time. */
async function inBatches<T>(inputs: readonly T[], limit: number, task: (input: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < inputs.length; i += limit) await Promise.all(inputs.slice(i, i + limit).map(task));
}

it("keeps every acknowledged write when the server is killed (SIGKILL) amid 20 concurrent writers", async () => {
  const dbPath = join(dir, "statusthing.db");
  const server = await startServerProcess(dbPath);
  const api = createClients(createTransport("connect-json", server.url));
  const up = (await api.statuses.listStatus({})).statuses.find((s) => s.name === "UP");
  expect(up).toBeDefined();

  // Each writer loops AddItem then AddNote until the server goes away, recording what was acknowledged.
  const ackedItems: Array<{ id: string; name: string }> = [];
  const ackedNotes: Array<{ id: string; text: string }> = [];
  let inFlight = 0;
  let killed = false;
  let errorsBeforeKill: unknown[] = [];
  const writer = async (w: number) => {
    const client = createClients(createTransport("connect-json", server.url));
    for (let n = 0; ; n++) {
      try {
        const name = `writer ${w} item ${n}`;
        inFlight++;
        const { item } = await client.items.addItem({ name, initialStatusId: up!.id });
        inFlight--;
        ackedItems.push({ id: item!.id, name });
        const text = `writer ${w} note ${n}`;
        inFlight++;
        const { note } = await client.notes.addNote({ itemId: item!.id, noteText: text });
        inFlight--;
        ackedNotes.push({ id: note!.id, text });
      } catch (error) {
        if (!killed) errorsBeforeKill.push(error);
        return;
      }
    }
  };
  const writers = Array.from({ length: 20 }, (_, w) => writer(w));

  // Enough acknowledged writes to matter, few enough to keep the test to a few seconds.
  await waitUntil(() => ackedItems.length + ackedNotes.length >= 200 || errorsBeforeKill.length > 0, 20_000, "200 acknowledged writes");
  expect(errorsBeforeKill).toEqual([]);
  const inFlightAtKill = inFlight;
  killed = true;
  server.child.kill("SIGKILL");
  await Promise.all(writers);
  expect(await server.exited).toEqual({ code: null, signal: "SIGKILL" });
  // The kill really happened mid-write: requests were outstanding.
  expect(inFlightAtKill).toBeGreaterThan(0);
  errorsBeforeKill = [];

  const restarted = await startServerProcess(dbPath);
  const check = createClients(createTransport("connect-json", restarted.url));
  const missing: string[] = [];
  await inBatches(ackedItems, 25, async ({ id, name }) => {
    try {
      const { item } = await check.items.getItem({ itemId: id });
      if (item?.name !== name || item.status?.id !== up!.id) missing.push(`item ${id} (${name}) came back as ${item?.name}/${item?.status?.id}`);
    } catch (error) {
      missing.push(`item ${id} (${name}): ${String(error)}`);
    }
  });
  await inBatches(ackedNotes, 25, async ({ id, text }) => {
    try {
      const { note } = await check.notes.getNote({ noteId: id });
      if (note?.text !== text) missing.push(`note ${id} (${text}) came back as ${note?.text}`);
    } catch (error) {
      missing.push(`note ${id} (${text}): ${String(error)}`);
    }
  });
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
