/**
 * Compression on every protocol (issue #12, "One road"): gzip and brotli, request and response,
 * unary and WatchItems, negotiated as Connect's own Node adapter does. The clients are the real
 * connect-node transports with `sendCompression` / `acceptCompression`; the raw checks read the
 * headers a curl user would see. A compressed body that inflates past the request limit is
 * refused with resource_exhausted.
 */
import { Code, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { compressionBrotli, compressionGzip, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { Compression } from "@connectrpc/connect/protocol";
import { randomBytes } from "node:crypto";
import http from "node:http";
import { brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ItemsService } from "../../shared/gen/statusthing/v1/services_pb.js";
import { REQUEST_BODY_MAX_BYTES } from "../../shared/limits.js";
import { adminTokenFor } from "../helpers/credentials.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { parseEnvelopes, pollUntil } from "../helpers/watch.js";

let server: TestServer;
/** A description over Connect's 1 KiB threshold, so answers that carry it get compressed. */
const longText = (label: string) => `${label} ${randomBytes(900).toString("hex")}`.slice(0, 1_500);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

type ProtocolName = "connect" | "grpc" | "grpc-web";

/** The response header that names the compression of a response, per protocol and call kind. */
function encodingHeader(protocol: ProtocolName, streaming: boolean): string {
  if (protocol !== "connect") return "grpc-encoding";
  return streaming ? "connect-content-encoding" : "content-encoding";
}

/** A real client of `protocol` that compresses every request and accepts only `compression` back; records response headers. */
function compressingTransport(protocol: ProtocolName, compression: Compression, seen: Headers[]): Transport {
  const interceptors: Interceptor[] = [
    (next) => async (req) => {
      req.header.set("authorization", `Bearer ${adminTokenFor(server.url)}`);
      const res = await next(req);
      seen.push(res.header);
      return res;
    },
  ];
  // compressMinBytes 0: even the small requests go compressed, so the server must inflate them.
  const common = { baseUrl: server.url, sendCompression: compression, acceptCompression: [compression], compressMinBytes: 0, interceptors };
  switch (protocol) {
    case "connect":
      return createConnectTransport({ ...common, httpVersion: "1.1" });
    case "grpc":
      return createGrpcTransport(common);
    case "grpc-web":
      return createGrpcWebTransport({ ...common, httpVersion: "1.1" });
  }
}

describe.each<ProtocolName>(["connect", "grpc", "grpc-web"])("%s", (protocol) => {
  it.each([compressionGzip, compressionBrotli])("unary: a $name request is inflated and the answer comes back $name", async (compression) => {
    const seen: Headers[] = [];
    const items = createClient(ItemsService, compressingTransport(protocol, compression, seen));
    const description = longText(`${protocol} ${compression.name}`);
    const added = await items.addItem({ name: `compressed ${protocol} ${compression.name}`, description });
    expect(added.item?.description).toBe(description);
    const got = await items.getItem({ itemId: added.item!.id });
    expect(got.item?.description).toBe(description);
    expect(seen.at(-1)?.get(encodingHeader(protocol, false))).toBe(compression.name);
  });

  it.each([compressionGzip, compressionBrotli])("WatchItems: a $name request, and the stream comes back $name", async (compression) => {
    const seen: Headers[] = [];
    const items = createClient(ItemsService, compressingTransport(protocol, compression, seen));
    const added = await items.addItem({ name: `watched ${protocol} ${compression.name}`, description: longText("before") });
    const abort = new AbortController();
    const stream = items.watchItems({ extended: true }, { signal: abort.signal })[Symbol.asyncIterator]();
    const snapshot = await stream.next();
    expect(snapshot.value?.event.case).toBe("snapshot");
    expect(seen.at(-1)?.get(encodingHeader(protocol, true))).toBe(compression.name);
    // A change bigger than the threshold arrives whole (live changes go uncompressed).
    const description = longText("after");
    await items.updateItem({ itemId: added.item!.id, description });
    let changed: string | undefined;
    while (changed === undefined) {
      const next = await stream.next();
      const event = next.value?.event;
      if (event?.case === "itemChanged" && event.value.id === added.item!.id) changed = event.value.description;
    }
    expect(changed).toBe(description);
    abort.abort();
  });
});

/** One raw HTTP/1.1 request, as curl would send it; the body as received (not decoded). */
function rawPost(
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  until?: (bytes: Buffer) => boolean,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${server.url}${path}`, { method: "POST", headers: { ...headers, "content-length": String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        if (until?.(Buffer.concat(chunks))) {
          done();
          req.destroy();
        }
      });
      res.on("end", done);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function envelope(flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

describe("raw requests, as curl sends them", () => {
  it("Connect unary: Content-Encoding gzip in, Accept-Encoding br out", async () => {
    const body = gzipSync(JSON.stringify({ name: "raw gzip", description: longText("raw") }));
    const res = await rawPost(
      "/statusthing.v1.ItemsService/AddItem",
      { "content-type": "application/json", "content-encoding": "gzip", "accept-encoding": "br", authorization: `Bearer ${adminTokenFor(server.url)}` },
      body,
    );
    expect(res.status, res.body.toString("latin1").slice(0, 300)).toBe(200);
    expect(res.headers["content-encoding"]).toBe("br");
    const answer = JSON.parse(brotliDecompressSync(res.body).toString("utf8")) as { item?: { name?: string } };
    expect(answer.item?.name).toBe("raw gzip");
  });

  it("Connect unary: a small answer is not compressed, whatever the client accepts", async () => {
    const res = await rawPost(
      "/statusthing.v1.StatusService/ListStatus",
      { "content-type": "application/json", "accept-encoding": "gzip" },
      Buffer.from(JSON.stringify({ kinds: ["STATUS_KIND_UP"] })),
    );
    expect(res.status).toBe(200);
    expect(res.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(res.body.toString("utf8"))).toHaveProperty("statuses");
  });

  it("Connect streaming: connect-content-encoding gzip in and out; a snapshot over 1 KiB carries the compressed flag", async () => {
    await createClient(ItemsService, compressingTransport("connect", compressionGzip, [])).addItem({ name: "for the raw stream", description: longText("raw stream") });
    const request = envelope(0x01, gzipSync(JSON.stringify({ extended: true })));
    const res = await rawPost(
      "/statusthing.v1.ItemsService/WatchItems",
      { "content-type": "application/connect+json", "connect-content-encoding": "gzip", "connect-accept-encoding": "gzip" },
      request,
      (bytes) => parseEnvelopes(bytes).length > 0,
    );
    expect(res.status).toBe(200);
    expect(res.headers["connect-content-encoding"]).toBe("gzip");
    const [first] = parseEnvelopes(res.body);
    expect(first!.flags).toBe(0x01);
    const snapshot = JSON.parse(gunzipSync(first!.payload).toString("utf8")) as { snapshot?: { items?: unknown[] } };
    expect(snapshot.snapshot?.items?.length).toBeGreaterThan(0);
  });

  it("gRPC-Web: grpc-encoding gzip in, grpc-accept-encoding gzip out", async () => {
    const res = await rawPost(
      "/statusthing.v1.ItemsService/ListItems",
      { "content-type": "application/grpc-web+json", "grpc-encoding": "gzip", "grpc-accept-encoding": "gzip" },
      envelope(0x01, gzipSync("{}")),
    );
    expect(res.status).toBe(200);
    expect(res.headers["grpc-encoding"]).toBe("gzip");
    const frames = parseEnvelopes(res.body);
    expect(frames[0]!.flags).toBe(0x01);
    expect(JSON.parse(gunzipSync(frames[0]!.payload).toString("utf8"))).toHaveProperty("items");
    expect(frames.at(-1)!.flags).toBe(0x80);
    expect(frames.at(-1)!.payload.toString()).toContain("grpc-status: 0");
  });
});

describe("a compressed body that inflates past the limit", () => {
  /** About 2 KB of gzip that inflates to twice the request limit. */
  const bomb = gzipSync(Buffer.alloc(2 * REQUEST_BODY_MAX_BYTES, " "));

  it("is refused with resource_exhausted on a Connect unary call", async () => {
    expect(bomb.length).toBeLessThan(REQUEST_BODY_MAX_BYTES / 100);
    const res = await rawPost("/statusthing.v1.ItemsService/ListItems", { "content-type": "application/json", "content-encoding": "gzip" }, bomb);
    expect(res.status).toBe(429);
    expect(JSON.parse(res.body.toString("utf8"))).toMatchObject({ code: "resource_exhausted" });
  });

  it.each<ProtocolName>(["connect", "grpc", "grpc-web"])("is refused with resource_exhausted on %s, unary and WatchItems", async (protocol) => {
    // The body is the same few bytes whatever it inflates to: a client sends it as is.
    const transport = compressingTransport(protocol, compressionGzip, []);
    const items = createClient(ItemsService, transport);
    const huge = " ".repeat(2 * REQUEST_BODY_MAX_BYTES);
    const unary = await items.getItem({ itemId: huge }).then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(unary && Code[unary.code]).toBe(Code[Code.ResourceExhausted]);
    let streamed: ConnectError | undefined;
    try {
      for await (const message of items.watchItems({ statusIds: [huge] })) void message;
    } catch (e) {
      streamed = ConnectError.from(e);
    }
    expect(streamed && Code[streamed.code]).toBe(Code[Code.ResourceExhausted]);
    await pollUntil(async () => (server.app.hub.watchersByProtocol()[protocol] ?? 0) === 0, 5_000, "no watcher left");
  });
});
