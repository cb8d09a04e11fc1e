/**
 * Hostile and careless requests: each is answered with the right code, and the server keeps
 * serving afterwards (every test is followed by a ListItems that must succeed).
 */
import http from "node:http";
import net from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createClients, createTransport, postJson } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type Json = Record<string, unknown>;

const ITEMS = "statusthing.v1.ItemsService";
const STATUS = "statusthing.v1.StatusService";
const NOTES = "statusthing.v1.NotesService";
const MiB = 1024 * 1024;

let server: TestServer;
let counter = 0;
const uniq = (base: string) => `${base}-${++counter}`;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  // Whatever the test sent, the server still answers an ordinary call.
  const res = await post(`${ITEMS}/ListItems`, {});
  expect(res.status).toBe(200);
});

/** `Authorization: Bearer <admin token>`, for requests made without the helpers. */
function bearer(token: string | undefined): Record<string, string> {
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
}

/**
 * POSTs JSON as curl would, with the admin's API token (postJson adds it for test servers), so
 * that these requests fail for what is wrong with them, not for lack of credentials.
 */
function post(procedure: string, body: string | object, headers: Record<string, string> = {}) {
  return postJson(server.url, procedure, body, headers);
}
/** POSTs and expects a Connect error with this HTTP status and code; returns its message. */
async function expectError(procedure: string, body: string | object, httpStatus: number, code: string, headers: Record<string, string> = {}) {
  const res = await post(procedure, body, headers);
  expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(httpStatus);
  expect(res.body.code).toBe(code);
  return String(res.body.message);
}

async function itemNames(): Promise<string[]> {
  const res = await post(`${ITEMS}/ListItems`, {});
  return ((res.body.items ?? []) as Json[]).map((i) => String(i.name));
}
async function statusNames(): Promise<string[]> {
  const res = await post(`${STATUS}/ListStatus`, {});
  return ((res.body.statuses ?? []) as Json[]).map((s) => String(s.name));
}
async function addStatus(name: string): Promise<Json> {
  const res = await post(`${STATUS}/AddStatus`, { name, color: "#123", kind: "STATUS_KIND_UP" });
  expect(res.status).toBe(200);
  return res.body.status as Json;
}

describe("malformed bodies", () => {
  it.each([
    ["truncated JSON", '{"name": "x"'],
    ["not JSON at all", "name=x"],
    ["a trailing comma", '{"name": "x",}'],
    ["an array instead of an object", '["x"]'],
    ["null", "null"],
    ["an empty body", ""],
    ["a duplicate key", '{"name": "a", "name": "b"}'],
  ])("%s is invalid_argument (HTTP 400)", async (_label, body) => {
    const before = await itemNames();
    await expectError(`${ITEMS}/AddItem`, body, 400, "invalid_argument");
    expect(await itemNames()).toEqual(before);
  });

  it.each([
    ["name: 5", `${ITEMS}/AddItem`, { name: 5 }],
    ['kinds: "x"', `${ITEMS}/ListItems`, { kinds: "x" }],
    ["status_ids: [1]", `${ITEMS}/ListItems`, { status_ids: [1] }],
    ['extended: "yes"', `${ITEMS}/ListItems`, { extended: "yes" }],
    ["item_id: {}", `${ITEMS}/GetItem`, { item_id: {} }],
    ["kind: true", `${STATUS}/AddStatus`, { name: "typed", color: "#000", kind: true }],
    ['initial_status: "UP"', `${ITEMS}/AddItem`, { name: "typed", initial_status: "UP" }],
    ["note_text: [..]", `${NOTES}/AddNote`, { item_id: "x", note_text: ["a"] }],
  ])("a wrong JSON type (%s) is invalid_argument (HTTP 400)", async (_label, procedure, body) => {
    await expectError(procedure, body, 400, "invalid_argument");
  });
});

