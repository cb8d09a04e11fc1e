/**
 * Watchers that leave leave nothing behind (#13's leak check, `npm run bench:fanout --
 * --leak-check`, found 7 KB per departed watcher still held: serve.ts re-registered each watch
 * stream's socket after it had closed). Here on the real app and `serve`, in process: the
 * server-side sockets of 200 WatchItems streams are watched through WeakRefs, the clients reset
 * their connections, and after a full GC none of those sockets may still be reachable.
 */
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import v8 from "node:v8";
import vm from "node:vm";
import { afterEach, expect, it } from "vitest";
import { createApp, type App } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import { pollUntil } from "../helpers/watch.js";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const WATCHERS = 200;
let dir: string | undefined;
let running: RunningServer | undefined;
afterEach(async () => {
  await running?.close(1_000);
  running = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** One raw Connect (application/connect+json) WatchItems stream over HTTP/1.1; settles on its first bytes. */
function openRawWatch(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => {
      const body = Buffer.alloc(7);
      body.writeUInt32BE(2, 1);
      body.write("{}", 5);
      socket.write(
        "POST /statusthing.v1.ItemsService/WatchItems HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/connect+json\r\n" +
          "Connect-Protocol-Version: 1\r\nContent-Length: 7\r\n\r\n",
      );
      socket.write(body);
    });
    socket.once("data", () => resolve(socket));
    socket.once("error", reject);
  });
}

it(`the server keeps none of ${WATCHERS} watch streams' connections once their clients reset them`, async () => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-watch-leak-"));
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app: App = await createApp({ store: new SqliteStore({ path: join(dir, "statusthing.db") }), logger: createLogger("warn", quiet), maxWatchersPerClient: 10_000 });
  // The server side of every connection, held weakly: reachable only while the server keeps it.
  const sockets: Array<WeakRef<net.Socket>> = [];
  let closed = 0;
  const handle: App["handle"] = (req, res) => {
    if ("socket" in req && req.socket && !sockets.some((ref) => ref.deref() === req.socket)) {
      sockets.push(new WeakRef(req.socket as net.Socket));
      req.socket.once("close", () => closed++);
    }
    app.handle(req, res);
  };
  running = await serve({ handle, handleUpgrade: app.handleUpgrade, beginShutdown: app.beginShutdown, close: app.close }, "127.0.0.1:0");

  const clients: net.Socket[] = [];
  for (let i = 0; i < WATCHERS; i += 50) clients.push(...(await Promise.all(Array.from({ length: 50 }, () => openRawWatch(running!.port)))));
  expect(app.hub.watchersByProtocol().connect).toBe(WATCHERS);
  expect(sockets).toHaveLength(WATCHERS);

  for (const client of clients) client.resetAndDestroy();
  clients.length = 0;
  await pollUntil(() => app.hub.watchersByProtocol().connect === 0 && closed === WATCHERS, 10_000, "every watcher gone and every socket closed");
  // Let the responses' own close events (after their sockets') run, then collect.
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
  gc();
  const kept = sockets.filter((ref) => ref.deref() !== undefined).length;
  expect(kept, `${kept} of ${WATCHERS} closed connections still reachable`).toBe(0);
});
