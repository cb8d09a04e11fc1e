/**
 * Errors that name a request field carry it in a standard google.rpc.BadRequest detail, so the
 * admin console (or any client) can show the error beside the field without parsing messages.
 */
import { ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../shared/gen/google/rpc/bad_request_pb.js";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
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
