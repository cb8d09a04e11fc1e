import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, expect, it } from "vitest";
import { migrations } from "../../server/store/sqlite/migrations.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import { createClients, createTransport, type Protocol } from "../helpers/clients.js";
import { adminTokenFor } from "../helpers/credentials.js";
import { AckedWriters } from "../helpers/acked-writers.js";
import { killLeftoverServers, spawnServer, startServerProcess, stopServerProcess, waitUntil } from "../helpers/server-process.js";

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-shutdown-"));
  dbPath = join(dir, "statusthing.db");
});
afterEach(async () => {
  await killLeftoverServers();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it("on SIGTERM amid concurrent writers, exits 0 within 5 s and keeps every acknowledged write", async () => {
  const server = await startServerProcess(dbPath);
  // HTTP/1.1 keep-alive and HTTP/2 connections both have to be wound down.
  const protocols: Protocol[] = ["connect-json", "connect-json-h2c"];
  const writers = new AckedWriters(server.url, 10, { protocols });
  await waitUntil(() => writers.acked >= 100 || writers.errors.length > 0, 20_000, "100 acknowledged writes");
  expect(writers.errors).toEqual([]);

  const inFlightAtTerm = writers.inFlight;
  writers.stopping();
  const sentAt = Date.now();
  server.child.kill("SIGTERM");
  const exit = await Promise.race([server.exited, sleep(10_000).then(() => "still running after 10 s" as const)]);
  const tookMs = Date.now() - sentAt;
  expect(exit).toEqual({ code: 0, signal: null });
  expect(tookMs).toBeLessThan(5_000);
  expect(inFlightAtTerm).toBeGreaterThan(0);
  // Every writer has stopped: none hangs on a connection the server left open.
  await Promise.race([writers.done, sleep(5_000).then(() => expect.fail("a writer still waits for its response"))]);

  const restarted = await startServerProcess(dbPath);
  const missing = await writers.missingFrom(restarted.url);
  expect(missing).toEqual([]);
  expect(await stopServerProcess(restarted)).toEqual({ code: 0, signal: null });
}, 60_000);

it("answers a request that is still arriving when SIGTERM comes, and keeps its write", async () => {
  const server = await startServerProcess(dbPath);
  const api = createClients(createTransport("connect-json", server.url));
  const { item } = await api.items.addItem({ name: "deploys" });

  // A script uploads a note slowly: the headers and half the body, then SIGTERM, then the rest.
  const body = Buffer.from(JSON.stringify({ itemId: item!.id, noteText: "rolled out v2" }));
  const { hostname, port } = new URL(server.url);
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method: "POST",
        path: "/statusthing.v1.NotesService/AddNote",
        agent: false,
        headers: { "content-type": "application/json", "content-length": body.length, authorization: `Bearer ${adminTokenFor(server.url)}` },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.write(body.subarray(0, 10));
    void sleep(300)
      .then(() => {
        server.child.kill("SIGTERM");
        return sleep(500);
      })
      .then(() => req.end(body.subarray(10)));
  });
  const answer = await response;
  expect(answer.status).toBe(200);
  const noteId = (JSON.parse(answer.body) as { note?: { id?: string } }).note?.id;
  expect(noteId).toEqual(expect.any(String));
  expect(await server.exited).toEqual({ code: 0, signal: null });

  const restarted = await startServerProcess(dbPath);
  const check = createClients(createTransport("connect-json", restarted.url));
  expect((await check.notes.getNote({ noteId: noteId! })).note?.text).toBe("rolled out v2");
  expect(await stopServerProcess(restarted)).toEqual({ code: 0, signal: null });
}, 60_000);

it("refuses to start on a database from a newer StatusThing: exits non-zero, says why, leaves the file alone", async () => {
  // A database of today's schema, with some data, then marked as written by a newer version.
  const store = new SqliteStore({ path: dbPath });
  await store.addStatus({ id: "2fdwXmXWWC2Ff7J3ZpeSQ1M2ABC", name: "Up", description: "", color: "#00FF00", kind: 1, created: new Date(), updated: new Date() });
  await store.close();
  const future = migrations.length + 1;
  const db = new BetterSqlite3(dbPath);
  db.pragma(`user_version = ${future}`);
  db.close();

  const second = spawnServer(["--db", dbPath, "--api-addr", "127.0.0.1:0"]);
  // A hang detector, not a timing: startup alone (tsx compiling the server) can take 15 s on a busy machine.
  const exit = await Promise.race([second.exited, sleep(45_000).then(() => "still running after 45 s" as const)]);
  const output = second.output();
  expect(exit, output).not.toBe("still running after 45 s");
  expect(typeof exit === "object" && exit.code !== 0 && exit.code !== null, `exit ${JSON.stringify(exit)}:\n${output}`).toBe(true);
  expect(output).toMatch(/newer/i);
  expect(output).toContain(String(future));
  expect(output).not.toMatch(/"url"/);

  const after = new BetterSqlite3(dbPath, { readonly: true });
  try {
    expect(after.pragma("user_version", { simple: true })).toBe(future);
    expect(after.prepare("SELECT name FROM statuses").pluck().all()).toEqual(["Up"]);
  } finally {
    after.close();
  }
}, 60_000);