describe("content types, paths and methods", () => {
  it.each([["text/plain"], ["application/x-www-form-urlencoded"], ["application/xml"], ["application/json; charset=latin1"]])(
    "content-type %s is refused with HTTP 415 and creates nothing",
    async (contentType) => {
      const name = uniq("ctype");
      const res = await post(`${ITEMS}/AddItem`, { name }, { "content-type": contentType });
      expect(res.status).toBe(415);
      expect(await itemNames()).not.toContain(name);
    },
  );

  it("content-type application/json; charset=utf-8 is accepted", async () => {
    const res = await post(`${ITEMS}/ListItems`, {}, { "content-type": "application/json; charset=utf-8" });
    expect(res.status).toBe(200);
  });

  it.each([["/nope"], ["/statusthing.v1.ItemsService/Nope"], ["/statusthing.v1.NopeService/GetItem"], ["/statusthing.v2.ItemsService/ListItems"]])(
    "POST %s is HTTP 404 not_found",
    async (path) => {
      const res = await post(path.slice(1), {});
      expect(res.status).toBe(404);
      expect(res.body.code).toBe("not_found");
    },
  );

  it("GET on a write RPC is HTTP 405 and creates nothing", async () => {
    const name = uniq("via-get");
    const message = encodeURIComponent(JSON.stringify({ name }));
    const res = await fetch(`${server.url}/${ITEMS}/AddItem?encoding=json&message=${message}`, { headers: bearer(server.token) });
    await res.arrayBuffer();
    expect(res.status).toBe(405);
    expect(await itemNames()).not.toContain(name);
  });

  it("GET on a read RPC works as a Connect GET, and without its encoding is HTTP 415", async () => {
    const ok = await fetch(`${server.url}/${STATUS}/ListStatus?encoding=json&message=${encodeURIComponent("{}")}`);
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as Json;
    expect((body.statuses as Json[]).map((s) => s.name)).toEqual(expect.arrayContaining(["UP", "DOWN", "WARNING"]));
    const bare = await fetch(`${server.url}/${STATUS}/ListStatus`);
    await bare.arrayBuffer();
    expect(bare.status).toBe(415);
  });
});

describe("unknown fields and enum values", () => {
  it("ignores unknown fields, as the original (connect-go) did", async () => {
    const name = uniq("extra-fields");
    const res = await post(`${ITEMS}/AddItem`, { name, colour: "red", owner: { team: ["ops"] }, priority: 3 });
    expect(res.status).toBe(200);
    expect((res.body.item as Json).name).toBe(name);
    expect(await itemNames()).toContain(name);
    expect((await post(`${ITEMS}/ListItems`, { bogus: true, page_size: 10 })).status).toBe(200);
  });

  it("refuses an unknown kind name in AddStatus with invalid_argument and creates nothing", async () => {
    const name = uniq("nope-kind");
    await expectError(`${STATUS}/AddStatus`, { name, color: "#000", kind: "STATUS_KIND_NOPE" }, 400, "invalid_argument");
    expect(await statusNames()).not.toContain(name);
  });

  it("refuses an unknown kind name in a ListItems filter with invalid_argument, rather than returning everything", async () => {
    await expectError(`${ITEMS}/ListItems`, { kinds: ["STATUS_KIND_NOPE"] }, 400, "invalid_argument");
    await expectError(`${ITEMS}/ListItems`, { kinds: ["STATUS_KIND_UP", "STATUS_KIND_TYPO"] }, 400, "invalid_argument");
  });

  it("refuses an unknown kind name in a ListStatus filter with invalid_argument, rather than returning everything", async () => {
    await expectError(`${STATUS}/ListStatus`, { kinds: ["up"] }, 400, "invalid_argument");
  });

  it("refuses an unknown kind name in UpdateStatus with invalid_argument, rather than silently keeping the kind", async () => {
    const status = await addStatus(uniq("sideways"));
    const newName = uniq("renamed");
    await expectError(`${STATUS}/UpdateStatus`, { status_id: status.id, name: newName, kind: "STATUS_KIND_SIDEWAYS" }, 400, "invalid_argument");
    expect(await statusNames()).toContain(status.name);
    expect(await statusNames()).not.toContain(newName);
  });

  it("refuses undefined kind numbers with invalid_argument", async () => {
    await expectError(`${STATUS}/AddStatus`, { name: uniq("k99"), color: "#000", kind: 99 }, 400, "invalid_argument");
    await expectError(`${ITEMS}/ListItems`, { kinds: [99] }, 400, "invalid_argument");
  });
});

