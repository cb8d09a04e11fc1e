/**
 * Every error carries machine-readable details (#12): a google.rpc.ErrorInfo with its stable
 * reason on every protocol, a google.rpc.RetryInfo when a retry may succeed (a throttled login, a
 * refused watch stream), a google.rpc.BadRequest for a field at fault; the same in the JSON a
 * script reads from a POST, and in the `/ws` error frame and refused upgrade.
 */
import { fromBinary, type DescMessage } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { errorDetails } from "../../shared/error-details.js";
import { BadRequestSchema } from "../../shared/gen/google/rpc/bad_request_pb.js";
import { ErrorInfoSchema } from "../../shared/gen/google/rpc/error_info_pb.js";
import { RetryInfoSchema } from "../../shared/gen/google/rpc/retry_info_pb.js";
import { AuthService } from "../../shared/gen/statusthing/v1/auth_pb.js";
import { ItemsService } from "../../shared/gen/statusthing/v1/services_pb.js";
import { StatusService } from "../../shared/gen/statusthing/v1/status_service_pb.js";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { login } from "../helpers/auth.js";
import { adminTokenFor } from "../helpers/credentials.js";
import { postJson } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { wsUrl } from "../helpers/watch.js";

const PROTOCOLS = ["connect-json", "connect-binary", "grpc-h2c", "grpc-web"] as const;
type Protocol = (typeof PROTOCOLS)[number];
const MISSING_ID = "2ZQ3UVvFSCRBQtdQzI3fMqj9v9E";

let server: TestServer;
beforeAll(async () => {
  // Two failed logins per address and name, then a wait; one watch stream per address.
  server = await startTestServer({
    app: { trustProxy: true, maxWatchersPerClient: 1, auth: { throttle: { perAddressAndUsername: 2, perAddress: 100, windowMs: 60_000, steps: 0 } } },
  });
});
afterAll(async () => {
  await server?.stop();
});

/** A client transport of `protocol`, as the admin or nobody, from a forwarded address of its own. */
function transport(protocol: Protocol, options: { anonymous?: boolean; address?: string } = {}): Transport {
  const token = options.anonymous ? undefined : adminTokenFor(server.url);
  const interceptors: Interceptor[] = [
    (next) => (req) => {
      if (token) req.header.set("authorization", `Bearer ${token}`);
      if (options.address) req.header.set("x-forwarded-for", options.address);
      return next(req);
    },
  ];
  const baseUrl = server.url;
  switch (protocol) {
    case "connect-json":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors });
    case "connect-binary":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors });
    case "grpc-h2c":
      return createGrpcTransport({ baseUrl, interceptors });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors });
  }
}

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  if (!error) throw new Error("the call should have failed");
  return error;
}

/** The ErrorInfo, RetryInfo and BadRequest of an error, as plain values. */
function detailsOf(error: ConnectError) {
  const info = error.findDetails(ErrorInfoSchema);
  const retry = error.findDetails(RetryInfoSchema);
  const bad = error.findDetails(BadRequestSchema);
  return {
    code: error.code,
    errorInfo: info.map((i) => ({ reason: i.reason, domain: i.domain, metadata: { ...i.metadata } })),
    retrySeconds: retry.map((r) => Number(r.retryDelay?.seconds ?? -1)),
    fields: bad.flatMap((b) => b.fieldViolations.map((v) => v.field)),
  };
}

