import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport, type HandlerContext } from "@connectrpc/connect";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ItemsService,
  WatchHeartbeatSchema,
  WatchItemsResponseSchema,
  WatchSnapshotSchema,
  type WatchItemsRequest,
  type WatchItemsResponse,
} from "../../shared/gen/statusthing/v1/services_pb.js";
import { ItemSchema } from "../../shared/gen/statusthing/v1/types_pb.js";
import { watcherLimitReached } from "../../server/errors.js";
import { toConnectError } from "../../server/wire/client-error.js";
import { ItemsState } from "../../web/src/lib/live/items-state.js";
import { startWatchLoop, type ConnectionState, type WatchLoop, type WatchLoopOptions } from "../../web/src/lib/live/watch-loop.js";

const snapshot = (revision: number, ...names: string[]) =>
  create(WatchItemsResponseSchema, {
    revision: BigInt(revision),
    event: { case: "snapshot", value: create(WatchSnapshotSchema, { items: names.map((name) => create(ItemSchema, { id: name, name })) }) },
  });
const changed = (revision: number, name: string) =>
  create(WatchItemsResponseSchema, { revision: BigInt(revision), event: { case: "itemChanged", value: create(ItemSchema, { id: name, name }) } });
const heartbeat = (revision: number) => create(WatchItemsResponseSchema, { revision: BigInt(revision), event: { case: "heartbeat", value: create(WatchHeartbeatSchema) } });

/** Waits until the call is cancelled (the client went away). */
const untilAborted = (ctx: HandlerContext) => new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));

type Script = (request: WatchItemsRequest, ctx: HandlerContext, call: number) => AsyncIterable<WatchItemsResponse>;

/** The loop against an in-memory server whose WatchItems runs `script`, one call after another. */
function run(script: Script, heartbeatMs = 1_000, clock: Pick<WatchLoopOptions, "now" | "random" | "backoff"> = {}) {
  const requests: WatchItemsRequest[] = [];
  const transport = createRouterTransport(({ service }) => {
    service(ItemsService, {
      watchItems(request, ctx) {
        requests.push(request);
        return script(request, ctx, requests.length);
      },
    });
  });
  const client = createClient(ItemsService, transport);
  const state = new ItemsState();
  const phases: ConnectionState[] = [];
  const loop: WatchLoop = startWatchLoop({
    watchItems: (request, options) => client.watchItems(request, options),
    request: { extended: true },
    revision: () => state.revision,
    heartbeatMs: () => heartbeatMs,
    backoff: { initialMs: 10, maxMs: 40, factor: 2 },
    ...clock,
    onMessage: (message) => state.apply(message),
    onState: (s) => phases.push(s),
  });
  loops.push(loop);
  return { requests, state, phases, loop };
}

const loops: WatchLoop[] = [];
afterEach(() => {
  for (const loop of loops.splice(0)) loop.stop();
});

