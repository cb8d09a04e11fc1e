/**
 * Backpressure on watch streams (ARCHITECTURE.md, "Live updates"): each watcher has a bounded
 * queue; one that falls too far behind is closed with resource_exhausted; one slow client never
 * slows the others or grows memory without bound.
 *
 * The server runs in this process with a small per-watcher limit (maxPendingBytes 256 KiB) so a
 * few megabytes of changes are enough. The 10,000 changes are committed through the store and
 * announced to the hub exactly as the services do after a commit (`hub.poke()`): the RPC write
 * path is covered elsewhere, and 10,000 fsync'd RPCs would not fit the time budget of this file.
 *
 * The last block runs the real server process with the default limits (4 MiB) and state whose
 * extended form is larger than that (~6 MB): a snapshot, or one write's burst of events, bigger
 * than the limit must not end a client that keeps reading.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ItemsService } from "../../shared/gen/statusthing/v1/services_pb.js";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { createClients, createTransport, type Protocol } from "../helpers/clients.js";
import { killLeftoverServers, startServerProcess, type ListeningServerProcess } from "../helpers/server-process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { healthz, openWatch, parseEnvelopes, parseRawResponse, pollUntil, rawWatchRequest, wsUrl } from "../helpers/watch.js";

const MAX_PENDING_BYTES = 256 * 1024;
const ITEMS = 20;
/** Growth of this process's RSS (server, clients and writers together) allowed during the flood. */
const RSS_GROWTH_LIMIT = 100 * 1024 * 1024;