describe.each(PROTOCOLS)("over %s", (protocol) => {
  it("a missing record: ErrorInfo with its reason and the id, no RetryInfo", async () => {
    const items = createClient(ItemsService, transport(protocol));
    expect(detailsOf(await failure(items.getItem({ itemId: MISSING_ID })))).toEqual({
      code: 5,
      errorInfo: [{ reason: "ITEM_NOT_FOUND", domain: "statusthing.dev", metadata: { id: MISSING_ID } }],
      retrySeconds: [],
      fields: [],
    });
  });

  it("a taken name: NAME_TAKEN with BadRequest on the name; an invalid field: FIELD_INVALID", async () => {
    const statuses = createClient(StatusService, transport(protocol));
    const name = `reasons ${protocol}`;
    await statuses.addStatus({ name, kind: StatusKind.UP, color: "#123456" });
    expect(detailsOf(await failure(statuses.addStatus({ name, kind: StatusKind.DOWN })))).toEqual({
      code: 6,
      errorInfo: [{ reason: "NAME_TAKEN", domain: "statusthing.dev", metadata: { name } }],
      retrySeconds: [],
      fields: ["name"],
    });
    expect(detailsOf(await failure(statuses.addStatus({ name: "x", kind: StatusKind.UNKNOWN })))).toMatchObject({
      code: 3,
      errorInfo: [{ reason: "FIELD_INVALID" }],
      fields: ["kind"],
    });
  });

  it("a write without credentials: LOGIN_REQUIRED", async () => {
    const statuses = createClient(StatusService, transport(protocol, { anonymous: true }));
    const error = await failure(statuses.deleteStatus({ statusId: MISSING_ID }));
    expect(errorDetails(error)).toMatchObject({ reason: "LOGIN_REQUIRED", retryAfterSeconds: undefined });
  });

  it("a wrong password: WRONG_CREDENTIALS; then a throttled login: LOGIN_THROTTLED with RetryInfo", async () => {
    const address = `198.51.100.${10 + PROTOCOLS.indexOf(protocol)}`;
    const auth = createClient(AuthService, transport(protocol, { anonymous: true, address }));
    for (let i = 0; i < 2; i++) expect(errorDetails(await failure(auth.login({ username: "admin", password: `wrong-${i}` }))).reason).toBe("WRONG_CREDENTIALS");
    const throttled = await failure(auth.login({ username: "admin", password: "wrong-again" }));
    const got = detailsOf(throttled);
    expect(got).toMatchObject({ code: 8, errorInfo: [{ reason: "LOGIN_THROTTLED", domain: "statusthing.dev" }], fields: [] });
    expect(got.retrySeconds).toHaveLength(1);
    expect(got.retrySeconds[0]).toBeGreaterThan(0);
    expect(got.retrySeconds[0]).toBeLessThanOrEqual(60);
    expect(errorDetails(throttled).retryAfterSeconds).toBe(got.retrySeconds[0]);
  });

  it("a watch stream over the per-address limit ends with WATCHER_LIMIT_REACHED and RetryInfo", async () => {
    const address = `198.51.100.${30 + PROTOCOLS.indexOf(protocol)}`;
    const holder = new WebSocket(wsUrl(server.url, {}), { headers: { "x-forwarded-for": address } });
    await new Promise((resolve, reject) => holder.once("message", resolve).once("error", reject));
    try {
      const items = createClient(ItemsService, transport(protocol, { address }));
      const error = await failure(
        (async () => {
          for await (const _ of items.watchItems({})) throw new Error("the refused stream sent a message");
        })(),
      );
      expect(detailsOf(error)).toEqual({
        code: 8,
        errorInfo: [{ reason: "WATCHER_LIMIT_REACHED", domain: "statusthing.dev", metadata: { max_per_client: "1" } }],
        retrySeconds: [10],
        fields: [],
      });
    } finally {
      holder.terminate();
    }
  });
});

/** A detail of Connect's JSON error body: its type, and its binary value decoded. */
function decodeJsonDetail<T extends DescMessage>(details: unknown, schema: T) {
  const found = (details as Array<{ type: string; value: string; debug?: unknown }>).find((d) => d.type === schema.typeName);
  return found && { message: fromBinary(schema, base64Decode(found.value)), debug: found.debug };
}

