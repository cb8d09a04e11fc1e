/**
 * Errors that name a request field carry it in a standard google.rpc.BadRequest detail, so the
 * admin console (or any client) can show the error beside the field without parsing messages.
 * And every error, also the ones Connect's protocol code answers itself (a body that does not
 * parse, an unknown compression, a bad timeout header, a body over the limit, a deadline, an
 * unknown RPC or content type), carries a google.rpc.ErrorInfo with a reason from the catalog.
 */
import type { DescMethodUnary, DescService } from "@bufbuild/protobuf";
import { Int64ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { errorFromJsonBytes } from "@connectrpc/connect/protocol-connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorCatalog } from "../../server/errors.js";
import { BadRequestSchema } from "../../shared/gen/google/rpc/bad_request_pb.js";
import { ErrorInfoSchema } from "../../shared/gen/google/rpc/error_info_pb.js";
import { ItemsService } from "../../shared/gen/statusthing/v1/services_pb.js";
import { StatusService } from "../../shared/gen/statusthing/v1/status_service_pb.js";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { adminTokenFor } from "../helpers/credentials.js";
import { createClients, createTransport, type Protocol } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function violations(call: Promise<unknown>) {
  const error = await call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  expect(error, "the call should have failed").toBeDefined();
  return {
    code: error!.code,
    message: error!.rawMessage,
    fields: error!.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => ({ field: v.field, description: v.description }))),
  };
}

describe.each<Protocol>(["connect-json", "connect-binary", "grpc-h2c", "grpc-web"])("over %s", (protocol) => {
  it("names the field of an invalid argument, with the problem alone as its description", async () => {
    const api = createClients(createTransport(protocol, server.url));
    const got = await violations(api.statuses.addStatus({ name: "  ", kind: StatusKind.UP, color: "#123456" }));
    expect(got).toEqual({ code: 3, message: "name: is required", fields: [{ field: "name", description: "is required" }] });
  });

  it("names the field whose value is taken, for already_exists", async () => {
    const api = createClients(createTransport(protocol, server.url));
    const name = `taken ${protocol}`;
    await api.statuses.addStatus({ name, kind: StatusKind.UP, color: "#123456" });
    const got = await violations(api.statuses.addStatus({ name, kind: StatusKind.DOWN, color: "#654321" }));
    expect(got.code).toBe(6);
    expect(got.fields).toEqual([{ field: "name", description: `a status named "${name}" already exists` }]);
  });

  it("adds no detail when no single field is at fault", async () => {
    const api = createClients(createTransport(protocol, server.url));
    const got = await violations(api.items.getItem({ itemId: "2ZQ3UVvFSCRBQtdQzI3fMqj9v9E" }));
    expect(got.code).toBe(5);
    expect(got.fields).toEqual([]);
  });
});

/** A transport of `protocol` as the admin, with request headers set (or replaced) as given. */
function transportWith(protocol: Protocol, headers: Record<string, string>) {
  const token = adminTokenFor(server.url);
  const interceptors: Interceptor[] = [
    (next) => (req) => {
      req.header.set("authorization", `Bearer ${token}`);
      for (const [name, value] of Object.entries(headers)) req.header.set(name, value);
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
    default:
      throw new Error(protocol);
  }
}

/** ItemsService as a client that sends other requests than the server's: GetItem with a google.protobuf.Int64Value, and GetGhost, which the server lacks. */
function misfitService(): DescService {
  const getItem = ItemsService.method.getItem;
  const misfit = { ...getItem, input: Int64ValueSchema } as unknown as DescMethodUnary;
  const ghost = { ...getItem, name: "GetGhost", localName: "getGhost" } as DescMethodUnary;
  return { ...ItemsService, methods: [misfit, ghost], method: { getItem: misfit, getGhost: ghost } } as unknown as DescService;
}

/** The code and ErrorInfo reason of a failed call; the reason must be in the catalog, with the kind that is the code. */
async function reasonOf(call: Promise<unknown>): Promise<{ code: Code; reason: string | undefined; metadata: Record<string, string> }> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e),
  );
  expect(error, "the call should have failed").toBeDefined();
  const info = error!.findDetails(ErrorInfoSchema);
  expect(info, `${error!.code} ${error!.rawMessage}: one ErrorInfo`).toHaveLength(1);
  expect(info[0]!.domain).toBe("statusthing.dev");
  expect(errorCatalog.map((e) => e.reason)).toContain(info[0]!.reason);
  return { code: error!.code, reason: info[0]!.reason, metadata: { ...info[0]!.metadata } };
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