describe("a server in this process with maxPendingBytes 256 KiB", () => {
  let server: TestServer;
  let itemIds: string[];
  beforeEach(async () => {
    // A short grace and a hard bound of 4× keep these tests quick; the defaults are 10 s and 16 MiB.
    server = await startTestServer({
      hub: { limits: { maxPendingBytes: MAX_PENDING_BYTES, lagGraceMs: 300, hardMaxPendingBytes: 4 * MAX_PENDING_BYTES, maxBacklog: 10_000 } },
    });
    const api = createClients(createTransport("connect-json", server.url));
    itemIds = [];
    for (let i = 0; i < ITEMS; i++) itemIds.push((await api.items.addItem({ name: `item ${i}`, description: "short" })).item!.id);
  });
  afterEach(async () => {
    await server?.stop();
  });

  /** A description of about 1.9 KB, different per change so no two frames are alike. */
  const description = (n: number) => `change ${n} `.padEnd(1_900, "lorem ipsum dolor sit amet ");

  /**
   * Commits `count` item updates starting at change number `from`, in group commits of `batch`,
   * poking the hub after each commit as the services do. Stops early when `stop()` says so.
   * `pace`, when given, is awaited after each commit: it lets a test hold the writer to the speed
   * of a reading client, so a CPU-starved machine cannot make that client look slow.
   */
  async function flood(from: number, count: number, stop: () => boolean = () => false, batch = 200, pace?: () => Promise<void>): Promise<number> {
    let n = from;
    while (n < from + count && !stop()) {
      const size = Math.min(batch, from + count - n);
      await Promise.all(Array.from({ length: size }, (_, k) => server.store.updateItem(itemIds[(n + k) % ITEMS]!, { description: description(n + k), updated: new Date() })));
      n += size;
      await server.app.hub.poke();
      await pace?.();
    }
    return n - from;
  }

  /** Samples this process's RSS and heap every 20 ms until stopped; returns the largest growth seen. */
  function sampleMemory() {
    const base = process.memoryUsage();
    let rss = 0;
    let heap = 0;
    const take = () => {
      const now = process.memoryUsage();
      rss = Math.max(rss, now.rss - base.rss);
      heap = Math.max(heap, now.heapUsed - base.heapUsed);
    };
    const timer = setInterval(take, 20);
    return {
      stop() {
        clearInterval(timer);
        take();
        return { rss, heap };
      },
    };
  }

  const connectWatchers = () => server.app.hub.watchersByProtocol().connect ?? 0;

  it("a client that never reads is ended while 10,000 changes are written; memory stays bounded; a normal watcher gets everything", async () => {
    const normal = openWatch(server.url, "connect-json", {}, { keepMessages: false, replay: false });
    await pollUntil(() => normal.revisions.length > 0, 5_000, "the normal watcher's snapshot");

    // The client that never reads: a raw HTTP/1.1 Connect stream whose socket is paused at once.
    const raw = net.connect({ host: "127.0.0.1", port: server.port });
    raw.pause();
    let rawClosed = false;
    raw.on("close", () => (rawClosed = true));
    raw.on("error", () => {});
    raw.write(rawWatchRequest("127.0.0.1", server.port));
    await pollUntil(async () => (await healthz(server.url)).watchers.connect === 2, 5_000, "both watchers registered");

    const memory = sampleMemory();
    // Notes the revision at which the never-reading watcher was ended.
    let writtenWhenEnded = -1;
    const noteEnd = setInterval(() => {
      if (writtenWhenEnded < 0 && connectWatchers() === 1) writtenWhenEnded = server.app.hub.currentRevision;
    }, 5);
    // Commits of 100 changes (~190 KB of events, under the 256 KiB limit), each one sent only once
    // the normal watcher has read the last: it is never behind by more than one commit, so only the
    // client that never reads can be ended, however busy this machine is. (In CI, unpaced, the
    // normal watcher in this same process was once starved for longer than the 300 ms grace.)
    const caughtUp = () => pollUntil(() => normal.lastRevision >= server.app.hub.currentRevision || normal.end !== undefined, 20_000, "the normal watcher to read the last commit");
    const written = await flood(0, 10_000, () => false, 100, caughtUp);
    await pollUntil(() => writtenWhenEnded >= 0, 5_000, "the never-reading watcher to be ended");
    clearInterval(noteEnd);
    const final = (await server.store.changeLogBounds()).latest;
    const growth = memory.stop();
    expect(written).toBe(10_000);

    // Ended while the changes were still coming, not only after them.
    expect(writtenWhenEnded).toBeGreaterThan(0);
    expect(writtenWhenEnded).toBeLessThan(final);
    const health = await healthz(server.url);
    expect(health.watchers).toEqual({ connect: 1 });
    expect(growth.rss, `RSS grew ${(growth.rss / 1048576).toFixed(1)} MB, heap ${(growth.heap / 1048576).toFixed(1)} MB`).toBeLessThan(RSS_GROWTH_LIMIT);

    // The server closed that connection: reading now gets what the kernel held, then the end.
    const received: Buffer[] = [];
    raw.on("data", (chunk: Buffer) => received.push(chunk));
    raw.resume();
    await pollUntil(() => rawClosed, 5_000, "the server to close the never-reading client's connection");
    const bytes = Buffer.concat(received);
    const response = parseRawResponse(bytes);
    expect(response?.status).toBe(200);
    expect(response?.headers["content-type"]).toBe("application/connect+json");
    // Far less than the ~20 MB of changes written: it was cut off, not buffered.
    expect(bytes.length).toBeLessThan(12 * 1024 * 1024);

    // The normal watcher missed nothing: every revision after its snapshot, once, in order.
    await pollUntil(
      () => normal.lastRevision === final,
      20_000,
      `the normal watcher at ${final}`,
      () => `at ${normal.lastRevision}`,
    );
    const [snapshot, ...changes] = normal.revisions;
    expect(changes.length).toBe(final - snapshot!);
    expect(changes.every((r, k) => r === snapshot! + 1 + k)).toBe(true);
    expect(normal.end).toBeUndefined();
    normal.close();
  }, 60_000);

  it("a slow raw HTTP/1.1 reader gets, after the frames it was sent in order, an end-of-stream with resource_exhausted", async () => {
    const raw = net.connect({ host: "127.0.0.1", port: server.port });
    raw.pause();
    const received: Buffer[] = [];
    let closed = false;
    raw.on("close", () => (closed = true));
    raw.on("error", () => {});
    raw.write(rawWatchRequest("127.0.0.1", server.port));
    await pollUntil(() => connectWatchers() === 1, 5_000, "the raw watcher registered");

    const written = await flood(0, 10_000, () => connectWatchers() === 0);
    expect(connectWatchers()).toBe(0);
    // Reading now: the server gives a reader that fell behind a moment to take the end of the stream.
    raw.on("data", (chunk: Buffer) => received.push(chunk));
    raw.resume();
    await pollUntil(() => closed || parseRawResponse(Buffer.concat(received))?.complete === true, 10_000, "the end of the response");

    const response = parseRawResponse(Buffer.concat(received))!;
    expect(response.status).toBe(200);
    expect(response.complete, `response ended after ${response.body.length} body bytes without its last chunk`).toBe(true);
    const frames = parseEnvelopes(response.body);
    const last = frames.at(-1)!;
    expect(last.flags).toBe(0x02);
    const end = JSON.parse(last.payload.toString()) as { error?: { code?: string; message?: string } };
    expect(end.error?.code).toBe("resource_exhausted");
    expect(end.error?.message).toEqual(expect.any(String));

    const messages = frames.slice(0, -1).map((f) => {
      expect(f.flags).toBe(0);
      return JSON.parse(f.payload.toString()) as { revision?: string; snapshot?: unknown };
    });
    expect(messages[0]!.snapshot).toBeDefined();
    const revisions = messages.map((m) => Number(m.revision ?? 0));
    expect(revisions.slice(1).every((r, k) => r === revisions[0]! + 1 + k)).toBe(true);
    // It fell behind: it was cut off well before the end of the flood.
    expect(revisions.at(-1)!).toBeLessThan(revisions[0]! + written);
  }, 60_000);

  it.each<Protocol>(["connect-json", "grpc-h2c", "grpc-web"])(
    "a %s client that stops pulling gets its messages, then ConnectError resource_exhausted, when it reads again",
    async (protocol) => {
      const hubName = protocol === "grpc-h2c" ? "grpc" : protocol === "grpc-web" ? "grpc-web" : "connect";
      const count = () => server.app.hub.watchersByProtocol()[hubName] ?? 0;
      const client = createClient(ItemsService, createTransport(protocol, server.url, { anonymous: true }));
      const abort = new AbortController();
      const stream = client.watchItems({}, { signal: abort.signal })[Symbol.asyncIterator]();
      const first = await stream.next();
      expect(first.value?.event.case).toBe("snapshot");
      const revisions = [Number(first.value!.revision)];
      expect(count()).toBe(1);

      await flood(0, 10_000, () => count() === 0);
      expect(count(), "the server should have ended the stream of a client that stopped reading").toBe(0);

      let error: ConnectError | undefined;
      try {
        for (;;) {
          const next = await stream.next();
          if (next.done) break;
          revisions.push(Number(next.value.revision));
        }
      } catch (e) {
        error = ConnectError.from(e);
      }
      abort.abort();
      expect(error && Code[error.code], `after ${revisions.length} messages`).toBe(Code[Code.ResourceExhausted]);
      expect(revisions.slice(1).every((r, k) => r === revisions[0]! + 1 + k)).toBe(true);
    },
    60_000,
  );

  it("a /ws client that stops reading gets a resource_exhausted error frame and close 1013 when it reads again", async () => {
    const socket = new WebSocket(wsUrl(server.url, {}));
    const frames: string[] = [];
    socket.on("message", (data: WebSocket.RawData) => frames.push(data.toString()));
    let closed: { code: number; reason: string } | undefined;
    socket.on("close", (code: number, reason: Buffer) => (closed = { code, reason: reason.toString() }));
    socket.on("error", () => {});
    await pollUntil(() => frames.length > 0, 5_000, "the snapshot");
    socket.pause();
    const count = () => server.app.hub.watchersByProtocol().ws ?? 0;
    expect(count()).toBe(1);

    await flood(0, 10_000, () => count() === 0);
    expect(count()).toBe(0);
    socket.resume();
    await pollUntil(() => closed !== undefined, 10_000, "the close frame");
    expect(closed!.code).toBe(1013);
    const last = JSON.parse(frames.at(-1)!) as { error?: { code?: string } };
    expect(last.error?.code).toBe("resource_exhausted");
    const revisions = frames.slice(0, -1).map((f) => Number((JSON.parse(f) as { revision: string }).revision));
    expect(revisions.slice(1).every((r, k) => r === revisions[0]! + 1 + k)).toBe(true);
  }, 60_000);
});