describe("a JSON POST, as a script sends it", () => {
  it("has the details in the body, each with a readable debug copy", async () => {
    const res = await postJson(server.url, "statusthing.v1.StatusService/AddStatus", { name: "  ", kind: "STATUS_KIND_UP" });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe("invalid_argument");
    const info = decodeJsonDetail(res.body.details, ErrorInfoSchema);
    expect(info?.message.reason).toBe("FIELD_INVALID");
    expect(info?.debug).toEqual({ reason: "FIELD_INVALID", domain: "statusthing.dev" });
    expect(decodeJsonDetail(res.body.details, BadRequestSchema)?.debug).toEqual({ fieldViolations: [{ field: "name", description: "is required" }] });
  });

  it("a throttled login: RetryInfo in the body and a retry-after header that agree", async () => {
    const from = { "x-forwarded-for": "198.51.100.99" };
    await login(server.url, "admin", "wrong-1", from);
    await login(server.url, "admin", "wrong-2", from);
    const throttled = await login(server.url, "admin", "wrong-3", from);
    expect(throttled.code).toBe("resource_exhausted");
    const retry = decodeJsonDetail(throttled.body.details, RetryInfoSchema);
    const seconds = Number(retry?.message.retryDelay?.seconds);
    expect(seconds).toBeGreaterThan(0);
    expect(Number(throttled.headers.get("retry-after"))).toBe(seconds);
    expect(retry?.debug).toEqual({ retryDelay: `${seconds}s` });
    expect(decodeJsonDetail(throttled.body.details, ErrorInfoSchema)?.message.reason).toBe("LOGIN_THROTTLED");
  });
});

describe("errors the adapter answers itself, before the handler", () => {
  it("an unknown enum name: FIELD_INVALID naming the field; a body over 1 MiB: REQUEST_TOO_LARGE", async () => {
    const badEnum = await postJson(server.url, "statusthing.v1.StatusService/ListStatus", { kinds: ["STATUS_KIND_DWON"] });
    expect(badEnum.status).toBe(400);
    expect(decodeJsonDetail(badEnum.body.details, ErrorInfoSchema)?.message.reason).toBe("FIELD_INVALID");
    expect(decodeJsonDetail(badEnum.body.details, BadRequestSchema)?.message.fieldViolations.map((v) => v.field)).toEqual(["kinds"]);
    const tooBig = await postJson(server.url, "statusthing.v1.StatusService/ListStatus", `{"pad": "${"x".repeat(1024 * 1024)}"}`);
    expect(tooBig.status).toBe(429);
    expect(decodeJsonDetail(tooBig.body.details, ErrorInfoSchema)?.debug).toEqual({
      reason: "REQUEST_TOO_LARGE",
      domain: "statusthing.dev",
      metadata: { max_bytes: String(1024 * 1024) },
    });
  });
});

describe("/ws", () => {
  it("sends an error frame with code, message, reason and the details, then closes", async () => {
    const ws = new WebSocket(`${wsUrl(server.url, {})}?since_revision=soon`, { headers: { "x-forwarded-for": "198.51.100.50" } });
    const frame = await new Promise<string>((resolve, reject) => ws.once("message", (data: Buffer) => resolve(data.toString())).once("error", reject));
    const closed = await new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    const { error } = JSON.parse(frame) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ code: "invalid_argument", message: "since_revision: want a revision number", reason: "FIELD_INVALID" });
    expect(decodeJsonDetail(error.details, ErrorInfoSchema)?.message.reason).toBe("FIELD_INVALID");
    expect(decodeJsonDetail(error.details, BadRequestSchema)?.message.fieldViolations.map((v) => v.field)).toEqual(["since_revision"]);
    expect(closed).toBe(1008);
  });

  it("answers an upgrade over the limit 429 with the reason, RetryInfo and retry-after", async () => {
    const headers = { "x-forwarded-for": "198.51.100.51" };
    const holder = new WebSocket(wsUrl(server.url, {}), { headers });
    await new Promise((resolve, reject) => holder.once("message", resolve).once("error", reject));
    try {
      const refused = await new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) => {
        const ws = new WebSocket(wsUrl(server.url, {}), { headers });
        ws.once("open", () => reject(new Error("the second stream was let in")));
        ws.once("unexpected-response", (_req, res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => (body += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined, body }));
        });
      });
      expect(refused.status).toBe(429);
      expect(refused.retryAfter).toBe("10");
      const body = JSON.parse(refused.body) as Record<string, unknown>;
      expect(body).toMatchObject({ code: "resource_exhausted", reason: "WATCHER_LIMIT_REACHED" });
      expect(decodeJsonDetail(body.details, RetryInfoSchema)?.debug).toEqual({ retryDelay: "10s" });
    } finally {
      holder.terminate();
    }
  });
});
