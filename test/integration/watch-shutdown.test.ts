/**
 * SIGTERM with open watch streams, on the real server process (ARCHITECTURE.md, "Live updates":
 * stop accepting, end streams cleanly so clients reconnect elsewhere, finish in-flight writes,
 * close the database).
 */
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createClients, createTransport, PROTOCOLS, type Protocol } from "../helpers/clients.js";
import { killLeftoverServers, startServerProcess, stopServerProcess } from "../helpers/server-process.js";
import { healthz, openWatch, parseEnvelopes, parseRawResponse, pollUntil, rawWatchRequest, type Watch, type WatchProtocol } from "../helpers/watch.js";

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-watch-shutdown-"));
  dbPath = join(dir, "statusthing.db");
});
afterEach(async () => {
  await killLeftoverServers();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const WATCH_PROTOCOLS: readonly WatchProtocol[] = [...PROTOCOLS, "ws"];
const WRITER_PROTOCOLS: readonly Protocol[] = ["connect-json", "connect-binary", "grpc-web"];

it("SIGTERM amid writers ends 20 streams cleanly on every protocol, exits 0 within 5 s, and keeps every acknowledged write", async () => {
  const server = await startServerProcess(dbPath);
  const watches: Watch[] = Array.from({ length: 20 }, (_, i) =>
    openWatch(server.url, WATCH_PROTOCOLS[i % WATCH_PROTOCOLS.length]!, { extended: i % 2 === 0 }, { keepMessages: false }),
  );
  await pollUntil(() => watches.every((w) => w.revisions.length > 0 || w.end !== undefined), 10_000, "20 snapshots");
  expect(watches.filter((w) => w.end)).toEqual([]);

  const ackedItems: Array<{ id: string; name: string }> = [];
  const ackedNotes: Array<{ id: string; itemId: string; text: string }> = [];
  let terminated = false;
  const errorsBeforeTerm: string[] = [];
  const writer = async (w: number) => {
    const api = createClients(createTransport(WRITER_PROTOCOLS[w % WRITER_PROTOCOLS.length]!, server.url));
    for (let n = 0; ; n++) {
      try {
        const name = `writer ${w} item ${n}`;
        const { item } = await api.items.addItem({ name });
        ackedItems.push({ id: item!.id, name });
        const text = `writer ${w} note ${n}`;
        const { note } = await api.notes.addNote({ itemId: item!.id, noteText: text });
        ackedNotes.push({ id: note!.id, itemId: item!.id, text });
      } catch (error) {
        if (!terminated) errorsBeforeTerm.push(String(error));
        return;
      }
    }
  };
  const writers = Array.from({ length: 6 }, (_, w) => writer(w));
  await pollUntil(() => ackedItems.length + ackedNotes.length >= 60 || errorsBeforeTerm.length > 0, 20_000, "60 acknowledged writes");
  expect(errorsBeforeTerm).toEqual([]);
  expect(watches.filter((w) => w.end)).toEqual([]);

  terminated = true;
  const sentAt = Date.now();
  server.child.kill("SIGTERM");
  const exit = await Promise.race([server.exited, sleep(10_000).then(() => "still running after 10 s" as const)]);
  const tookMs = Date.now() - sentAt;
  expect(exit, server.output().slice(-2_000)).toEqual({ code: 0, signal: null });
  expect(tookMs).toBeLessThan(5_000);

  // Every stream ended, and cleanly: no error for Connect, gRPC, gRPC-Web; 1001 "going away" for /ws.
  const ends = await Promise.race([Promise.all(watches.map((w) => w.ended)), sleep(5_000).then(() => "a stream is still open" as const)]);
  expect(ends).not.toBe("a stream is still open");
  const unclean = watches
    .map((w, i) => ({ i, protocol: w.protocol, end: w.end }))
    .filter(({ protocol, end }) => (protocol === "ws" ? end?.wsClose?.code !== 1001 || end.code !== undefined : end?.code !== undefined || end?.byClient === true));
  expect(unclean).toEqual([]);
  // Up to its end, each stream sent every revision after its snapshot once, in order.
  for (const watch of watches) {
    const [snapshot, ...changes] = watch.revisions;
    expect(
      changes.every((r, k) => r === snapshot! + 1 + k),
      watch.protocol,
    ).toBe(true);
  }
  await Promise.race([Promise.all(writers), sleep(5_000).then(() => expect.fail("a writer still waits for its response"))]);

  const restarted = await startServerProcess(dbPath);
  const api = createClients(createTransport("connect-json", restarted.url));
  const items = new Map((await api.items.listItems({ extended: true })).items.map((i) => [i.id, i]));
  const missing: string[] = [];
  for (const { id, name } of ackedItems) if (items.get(id)?.name !== name) missing.push(`item ${name}`);
  for (const { id, itemId, text } of ackedNotes) {
    if (!items.get(itemId)?.notes.some((n) => n.id === id && n.text === text)) missing.push(`note ${text}`);
  }
  expect(missing).toEqual([]);
  // The restarted server resumes from the log: a client at the last revision it saw gets no reset.
  const lastSeen = Math.max(...watches.map((w) => w.lastRevision));
  const resumed = openWatch(restarted.url, "connect-json", { sinceRevision: BigInt(lastSeen) });
  const latest = (await healthz(restarted.url)).revision;
  if (latest > lastSeen) {
    await pollUntil(() => resumed.lastRevision === latest, 5_000, `the resumed watcher at ${latest}`);
    expect(resumed.messages.some((m) => m.event.case === "snapshot")).toBe(false);
  }
  resumed.close();
  expect(await stopServerProcess(restarted)).toEqual({ code: 0, signal: null });
}, 60_000);

it("SIGTERM with 1,000 open Connect streams over HTTP/1.1: every one gets a clean end-of-stream and the process exits 0 within 5 s", async () => {
  // All 1,000 come from one address, past the default per-client bound.
  const server = await startServerProcess(dbPath, ["--max-watchers-per-client", "2000"]);
  const { port } = new URL(server.url);
  const api = createClients(createTransport("connect-json", server.url));
  await api.items.addItem({ name: "watched" });

  const STREAMS = 1_000;
  const streams: Array<{ socket: net.Socket; data: Buffer[]; closed: boolean }> = [];
  for (let i = 0; i < STREAMS; i += 100) {
    const batch = Array.from({ length: Math.min(100, STREAMS - i) }, () => {
      const socket = net.connect({ host: "127.0.0.1", port: Number(port) });
      const stream = { socket, data: [] as Buffer[], closed: false };
      socket.on("data", (chunk: Buffer) => stream.data.push(chunk));
      socket.on("close", () => (stream.closed = true));
      socket.on("error", () => {});
      socket.write(rawWatchRequest("127.0.0.1", Number(port)));
      streams.push(stream);
      return new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    });
    await Promise.all(batch);
  }
  const snapshotted = (s: (typeof streams)[number]) => {
    const response = parseRawResponse(Buffer.concat(s.data));
    return response !== undefined && parseEnvelopes(response.body).length > 0;
  };
  await pollUntil(async () => (await healthz(server.url)).watchers.connect === STREAMS, 20_000, `${STREAMS} watchers`);
  await pollUntil(
    () => streams.every(snapshotted),
    10_000,
    "every snapshot",
    () => `${streams.filter(snapshotted).length} of ${STREAMS}`,
  );
  expect(streams.filter((s) => s.closed)).toHaveLength(0);

  const sentAt = Date.now();
  server.child.kill("SIGTERM");
  const exit = await Promise.race([server.exited, sleep(10_000).then(() => "still running after 10 s" as const)]);
  const tookMs = Date.now() - sentAt;
  expect(exit, server.output().slice(-2_000)).toEqual({ code: 0, signal: null });
  expect(tookMs).toBeLessThan(5_000);

  await pollUntil(
    () => streams.every((s) => s.closed),
    5_000,
    "every connection closed",
    () => `${streams.filter((s) => !s.closed).length} open`,
  );
  const problems: string[] = [];
  streams.forEach((s, i) => {
    const response = parseRawResponse(Buffer.concat(s.data));
    if (!response || response.status !== 200) return void problems.push(`#${i}: status ${response?.status}`);
    if (!response.complete) return void problems.push(`#${i}: no final chunk`);
    const frames = parseEnvelopes(response.body);
    const last = frames.at(-1);
    if (last?.flags !== 0x02) return void problems.push(`#${i}: last frame flags ${last?.flags}`);
    const end = JSON.parse(last.payload.toString()) as { error?: unknown };
    if (end.error !== undefined) problems.push(`#${i}: ended with ${JSON.stringify(end.error)}`);
  });
  expect(problems.slice(0, 10)).toEqual([]);
}, 60_000);
