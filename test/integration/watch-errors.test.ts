/**
 * WatchItems speaks errors as every RPC does (issue #12, "One road"): its implementation runs
 * behind the router's interceptors, so a bad request carries the BadRequest detail naming its
 * field, on every protocol, and a refused login is the guard's own error.
 */
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { BadRequestSchema } from "../../shared/gen/google/rpc/bad_request_pb.js";
import { ItemsService } from "../../shared/gen/statusthing/v1/services_pb.js";
import { createTransport, PROTOCOLS } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function watchError(protocol: (typeof PROTOCOLS)[number], kinds: number[], token?: string): Promise<ConnectError | undefined> {
  const items = createClient(ItemsService, createTransport(protocol, server.url, token === undefined ? { anonymous: true } : { token }));
  try {
    for await (const message of items.watchItems({ kinds })) void message;
  } catch (e) {
    return ConnectError.from(e);
  }
  return undefined;
}

it.each(PROTOCOLS)("a kind that does not exist is invalid_argument with a BadRequest detail for kinds, over %s", async (protocol) => {
  const error = await watchError(protocol, [99]);
  expect(error && Code[error.code]).toBe(Code[Code.InvalidArgument]);
  const fields = error!.findDetails(BadRequestSchema).flatMap((d) => d.fieldViolations.map((v) => v.field));
  expect(fields).toEqual(["kinds"]);
});

it.each(PROTOCOLS)("a token that does not exist is unauthenticated, over %s", async (protocol) => {
  const error = await watchError(protocol, [], "st_no-such-token");
  expect(error && Code[error.code]).toBe(Code[Code.Unauthenticated]);
});

it("a stream past the deadline the client sent (Connect-Timeout-Ms) is ended by the server with deadline_exceeded", async () => {
  // Raw HTTP, so that no client-side timer can end the stream: only the server's deadline does.
  const body = Buffer.alloc(7);
  body.writeUInt32BE(2, 1);
  body.write("{}", 5);
  const res = await fetch(`${server.url}/statusthing.v1.ItemsService/WatchItems`, {
    method: "POST",
    headers: { "content-type": "application/connect+json", "connect-protocol-version": "1", "connect-timeout-ms": "400" },
    body,
    signal: AbortSignal.timeout(5_000),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  // The last frame is the end of the stream (flag 2), with the error in it.
  let offset = 0;
  let end: { error?: { code?: string } } | undefined;
  while (offset + 5 <= bytes.length) {
    const length = bytes.readUInt32BE(offset + 1);
    if (bytes[offset]! & 2) end = JSON.parse(bytes.subarray(offset + 5, offset + 5 + length).toString("utf8")) as typeof end;
    offset += 5 + length;
  }
  expect(end?.error?.code).toBe("deadline_exceeded");
});
