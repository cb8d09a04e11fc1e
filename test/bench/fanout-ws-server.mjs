/**
 * The fan-out bench's baseline: a bare `ws` WebSocket server (no compression) that broadcasts
 * whatever bytes it is given to every connected client, as one text message each.
 *
 *   node test/bench/fanout-ws-server.mjs       (plain JavaScript, like the server as it ships)
 *
 * Listens on 127.0.0.1, a free port, and prints one JSON line {"url": ...} on stdout. Routes:
 * `POST /broadcast` (the body is sent to every client, then answered 204), `GET /stats` (a full
 * GC, then {clients, memory}). It exits when its stdin ends, so it never outlives the bench.
 */
import http from "node:http";
import v8 from "node:v8";
import vm from "node:vm";
import { WebSocketServer } from "ws";

v8.setFlagsFromString("--expose-gc");
/** @type {() => void} */
const gc = vm.runInNewContext("gc");

const server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    if (req.method === "POST" && req.url === "/broadcast") {
      const bytes = Buffer.concat(chunks);
      for (const client of wss.clients) client.send(bytes, { binary: false });
      res.writeHead(204).end();
    } else if (req.method === "GET" && req.url === "/stats") {
      gc();
      gc();
      const body = JSON.stringify({ clients: wss.clients.size, memory: process.memoryUsage() });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
    } else {
      res.writeHead(404).end();
    }
  });
});
const wss = new WebSocketServer({ server, perMessageDeflate: false });

server.listen(0, "127.0.0.1", 511, () => {
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
