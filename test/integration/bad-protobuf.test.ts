/**
 * A request body that is not valid binary protobuf is the client's fault: every protocol answers
 * invalid_argument naming the expected message type, never `internal`, never the parser's words,
 * and nothing is logged as a server error.
 */
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

const ITEMS = "statusthing.v1.ItemsService";

/** Bytes that the protobuf parser refuses, each for another reason. */
const MALFORMED: Array<[string, Buffer]> = [
  ["a length-delimited field cut short", Buffer.from([0x0a, 0x05, 0x41])],
  ["an undefined wire type (7)", Buffer.from([0x0f, 0x00])],
  ["a varint that never ends", Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
];

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const auth = () => ({ authorization: `Bearer ${server.token}` });
const envelope = (payload: Buffer, flags = 0) => {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
};

/** What a client learns from an error, whichever protocol carried it. */
interface Outcome {
  code: string;
  message: string;
}
const GRPC_CODES: Record<string, string> = { "0": "ok", "3": "invalid_argument", "13": "internal" };

async function connectUnary(procedure: string, body: Buffer): Promise<Outcome & { httpStatus: number }> {
  const res = await fetch(`${server.url}/${procedure}`, { method: "POST", headers: { "content-type": "application/proto", ...auth() }, body });
  const json = (await res.json()) as { code: string; message: string };
  return { httpStatus: res.status, code: json.code, message: json.message };
}

/** A Connect or gRPC-Web call over HTTP/1.1 whose answer ends in one end frame; returns that frame's outcome. */
async function framed(procedure: string, contentType: string, body: Buffer, headers: Record<string, string> = {}): Promise<Outcome> {
  const res = await fetch(`${server.url}/${procedure}`, { method: "POST", headers: { "content-type": contentType, ...auth(), ...headers }, body });
  expect(res.status).toBe(200);
  let bytes = Buffer.from(await res.arrayBuffer());
  // Skip message frames (flag 0) to the end frame.
  while (bytes.length >= 5 && bytes[0] === 0) bytes = bytes.subarray(5 + bytes.readUInt32BE(1));
  expect(bytes.length).toBeGreaterThanOrEqual(5);
  const flags = bytes[0]!;
  const payload = bytes.subarray(5, 5 + bytes.readUInt32BE(1)).toString("utf8");
  if (flags === 0x02) {
    const end = JSON.parse(payload) as { error: Outcome };
    return end.error;
  }
  expect(flags).toBe(0x80);
  const fields = Object.fromEntries(
    payload
      .split("\r\n")
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]),
  );
  return { code: GRPC_CODES[fields["grpc-status"]!] ?? fields["grpc-status"]!, message: decodeURIComponent(fields["grpc-message"] ?? "") };
}

/** A gRPC call over cleartext HTTP/2; returns the status from its trailers (or trailers-only headers). */
async function grpc(procedure: string, body: Buffer, headers: Record<string, string> = {}): Promise<Outcome> {
  const session = http2.connect(server.url);
  try {
    const req = session.request({ ":method": "POST", ":path": `/${procedure}`, "content-type": "application/grpc", te: "trailers", ...auth(), ...headers });
    req.end(body);
    let status: Record<string, unknown> = {};
    req.on("response", (h) => (status = { ...status, ...h }));
    req.on("trailers", (t) => (status = { ...status, ...t }));
    req.resume();
    await new Promise((resolve) => req.on("close", resolve));
    const code = String(status["grpc-status"]);
    return { code: GRPC_CODES[code] ?? code, message: decodeURIComponent(String(status["grpc-message"] ?? "")) };
  } finally {
    session.close();
  }
}

function expectRefused(outcome: Outcome, typeName: string) {
  expect(outcome.code).toBe("invalid_argument");
  expect(outcome.message).toContain(typeName);
  expect(outcome.message).not.toMatch(/parse binary|EOF|wire type|varint|internal/i);
}

describe.each(MALFORMED)("a body with %s", (_label, bad) => {
  it("Connect unary (application/proto): HTTP 400 invalid_argument, for a read and for a write", async () => {
    const read = await connectUnary(`${ITEMS}/GetItem`, bad);
    expect(read.httpStatus).toBe(400);
    expectRefused(read, "statusthing.v1.GetItemRequest");
    const write = await connectUnary(`${ITEMS}/AddItem`, bad);
    expect(write.httpStatus).toBe(400);
    expectRefused(write, "statusthing.v1.AddItemRequest");
  });

  it("Connect GET (a read with its message in the query): HTTP 400 invalid_argument", async () => {
    const query = `encoding=proto&base64=1&connect=v1&message=${bad.toString("base64url")}`;
    const res = await fetch(`${server.url}/${ITEMS}/GetItem?${query}`);
    const json = (await res.json()) as Outcome;
    expect(res.status).toBe(400);
    expectRefused(json, "statusthing.v1.GetItemRequest");
  });

  it("gRPC over HTTP/2: grpc-status 3, for a read and for a write", async () => {
    expectRefused(await grpc(`${ITEMS}/GetItem`, envelope(bad)), "statusthing.v1.GetItemRequest");
    expectRefused(await grpc(`${ITEMS}/AddItem`, envelope(bad)), "statusthing.v1.AddItemRequest");
  });

  it("gRPC-Web: a trailer frame with grpc-status 3", async () => {
    expectRefused(await framed(`${ITEMS}/GetItem`, "application/grpc-web+proto", envelope(bad)), "statusthing.v1.GetItemRequest");
  });

  it("WatchItems over Connect, gRPC-Web and gRPC", async () => {
    expectRefused(await framed(`${ITEMS}/WatchItems`, "application/connect+proto", envelope(bad)), "statusthing.v1.WatchItemsRequest");
    expectRefused(await framed(`${ITEMS}/WatchItems`, "application/grpc-web+proto", envelope(bad)), "statusthing.v1.WatchItemsRequest");
    expectRefused(await grpc(`${ITEMS}/WatchItems`, envelope(bad)), "statusthing.v1.WatchItemsRequest");
  });
});

describe("around it", () => {
  it("valid binary requests still succeed in every protocol", async () => {
    const empty = Buffer.alloc(0);
    const res = await fetch(`${server.url}/${ITEMS}/ListItems`, { method: "POST", headers: { "content-type": "application/proto" }, body: empty });
    expect(res.status).toBe(200);
    expect((await grpc(`${ITEMS}/ListItems`, envelope(empty))).code).toBe("ok");
    expect((await framed(`${ITEMS}/ListItems`, "application/grpc-web+proto", envelope(empty))).code).toBe("ok");
  });

  it("other errors keep their codes: a valid but empty GetItem is still invalid_argument naming item_id", async () => {
    const res = await connectUnary(`${ITEMS}/GetItem`, Buffer.alloc(0));
    expect(res.code).toBe("invalid_argument");
    expect(res.message).toContain("item_id");
  });

  it("logs none of it as a server error, and records invalid_argument in the request log", () => {
    expect(server.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
    const badCalls = server.logs.filter((line) => typeof line.msg === "string" && JSON.stringify(line).includes("GetItem") && line.code !== undefined);
    expect(badCalls.some((line) => line.code === "invalid_argument")).toBe(true);
    expect(badCalls.some((line) => line.code === "internal")).toBe(false);
  });
});