describe("the WatchItems loop", () => {
  it("applies a snapshot and then changes, and is live", async () => {
    const { state, phases, requests } = run(async function* (_request, ctx) {
      yield snapshot(3, "a", "b");
      yield changed(4, "c");
      await untilAborted(ctx);
    });
    await vi.waitFor(() => expect(state.revision).toBe(4n));
    expect([...state.items.keys()]).toEqual(["a", "b", "c"]);
    expect(phases[0]!.phase).toBe("connecting");
    expect(phases.at(-1)!.phase).toBe("live");
    expect(requests[0]).toMatchObject({ sinceRevision: 0n, extended: true });
  });

  it("reconnects after an error, resuming from the last revision it saw", async () => {
    const { state, phases, requests } = run(async function* (request, ctx, call) {
      if (call === 1) {
        yield snapshot(3, "a");
        yield heartbeat(5);
        throw new ConnectError("watcher too slow", Code.ResourceExhausted);
      }
      expect(request.sinceRevision).toBe(5n);
      yield changed(6, "b");
      await untilAborted(ctx);
    });
    await vi.waitFor(() => expect(state.revision).toBe(6n));
    expect(requests.map((r) => r.sinceRevision)).toEqual([0n, 5n]);
    const lost = phases.find((p) => p.phase === "reconnecting");
    expect(lost?.downSince).toBeTypeOf("number");
    expect(lost?.lastError).toMatch(/resource_exhausted/);
    expect(phases.at(-1)!.phase).toBe("live");
    expect(phases.at(-1)!.downSince).toBeUndefined();
  });

  it("reconnects when the server ends the stream normally (it is shutting down)", async () => {
    const { requests, phases } = run(async function* (_request, ctx, call) {
      yield snapshot(1);
      if (call === 1) return;
      await untilAborted(ctx);
    });
    await vi.waitFor(() => expect(requests).toHaveLength(2));
    expect(phases.some((p) => p.phase === "reconnecting")).toBe(true);
  });

  it("gives up on a stream that has gone silent for 2.5 heartbeat intervals, and reconnects", async () => {
    const started = Date.now();
    const { requests, phases } = run(async function* (_request, ctx, call) {
      yield snapshot(2);
      // The first stream never says anything again, as if the network dropped it silently.
      if (call >= 1) await untilAborted(ctx);
    }, 40);
    await vi.waitFor(() => expect(requests.length).toBeGreaterThanOrEqual(2));
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(requests[1]!.sinceRevision).toBe(2n);
    expect(phases.find((p) => p.phase === "reconnecting")?.lastError).toMatch(/no message for/);
  });

  it("backs off exponentially while the server keeps failing, up to the cap, and never gives up", async () => {
    // When each call really started (a real clock): the loop must wait, not only say it will.
    const startedAt: number[] = [];
    // A clock that stands still and jitter at its top: each retryAt is then exactly the wait chosen.
    const { phases } = run(
      // eslint-disable-next-line require-yield -- a server that fails every call yields nothing.
      async function* () {
        startedAt.push(performance.now());
        throw new ConnectError("connection refused", Code.Unavailable);
      },
      1_000,
      { now: () => 0, random: () => 1, backoff: { initialMs: 5, maxMs: 80, factor: 2 } },
    );
    await vi.waitFor(() => expect(startedAt.length).toBeGreaterThanOrEqual(7), { timeout: 5_000 });
    const waits = phases.filter((p) => p.retryAt !== undefined).map((p) => p.retryAt!);
    expect(waits.slice(0, 6)).toEqual([10, 20, 40, 80, 80, 80]);
    // Each retry came no sooner than its wait (timers may fire up to a millisecond early).
    const gaps = startedAt.slice(1, 7).map((at, i) => at - startedAt[i]!);
    gaps.forEach((gap, i) => expect(gap, `gap before retry ${i + 1}`).toBeGreaterThanOrEqual(waits[i]! - 2));
    expect(phases.map((p) => p.failures).slice(1, 7)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(phases.every((p) => p.phase === "connecting")).toBe(true); // never live yet: "connecting"
  });

  it("waits at least as long as the server's RetryInfo says (too many streams from this address)", async () => {
    let calls = 0;
    const { phases } = run(
      // eslint-disable-next-line require-yield -- a server that refuses the stream yields nothing.
      async function* () {
        calls++;
        throw toConnectError(watcherLimitReached(3));
      },
      1_000,
      { now: () => 0, random: () => 1, backoff: { initialMs: 5, maxMs: 80, factor: 2 } },
    );
    await vi.waitFor(() => expect(phases.some((p) => p.retryAt !== undefined)).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(phases.find((p) => p.retryAt !== undefined)?.retryAt).toBe(10_000);
    expect(calls).toBe(1);
  });

  it("stops: the open call is cancelled and no new one starts", async () => {
    let cancelled = false;
    const { loop, requests } = run(async function* (_request, ctx) {
      yield snapshot(1);
      await untilAborted(ctx);
      cancelled = true;
    });
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    loop.stop();
    await vi.waitFor(() => expect(cancelled).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(requests).toHaveLength(1);
  });
});
