/**
 * One client cannot hold unbounded watch streams: at most N per client address over WatchItems
 * (every protocol) and /ws together, the excess refused with resource_exhausted (HTTP 429 for a
 * /ws upgrade); and an HTTP/2 connection carries at most 100 streams at once.
 */
import http2 from "node:http2";
import { afterAll, beforeAll, expect, it } from "vitest";
import WebSocket from "ws";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { healthz, openWatch, pollUntil, watcherTotal, wsUrl, type Watch, type WatchProtocol } from "../helpers/watch.js";

const MAX = 6;
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ app: { maxWatchersPerClient: MAX } });
});
afterAll(async () => {
  await server?.stop();
});

/** A /ws upgrade's outcome: opened, or the HTTP status and body it was refused with. */
function tryWs(): Promise<{ opened: WebSocket } | { status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(server.url, {}));
    ws.once("open", () => resolve({ opened: ws }));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once("error", reject);
  });
}

it(`refuses the watch stream past ${MAX} from one address on every protocol, and takes one again once a place is free`, async () => {
  const protocols: WatchProtocol[] = ["connect-json", "grpc-h2c", "grpc-web", "connect-json-h2c", "ws", "connect-binary"];
  const watches: Watch[] = protocols.map((protocol) => openWatch(server.url, protocol));
  await pollUntil(() => watches.every((w) => w.state.snapshots === 1), 10_000, "every snapshot");
  expect(watcherTotal((await healthz(server.url)).watchers)).toBe(MAX);

  for (const protocol of ["connect-json", "grpc-h2c", "grpc-web", "connect-json-h2c"] as const) {
    const refused = openWatch(server.url, protocol);
    const end = await refused.ended;
    expect(end.code, protocol).toBe("resource_exhausted");
    expect(end.message).toMatch(/too many watch streams from this address \(at most 6\)/);
    expect(refused.state.snapshots).toBe(0);
  }
  const ws = await tryWs();
  expect(ws).toMatchObject({ status: 429 });
  expect(JSON.parse((ws as { body: string }).body)).toMatchObject({ code: "resource_exhausted" });
  // The refused ones hold nothing: still exactly MAX.
  expect(watcherTotal((await healthz(server.url)).watchers)).toBe(MAX);

  // One ends, and a new one takes its place.
  watches[4]!.close();
  await watches[4]!.ended;
  let freed: WebSocket | undefined;
  await pollUntil(
    async () => {
      const next = await tryWs();
      if ("opened" in next) freed = next.opened;
      return freed !== undefined;
    },
    10_000,
    "a /ws place to free up",
  );
  freed!.terminate();
  for (const watch of watches) watch.close();
  await pollUntil(async () => watcherTotal((await healthz(server.url)).watchers) === 0, 10_000, "no watchers");
  // And every place is free again.
  const again = Array.from({ length: MAX }, () => openWatch(server.url, "grpc-h2c"));
  await pollUntil(() => again.every((w) => w.state.snapshots === 1), 10_000, "six new snapshots");
  for (const watch of again) watch.close();
});

it("advertises at most 100 concurrent streams per HTTP/2 connection", async () => {
  const session = http2.connect(server.url);
  session.on("error", () => {});
  try {
    await new Promise<void>((resolve) => session.once("remoteSettings", () => resolve()));
    expect(session.remoteSettings.maxConcurrentStreams).toBe(100);
  } finally {
    session.destroy();
  }
});