describe.each<Protocol>(["connect-json", "connect-binary", "grpc-h2c", "grpc-web"])("errors Connect answers itself, over %s", (protocol) => {
  const isGrpc = protocol === "grpc-h2c" || protocol === "grpc-web";
  const timeoutHeader = isGrpc ? "grpc-timeout" : "connect-timeout-ms";

  it("a body that is not the request message: REQUEST_MALFORMED, invalid_argument", async () => {
    const client = createClient(misfitService(), transportWith(protocol, {})) as unknown as { getItem(m: object): Promise<unknown> };
    expect(await reasonOf(client.getItem({ value: 7n }))).toMatchObject({ code: Code.InvalidArgument, reason: "REQUEST_MALFORMED" });
  });

  it("an RPC the server does not have: PROCEDURE_NOT_FOUND (unimplemented) in gRPC and gRPC-Web; PATH_NOT_FOUND (not_found) in Connect unary", async () => {
    const client = createClient(misfitService(), transportWith(protocol, {})) as unknown as { getGhost(m: object): Promise<unknown> };
    const got = await reasonOf(client.getGhost({}));
    const path = "/statusthing.v1.ItemsService/GetGhost";
    if (isGrpc) expect(got).toEqual({ code: Code.Unimplemented, reason: "PROCEDURE_NOT_FOUND", metadata: { path } });
    else expect(got).toEqual({ code: Code.NotFound, reason: "PATH_NOT_FOUND", metadata: { path } });
  });

  it("an unknown compression: PROTOCOL_UNSUPPORTED, unimplemented, also where the answer could come from the read cache", async () => {
    if (isGrpc) {
      const items = createClient(ItemsService, transportWith(protocol, { "grpc-encoding": "snappy" }));
      expect(await reasonOf(items.listItems({}))).toMatchObject({ code: Code.Unimplemented, reason: "PROTOCOL_UNSUPPORTED" });
      return;
    }
    // Connect's clients send no Content-Encoding they did not compress with: as curl would.
    const res = await fetch(`${server.url}/statusthing.v1.ItemsService/ListItems`, {
      method: "POST",
      headers: { "content-type": protocol === "connect-json" ? "application/json" : "application/proto", "content-encoding": "snappy" },
      body: protocol === "connect-json" ? "{}" : "",
    });
    const error = errorFromJsonBytes(new Uint8Array(await res.arrayBuffer()), undefined, new ConnectError("not an error body"));
    expect(res.status).toBe(501);
    expect(await reasonOf(Promise.reject(error))).toMatchObject({ code: Code.Unimplemented, reason: "PROTOCOL_UNSUPPORTED" });
  });

  it("a timeout header that is no timeout: REQUEST_MALFORMED, on a unary call and on WatchItems", async () => {
    const items = createClient(ItemsService, transportWith(protocol, { [timeoutHeader]: "soon" }));
    expect(await reasonOf(items.listItems({}))).toMatchObject({ code: Code.InvalidArgument, reason: "REQUEST_MALFORMED" });
    expect(await reasonOf(drain(items.watchItems({})))).toMatchObject({ code: Code.InvalidArgument, reason: "REQUEST_MALFORMED" });
  });

  it("a body over 1 MiB, refused by Connect's read limit: REQUEST_TOO_LARGE", async () => {
    const statuses = createClient(StatusService, transportWith(protocol, {}));
    const got = await reasonOf(statuses.addStatus({ name: "big", kind: StatusKind.UP, description: "x".repeat(1024 * 1024 + 10) }));
    expect(got).toEqual({ code: Code.ResourceExhausted, reason: "REQUEST_TOO_LARGE", metadata: { max_bytes: String(1024 * 1024) } });
  });

  it("a watch stream past the deadline its client sent: DEADLINE_EXCEEDED", async () => {
    const items = createClient(ItemsService, transportWith(protocol, { [timeoutHeader]: isGrpc ? "300m" : "300" }));
    expect(await reasonOf(drain(items.watchItems({})))).toMatchObject({ code: Code.DeadlineExceeded, reason: "DEADLINE_EXCEEDED" });
  });
});

describe("errors answered as plain JSON", () => {
  async function post(path: string, headers: Record<string, string>, method = "POST") {
    const res = await fetch(`${server.url}${path}`, { method, headers, body: method === "POST" ? "{}" : undefined });
    const body = (await res.json()) as { code: string; details?: Array<{ type: string; debug?: { reason?: string } }> };
    const info = body.details?.find((d) => d.type === "google.rpc.ErrorInfo");
    return { status: res.status, code: body.code, reason: info?.debug?.reason };
  }

  it("a content type no protocol speaks: HTTP 415, CONTENT_TYPE_UNSUPPORTED, on the router's RPCs and on WatchItems", async () => {
    expect(await post("/statusthing.v1.ItemsService/ListItems", { "content-type": "text/plain" })).toEqual({
      status: 415,
      code: "invalid_argument",
      reason: "CONTENT_TYPE_UNSUPPORTED",
    });
    expect(await post("/statusthing.v1.ItemsService/WatchItems", { "content-type": "application/json" })).toEqual({
      status: 415,
      code: "invalid_argument",
      reason: "CONTENT_TYPE_UNSUPPORTED",
    });
  });

  it("an HTTP method the RPC does not take: HTTP 405, CONTENT_TYPE_UNSUPPORTED", async () => {
    expect(await post("/statusthing.v1.ItemsService/AddItem", {}, "GET")).toEqual({ status: 405, code: "invalid_argument", reason: "CONTENT_TYPE_UNSUPPORTED" });
  });

  it("a path that is nothing: HTTP 404, PATH_NOT_FOUND", async () => {
    expect(await post("/statusthing.v1.NoService/Nothing", { "content-type": "application/json" })).toEqual({ status: 404, code: "not_found", reason: "PATH_NOT_FOUND" });
  });
});
