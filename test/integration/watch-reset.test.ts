/**
 * Streams that end early must release their watcher, whatever the moment: thousands of
 * WatchItems calls over HTTP/2 (Connect, gRPC, gRPC-Web) reset right after their headers or a
 * few milliseconds later, HTTP/1.1 connections dropped mid-request, and /ws sockets dropped
 * mid-upgrade. Afterwards the hub holds no watcher and memory has come back.
 */
import http2 from "node:http2";
import net from "node:net";
import v8 from "node:v8";
import vm from "node:vm";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { healthz, pollUntil, rawWatchRequest, watcherTotal } from "../helpers/watch.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const WATCH_PATH = "/statusthing.v1.ItemsService/WatchItems";
const RESETS_PER_PROTOCOL = 2_000;
// Streams in flight at once on the one HTTP/2 connection (under the server's concurrency bound).
const IN_FLIGHT = 50;

/** An enveloped `{}` request: a WatchItemsRequest with no filters, in JSON or binary. */
function envelopedEmpty(json: boolean): Buffer {
  const payload = json ? Buffer.from("{}") : Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

const H2_PROTOCOLS = [
  { name: "connect", contentType: "application/connect+json", body: envelopedEmpty(true) },
  { name: "grpc", contentType: "application/grpc", body: envelopedEmpty(false) },
  { name: "grpc-web", contentType: "application/grpc-web+proto", body: envelopedEmpty(false) },
] as const;

/** A full garbage collection, so heap sizes compare what is still referenced. */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Opens one WatchItems stream and resets it: right after the headers (`delayMs` undefined), right
 * after the whole request (0), or `delayMs` later.
 */
function openAndReset(session: http2.ClientHttp2Session, contentType: string, body: Buffer, delayMs: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stream = session.request({ ":method": "POST", ":path": WATCH_PATH, "content-type": contentType, te: "trailers" });
    stream.on("error", () => {});
    stream.once("close", () => resolve());
    stream.resume();
    if (delayMs === undefined) {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      return;
    }
    stream.end(body);
    if (delayMs === 0) stream.close(http2.constants.NGHTTP2_CANCEL);
    else setTimeout(() => stream.close(http2.constants.NGHTTP2_CANCEL), delayMs);
  });
}

/** Runs `count` tasks, `parallel` at a time. */
async function inBatches(count: number, parallel: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

async function expectNoWatchers(what: string): Promise<void> {
  await pollUntil(
    async () => watcherTotal((await healthz(server.url)).watchers) === 0 && watcherTotal(server.app.hub.watchersByProtocol()) === 0,
    20_000,
    `no watchers after ${what}`,
    () => JSON.stringify(server.app.hub.watchersByProtocol()),
  );
}

it("2,000 HTTP/2 WatchItems streams per protocol, reset at once or after 1-5 ms, leave no watcher and no memory behind", async () => {
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  for (const protocol of H2_PROTOCOLS) {
    // A fresh connection every 200 streams: HTTP/2's rapid-reset defence ends a session that
    // resets too many, and an attacker would simply reconnect.
    const sessions: http2.ClientHttp2Session[] = [];
    const sessionFor = (i: number) => {
      const n = Math.floor(i / 200);
      if (!sessions[n] || sessions[n].destroyed || sessions[n].closed) {
        sessions[n] = http2.connect(server.url);
        sessions[n].on("error", () => {});
      }
      return sessions[n];
    };
    // A third each: reset right after the headers, right after the request, 1-5 ms after it.
    const delayOf = (i: number) => (i % 3 === 0 ? undefined : i % 3 === 1 ? 0 : 1 + (i % 5));
    await inBatches(RESETS_PER_PROTOCOL, IN_FLIGHT, (i) => openAndReset(sessionFor(i), protocol.contentType, protocol.body, delayOf(i)));
    await expectNoWatchers(`${RESETS_PER_PROTOCOL} ${protocol.name} resets`);
    for (const session of sessions) session?.destroy();
  }
  // A stream left open is still counted: the count above is not zero for want of counting.
  const session = http2.connect(server.url);
  const open = session.request({ ":method": "POST", ":path": WATCH_PATH, "content-type": "application/grpc", te: "trailers" });
  open.end(envelopedEmpty(false));
  open.resume();
  await pollUntil(async () => watcherTotal((await healthz(server.url)).watchers) === 1, 10_000, "the open stream to be counted");
  open.close(http2.constants.NGHTTP2_CANCEL);
  await expectNoWatchers("closing the last stream");
  session.destroy();
  // Loose: a leak of thousands of watchers with their streams is tens of megabytes.
  collectGarbage();
  expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(20 * 1024 * 1024);
}, 120_000);

it("HTTP/1.1 WatchItems connections dropped mid-request or 1-5 ms after leave no watcher", async () => {
  const request = rawWatchRequest("127.0.0.1", server.port);
  await inBatches(400, 20, async (i) => {
    const socket = net.connect(server.port, "127.0.0.1");
    socket.on("error", () => {});
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    // Even: only the headers, then gone; odd: the whole request, gone 1-5 ms later.
    socket.write(i % 2 === 0 ? request.subarray(0, request.indexOf("\r\n\r\n") + 4) : request);
    if (i % 2 === 1) await sleep(1 + (i % 5));
    socket.destroy();
  });
  await expectNoWatchers("400 dropped HTTP/1.1 streams");
}, 60_000);

it("/ws connections dropped during the upgrade or just after leave no watcher", async () => {
  await inBatches(400, 20, async (i) => {
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/ws`);
    ws.on("error", () => {});
    if (i % 2 === 0) {
      await sleep(i % 3);
      ws.terminate();
      return;
    }
    await new Promise<void>((resolve) => {
      ws.once("open", () => resolve());
      ws.once("close", () => resolve());
    });
    await sleep(1 + (i % 5));
    ws.terminate();
  });
  await expectNoWatchers("400 dropped /ws sockets");
}, 60_000);