describe("oversized and odd content", () => {
  it("refuses a 2 MiB body with resource_exhausted (HTTP 429, as Connect maps it) and creates nothing", async () => {
    const name = `big-${"x".repeat(2 * MiB)}`;
    const message = await expectError(`${ITEMS}/AddItem`, { name }, 429, "resource_exhausted");
    expect(message.length).toBeLessThan(500);
    expect((await itemNames()).some((n) => n.startsWith("big-"))).toBe(false);
  });

  it("refuses a 2 MiB chunked body (no content-length) with resource_exhausted", async () => {
    const url = new URL(server.url);
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: url.hostname,
          port: url.port,
          method: "POST",
          path: `/${ITEMS}/AddItem`,
          headers: { "content-type": "application/json", connection: "close", ...bearer(server.token) },
        },
        (r) => {
          let body = "";
          r.on("data", (chunk: Buffer) => (body += chunk.toString()));
          r.on("end", () => resolve({ status: r.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject);
      req.write('{"name":"');
      for (let i = 0; i < 32; i++) req.write("y".repeat(64 * 1024));
      req.end('"}');
    });
    expect(res.status).toBe(429);
    expect((JSON.parse(res.body) as Json).code).toBe("resource_exhausted");
  });

  it("a refused oversized chunked body does not wedge its keep-alive connection", async () => {
    // Node's http client (and so connect-node over HTTP/1.1) streams request bodies chunked and
    // reuses keep-alive connections. After the refusal, the next request on the same connection
    // must be answered promptly, or the connection closed so the client opens a new one.
    const socket = net.connect(server.port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    let received = "";
    let closed = false;
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("close", () => (closed = true));
    socket.on("error", () => {});
    const waitFor = async (predicate: () => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    try {
      const authorization = server.token === undefined ? "" : `Authorization: Bearer ${server.token}\r\n`;
      socket.write(`POST /${ITEMS}/AddItem HTTP/1.1\r\nHost: x\r\n${authorization}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
      const chunk = " ".repeat(64 * 1024);
      // Like a streaming client, keep sending until the server answers (or 2 MiB have gone).
      for (let sent = 0; sent < 2 * MiB && !received.includes("\r\n\r\n") && !closed; sent += chunk.length) {
        socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        await new Promise((r) => setImmediate(r));
      }
      await waitFor(() => received.includes("\r\n\r\n") || closed, 2_000);
      expect(received).toMatch(/^HTTP\/1\.1 429 /);
      const refusalClosesConnection = /\r\nconnection: close\r\n/i.test(received);
      if (!closed) {
        // The client ends its body as usual and sends the next call on the same connection.
        socket.write("0\r\n\r\n");
        const next = `POST /${ITEMS}/ListItems HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`;
        const before = received.length;
        socket.write(next);
        await waitFor(() => received.length > before || closed, 2_000);
        const answer = received.slice(before);
        // Either answered, or the connection was closed as the refusal announced.
        expect(answer.startsWith("HTTP/1.1 200") || (closed && refusalClosesConnection), `after the 429: ${JSON.stringify(answer.slice(0, 80))}, closed=${closed}`).toBe(true);
      }
    } finally {
      socket.destroy();
    }
  });

  it("refuses a 2 MiB message from real clients with resource_exhausted", async () => {
    for (const protocol of ["connect-json-h2c", "grpc-h2c"] as const) {
      const { items } = createClients(createTransport(protocol, server.url));
      let error: ConnectError | undefined;
      try {
        await items.addItem({ name: "z".repeat(2 * MiB) });
      } catch (e) {
        error = ConnectError.from(e);
      }
      expect(error && Code[error.code], protocol).toBe(Code[Code.ResourceExhausted]);
      await items.listItems({});
    }
  });

  it("refuses a 10,000-character name with invalid_argument naming the field", async () => {
    const name = "n".repeat(10_000);
    expect(await expectError(`${ITEMS}/AddItem`, { name }, 400, "invalid_argument")).toContain("name");
    expect(await expectError(`${STATUS}/AddStatus`, { name, color: "#000", kind: 1 }, 400, "invalid_argument")).toContain("name");
    expect((await itemNames()).some((n) => n.length > 200)).toBe(false);
  });

  it("stores <script>alert(1)</script> verbatim and returns it as JSON text", async () => {
    const evil = `<script>alert(1)</script>-${uniq("x")}`;
    const add = await post(`${ITEMS}/AddItem`, {
      name: evil,
      description: `<img src=x onerror="alert('d')">`,
      initial_note_text: "</textarea><script>alert('n')</script>",
      initial_status: { name: `<b>${evil}</b>`, color: "#f00", kind: "STATUS_KIND_DOWN" },
    });
    expect(add.status).toBe(200);
    expect(add.headers.get("content-type")).toMatch(/^application\/json/);
    const item = add.body.item as Json;
    const got = await post(`${ITEMS}/GetItem`, { item_id: item.id });
    const stored = got.body.item as Json;
    expect(stored.name).toBe(evil);
    expect(stored.description).toBe(`<img src=x onerror="alert('d')">`);
    expect((stored.notes as Json[])[0]?.text).toBe("</textarea><script>alert('n')</script>");
    expect((stored.status as Json).name).toBe(`<b>${evil}</b>`);
  });

  it.each([
    ["red;background:url(x)"],
    ["#fff;background:url(x)"],
    ['#fff" onmouseover="alert(1)'],
    ["#abc}body{display:none"],
    ["url(javascript:alert(1))"],
    ["expression(alert(1))"],
  ])("refuses the color %j with invalid_argument naming color", async (color) => {
    const name = uniq("css");
    expect(await expectError(`${STATUS}/AddStatus`, { name, color, kind: 1 }, 400, "invalid_argument")).toContain("color");
    expect(await statusNames()).not.toContain(name);
    const status = await addStatus(uniq("css-ok"));
    expect(await expectError(`${STATUS}/UpdateStatus`, { status_id: status.id, color }, 400, "invalid_argument")).toContain("color");
    const itemName = uniq("css-item");
    expect(await expectError(`${ITEMS}/AddItem`, { name: itemName, initial_status: { name: uniq("s"), color, kind: 1 } }, 400, "invalid_argument")).toContain("color");
    expect(await itemNames()).not.toContain(itemName);
  });
});

describe("unexpected internal errors", () => {
  // A database-level failure the code does not expect, provoked without touching server code:
  // a trigger on the test's own database makes every note insert fail with a SQLite error.
  let broken: TestServer;
  beforeAll(async () => {
    broken = await startTestServer();
  });
  afterAll(async () => {
    await broken?.stop();
  });

  it("answer a generic internal error, log the details, leak no SQL, and keep serving", async () => {
    const item = await postJson(broken.url, `${ITEMS}/AddItem`, { name: "victim" });
    expect(item.status).toBe(200);
    const itemId = String((item.body.item as Json).id);
    broken.store.db.exec("CREATE TRIGGER test_boom BEFORE INSERT ON notes BEGIN SELECT RAISE(ABORT, 'SECRET-DETAIL from SELECT * FROM notes'); END");
    const res = await postJson(broken.url, `${NOTES}/AddNote`, { item_id: itemId, note_text: "hello" });
    expect(res.status).toBe(500);
    expect(res.body.code).toBe("internal");
    const text = JSON.stringify(res.body);
    for (const leak of ["SECRET", "SELECT", "notes", "sqlite", "Sqlite", "SQLITE", "trigger", "stack", ".ts:"]) expect(text).not.toContain(leak);
    for (const [, value] of res.headers) expect(value).not.toContain("SECRET");

    // Over gRPC too: the message in the trailers is just as generic.
    const { notes } = createClients(createTransport("grpc-h2c", broken.url));
    let error: ConnectError | undefined;
    try {
      await notes.addNote({ itemId, noteText: "again" });
    } catch (e) {
      error = ConnectError.from(e);
    }
    expect(error && Code[error.code]).toBe(Code[Code.Internal]);
    expect(error?.rawMessage).not.toContain("SECRET");

    // The operator finds the details in the log.
    expect(JSON.stringify(broken.logs)).toContain("SECRET-DETAIL");

    broken.store.db.exec("DROP TRIGGER test_boom");
    const ok = await postJson(broken.url, `${NOTES}/AddNote`, { item_id: itemId, note_text: "hello" });
    expect(ok.status).toBe(200);
    const list = await postJson(broken.url, `${NOTES}/ListNotes`, { item_id: itemId });
    expect((list.body.notes as Json[]).map((n) => n.text)).toEqual(["hello"]);
  });
});
