/**
 * The API bench's baseline: a bare `node:http` server that answers the very bytes StatusThing
 * answered, from memory, on the same paths. It reads each request body (as the real server must)
 * and picks the recorded response by exact body, else the path's default. Anything else is a 404.
 *
 *   node test/bench/bare-server.mjs <fixtures.json>
 *
 * Listens on 127.0.0.1, a free port, and prints one JSON line {"url": ...} on stdout. Plain
 * JavaScript, like the server as it ships: no loader between the baseline and the machine.
 */
import { readFileSync } from "node:fs";
import http from "node:http";

/** @typedef {{ contentType: string, fallback: Buffer, byBody: Map<string, Buffer> }} Route */

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: bare-server.mjs <fixtures.json>\n");
  process.exit(2);
}
/** @type {import("./bare-fixtures.js").BareFixtures} */
const fixtures = JSON.parse(readFileSync(file, "utf8"));
/** @type {Map<string, Route>} */
const routes = new Map();
for (const route of fixtures.routes) {
  /** @type {Map<string, Buffer>} */
  const byBody = new Map();
  for (const [body, base64] of Object.entries(route.byBody ?? {})) byBody.set(body, Buffer.from(base64, "base64"));
  routes.set(route.path, { contentType: route.fallback.contentType, fallback: Buffer.from(route.fallback.bodyBase64, "base64"), byBody });
}
const NOT_FOUND = Buffer.from(JSON.stringify({ code: "not_found", message: "no such path" }));

// The same keep-alive timeout as server/http/serve.ts.
const server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
  /** @type {Buffer[]} */
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    // POST for the API's paths, GET for the public documents (summary.json, badge.svg).
    const route = req.method === "POST" || req.method === "GET" ? routes.get(req.url ?? "") : undefined;
    if (!route) {
      res.writeHead(404, { "content-length": NOT_FOUND.length, "content-type": "application/json" });
      res.end(NOT_FOUND);
      return;
    }
    const body = route.byBody.size > 0 ? (route.byBody.get(Buffer.concat(chunks).toString("utf8")) ?? route.fallback) : route.fallback;
    res.writeHead(200, { "content-length": body.length, "content-type": route.contentType });
    res.end(body);
  });
});

server.listen(0, "127.0.0.1", () => {
  const { port } = /** @type {import("node:net").AddressInfo} */ (server.address());
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
// The bench holds our stdin; when it goes away, so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
