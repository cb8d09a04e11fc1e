/**
 * Half-open connections (slowloris) are closed within their time limits: six kinds over raw
 * sockets, and an HTTP/2 request whose body never ends. Ordinary requests, and watch streams
 * that stay open far longer than every limit, are unaffected.
 */
import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createClients, createTransport, postJson } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { openWatch, pollUntil, type WatchProtocol } from "../helpers/watch.js";

const LIMITS = { firstByteMs: 400, headersMs: 400, requestMs: 800, idleMs: 800 };
// Generous on a loaded machine: Node checks HTTP/1.1 timers at intervals, and CI cores are shared.
const SLACK_MS = 6_000;
const CONNECTIONS_PER_KIND = 10;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ serve: { limits: LIMITS } });
});
afterAll(async () => {
  await server?.stop();
});

const LIST_ITEMS = "/statusthing.v1.ItemsService/ListItems";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a raw connection, writes `bytes` (if any), then stays silent; resolves with ms until the server closed it. */
function silentAfter(bytes: Buffer | string | undefined): Promise<{ closedAfterMs: number; received: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, "127.0.0.1");
    let received = "";
    let sentAt = 0;
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("error", () => {});
    socket.once("connect", () => {
      if (bytes !== undefined) socket.write(bytes);
      sentAt = Date.now();
    });
    socket.once("close", () => {
      clearTimeout(giveUp);
      resolve({ closedAfterMs: Date.now() - sentAt, received });
    });
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`still open after ${LIMITS.requestMs + SLACK_MS} ms: ${JSON.stringify(bytes)}`));
    }, LIMITS.requestMs + SLACK_MS);
  });
}

const SLOW_KINDS: Array<[string, string | undefined, number]> = [
  ["nothing sent", undefined, LIMITS.firstByteMs],
  ["`PRI` only", "PRI", LIMITS.firstByteMs],
  ["partial headers", `POST ${LIST_ITEMS} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: appl`, LIMITS.headersMs],
  ["an HTTP/2 preface then silence", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", LIMITS.idleMs],
  [
    "a chunked body that never ends",
    `POST ${LIST_ITEMS} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n1\r\n{\r\n`,
    LIMITS.requestMs,
  ],
  [
    "a short body under a longer content-length",
    `POST ${LIST_ITEMS} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{}`,
    LIMITS.requestMs,
  ],
];

it.each(SLOW_KINDS)("closes %s within its limit", async (_kind, bytes, limitMs) => {
  const results = await Promise.all(Array.from({ length: CONNECTIONS_PER_KIND }, () => silentAfter(bytes)));
  for (const { closedAfterMs } of results) {
    expect(closedAfterMs).toBeGreaterThanOrEqual(limitMs - 100);
    expect(closedAfterMs).toBeLessThan(limitMs + SLACK_MS);
  }
  // Meanwhile and after, an ordinary request is answered.
  expect((await postJson(server.url, "statusthing.v1.ItemsService/ListItems", {})).status).toBe(200);
});

it("cancels an HTTP/2 request whose body never ends, and the connection serves other calls", async () => {
  const session = http2.connect(server.url);
  session.on("error", () => {});
  try {
    const stream = session.request({ ":method": "POST", ":path": LIST_ITEMS, "content-type": "application/json" });
    stream.on("error", () => {});
    stream.write("{");
    const started = Date.now();
    const code = await new Promise<number>((resolve) => stream.once("close", () => resolve(stream.rstCode ?? -1)));
    expect(code).toBe(http2.constants.NGHTTP2_CANCEL);
    expect(Date.now() - started).toBeLessThan(LIMITS.requestMs + SLACK_MS);
    // The same connection still carries a complete request.
    const ok = session.request({ ":method": "POST", ":path": LIST_ITEMS, "content-type": "application/json" });
    ok.end("{}");
    const status = await new Promise<number>((resolve, reject) => {
      ok.once("response", (headers) => resolve(Number(headers[":status"])));
      ok.once("error", reject);
    });
    ok.resume();
    expect(status).toBe(200);
  } finally {
    session.destroy();
  }
});

it("keeps watch streams of every kind open well past every limit, and they still get changes", async () => {
  const protocols: WatchProtocol[] = ["connect-json", "grpc-h2c", "grpc-web", "connect-json-h2c", "ws"];
  const watches = protocols.map((protocol) => openWatch(server.url, protocol));
  // Generous: a loaded CI machine once took longer than 10 s; the diagnosis names who is missing.
  await pollUntil(
    () => watches.every((w) => w.state.snapshots === 1),
    30_000,
    "every snapshot",
    () => watches.map((w) => `${w.protocol}: ${w.state.snapshots} snapshot(s), ${w.revisions.length} message(s), end ${JSON.stringify(w.end)}`).join("; "),
  );
  // Longer than the request, header and idle limits together, with no heartbeat (15 s) in between.
  await sleep(LIMITS.requestMs + LIMITS.idleMs + LIMITS.headersMs + 500);
  expect(watches.map((w) => w.end)).toEqual(protocols.map(() => undefined));
  const api = createClients(createTransport("connect-json", server.url));
  const { item } = await api.items.addItem({ name: "still watched" });
  await pollUntil(() => watches.every((w) => w.state.items.has(item!.id)), 10_000, "the change on every stream");
  for (const watch of watches) watch.close();
}, 60_000);

it("a keep-alive HTTP/1.1 client and an HTTP/2 client making requests at a normal pace are served", async () => {
  const session = http2.connect(server.url);
  session.on("error", () => {});
  try {
    for (let i = 0; i < 3; i++) {
      expect((await postJson(server.url, "statusthing.v1.ItemsService/ListItems", {})).status).toBe(200);
      const stream = session.request({ ":method": "POST", ":path": LIST_ITEMS, "content-type": "application/json" });
      stream.end("{}");
      // A stream the server cut off ends without a response: fail then, not at the test's timeout.
      const status = await new Promise<number>((resolve, reject) => {
        stream.once("response", (h) => resolve(Number(h[":status"])));
        stream.once("close", () => reject(new Error(`HTTP/2 stream closed without a response (code ${stream.rstCode})`)));
      });
      stream.resume();
      expect(status).toBe(200);
      // Idle, but well under the idle limit (a loaded machine's timers run late): the connection stays.
      await sleep(LIMITS.idleMs / 4);
    }
    expect(session.closed || session.destroyed).toBe(false);
  } finally {
    session.destroy();
  }
});

it("logs none of the connections it cut off as a server error", () => {
  expect(server.logs.filter((line) => line.level === "error" || line.level === "fatal")).toEqual([]);
});