describe("one write whose events exceed maxPendingBytes (default limits, server in its own process)", () => {
  // 300 items that show one status, each with ~20 KB of notes: an UpdateStatus of that status
  // commits 301 changes at once, about 6 MB of events for an extended watcher (limit: 4 MiB).
  let proc: ListeningServerProcess;
  let dir: string;
  let statusId: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "statusthing-watch-burst-"));
    proc = await startServerProcess(join(dir, "statusthing.db"));
    const api = createClients(createTransport("connect-binary", proc.url));
    statusId = (await api.statuses.addStatus({ name: "shared", kind: StatusKind.UP, color: "#123456" })).status!.id;
    const text = "n".repeat(9_000);
    await Promise.all(
      Array.from({ length: 30 }, async (_, w) => {
        for (let i = 0; i < 10; i++) {
          const { item } = await api.items.addItem({ name: `burst ${w}-${i}`, description: "d".repeat(1_900), initialStatusId: statusId, initialNoteText: text });
          await api.notes.addNote({ itemId: item!.id, noteText: text });
        }
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await killLeftoverServers();
    rmSync(dir, { recursive: true, force: true });
  });
  const recolor = async (color: string) => {
    await createClients(createTransport("connect-json", proc.url)).statuses.updateStatus({ statusId, color });
    return (await healthz(proc.url)).revision;
  };

  const marker = async () => {
    await createClients(createTransport("connect-json", proc.url)).statuses.addStatus({ name: `marker ${Date.now()}`, kind: StatusKind.DOWN, color: "#000" });
    return (await healthz(proc.url)).revision;
  };

  it("a new extended watcher gets its snapshot (about 6 MB) and stays open for the changes after it", async () => {
    const watches = (["connect-json", "grpc-h2c", "ws"] as const).map((p) => openWatch(proc.url, p, { extended: true }, { keepMessages: false, replay: false }));
    await pollUntil(() => watches.every((w) => w.revisions.length > 0 || w.end !== undefined), 20_000, "the snapshots");
    const latest = await marker();
    await pollUntil(() => watches.every((w) => w.lastRevision >= latest || w.end !== undefined), 20_000, `every watcher at ${latest} or ended`);
    const outcome = watches.map((w) => `${w.protocol}: ${w.end === undefined ? "open" : `ended ${JSON.stringify(w.end)}`} at ${w.lastRevision}`);
    for (const watch of watches) watch.close();
    expect(outcome).toEqual(watches.map((w) => `${w.protocol}: open at ${latest}`));
  }, 40_000);

  it("one write's burst does not end watchers that keep reading: it is one write, not a slow client", async () => {
    // Resuming at the current revision: no snapshot, so only the burst is measured here.
    const current = (await healthz(proc.url)).revision;
    const watches = (["connect-json", "grpc-h2c", "ws"] as const).map((p) =>
      openWatch(proc.url, p, { extended: true, sinceRevision: BigInt(current) }, { keepMessages: false, replay: false }),
    );
    await pollUntil(
      async () => (await healthz(proc.url)).watchers.connect === 1 && (await healthz(proc.url)).watchers.grpc === 1 && (await healthz(proc.url)).watchers.ws === 1,
      10_000,
      "the watchers registered",
    );
    const latest = await recolor("#ABCDEF");
    await pollUntil(() => watches.every((w) => w.lastRevision >= latest || w.end !== undefined), 20_000, `every watcher at ${latest} or ended`);
    const outcome = watches.map((w) => `${w.protocol}: ${w.end === undefined ? "open" : `ended ${JSON.stringify(w.end)}`} at ${w.lastRevision}`);
    for (const watch of watches) watch.close();
    expect(outcome).toEqual(watches.map((w) => `${w.protocol}: open at ${latest}`));
  }, 40_000);

  it("a watcher ended by the burst resynchronizes by resuming with since_revision, missing nothing", async () => {
    const current = (await healthz(proc.url)).revision;
    let watch = openWatch(proc.url, "connect-json", { extended: true, sinceRevision: BigInt(current) }, { keepMessages: false, replay: false });
    await pollUntil(async () => (await healthz(proc.url)).watchers.connect === 1, 10_000, "the watcher registered");
    const seen: number[] = [current];
    const latest = await recolor("#FEDCBA");
    let attempts = 0;
    for (;;) {
      await pollUntil(() => watch.lastRevision >= latest || watch.end !== undefined, 20_000, `the watcher at ${latest} or ended`);
      seen.push(...watch.revisions);
      if (watch.lastRevision >= latest) break;
      expect(watch.end?.code).toBe("resource_exhausted");
      expect(++attempts).toBeLessThanOrEqual(10);
      watch = openWatch(proc.url, "connect-json", { extended: true, sinceRevision: BigInt(seen.at(-1)!) }, { keepMessages: false, replay: false });
    }
    watch.close();
    const [start, ...rest] = seen;
    expect(rest.every((r, k) => r === start! + 1 + k)).toBe(true);
    expect(seen.at(-1)).toBe(latest);
  }, 60_000);
});
