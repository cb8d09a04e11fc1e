import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ItemsService } from "../../shared/gen/statusthing/v1/services_pb.js";
import { CallValues } from "../../server/rpc/call-values.js";
import { StreamContext, StreamShutdown, type StreamContextInit } from "../../server/rpc/stream-context.js";

function context(init: Partial<StreamContextInit> = {}): StreamContext {
  return new StreamContext({
    service: ItemsService,
    method: ItemsService.method.watchItems,
    protocolName: "connect",
    url: "http://localhost/statusthing.v1.ItemsService/WatchItems",
    requestHeaders: { host: "localhost", "content-type": "application/connect+json" },
    responseHeader: { "content-type": "application/connect+json" },
    values: new CallValues(),
    timeoutMs: undefined,
    shutdown: undefined,
    ...init,
  });
}

/** Records what a StreamContext tells its listener. */
function listener(): { streamAborted(reason: unknown): void; told: unknown[] } {
  const told: unknown[] = [];
  return { told, streamAborted: (reason) => told.push(reason) };
}

describe("StreamContext: its signal made only when read, with Connect's reasons", () => {
  it("gives an AbortError when the client went away, whether the signal was read before or after", () => {
    const early = context();
    const signal = early.signal;
    early.clientGone();
    const late = context();
    late.clientGone();
    for (const s of [signal, late.signal]) {
      expect(s.aborted).toBe(true);
      expect((s.reason as Error).name).toBe("AbortError");
    }
  });

  it("gives deadline_exceeded when the deadline passes, to the signal and to the listener", async () => {
    const ctx = context({ timeoutMs: 20 });
    const own = listener();
    ctx.listen(own);
    expect(ctx.timeoutMs()).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(own.told).toHaveLength(1);
    expect(ConnectError.from(own.told[0]).code).toBe(Code.DeadlineExceeded);
    expect(ConnectError.from(ctx.signal.reason).code).toBe(Code.DeadlineExceeded);
  });

  it("is aborted at once with a deadline already passed, and tells a listener added later", () => {
    const ctx = context({ timeoutMs: 0 });
    const own = listener();
    ctx.listen(own);
    expect(own.told).toHaveLength(1);
    expect(ctx.signal.aborted).toBe(true);
  });

  it("is aborted with the shutdown signal's reason, by one listener for all its streams, and forgotten once ended", () => {
    const server = new AbortController();
    const shutdown = new StreamShutdown(server.signal);
    const open = context({ shutdown });
    const ended = context({ shutdown });
    const own = listener();
    open.listen(own);
    ended.abort();
    const endedReason = ended.signal.reason as Error;
    server.abort("stopping");
    expect(own.told).toEqual(["stopping"]);
    expect(open.signal.reason).toBe("stopping");
    expect(endedReason.name).toBe("AbortError");
    expect((ended.signal.reason as Error).name).toBe("AbortError");
    // A stream that starts after the shutdown began is aborted at once.
    expect(context({ shutdown }).signal.reason).toBe("stopping");
  });

  it("tells a listener once, and not after it stopped listening", () => {
    const ctx = context();
    const own = listener();
    ctx.listen(own);
    ctx.listen(undefined);
    ctx.abort();
    ctx.abort();
    expect(own.told).toEqual([]);
  });

  it("reads the request's headers from Node's object, before and after the stream started", () => {
    const ctx = context();
    expect(ctx.requestHeader.get("content-type")).toBe("application/connect+json");
    ctx.started();
    expect(ctx.requestHeader.get("host")).toBe("localhost");
    expect(ctx.responseTrailer).toBe(ctx.responseTrailer);
    expect(ctx.requestMethod).toBe("POST");
  });
});
