import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createContextValues } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { unaryRequest } from "../../server/rpc/unary-request.js";

/** A server whose handler makes the call's request and hands it, with the response, to `onCall`. */
async function serverWith(onCall: (signal: AbortSignal, res: ServerResponse, headers: Headers) => void): Promise<{ port: number; close(): void }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const uReq = unaryRequest(req, res, new Uint8Array(), createContextValues());
    onCall(uReq.signal, res, uReq.header);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

let close = () => {};
afterEach(() => close());

describe("unaryRequest", () => {
  it("does not abort the signal of a call that was answered", async () => {
    let signal!: AbortSignal;
    let closed!: Promise<void>;
    const server = await serverWith((s, res, headers) => {
      signal = s;
      closed = new Promise((resolve) => res.once("close", resolve));
      res.end(headers.get("x-test") ?? "");
    });
    close = server.close;
    const answer = await fetch(`http://127.0.0.1:${server.port}/`, { headers: { "x-test": "seen" } });
    expect(await answer.text()).toBe("seen");
    await closed;
    expect(signal.aborted).toBe(false);
  });

  it("aborts the signal when the client goes away before the answer, with an AbortError", async () => {
    let aborted!: Promise<unknown>;
    let arrived!: () => void;
    const called = new Promise<void>((resolve) => (arrived = resolve));
    const server = await serverWith((signal) => {
      aborted = new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason)));
      arrived(); // and never answer
    });
    close = server.close;
    const req = request({ host: "127.0.0.1", port: server.port, method: "POST", path: "/" });
    req.on("error", () => {});
    req.end();
    await called;
    req.destroy();
    expect(((await aborted) as Error).name).toBe("AbortError");
  });
});
