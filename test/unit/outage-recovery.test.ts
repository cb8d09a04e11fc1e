import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ItemsService, WatchItemsResponseSchema, WatchSnapshotSchema } from "../../shared/gen/statusthing/v1/services_pb.js";
import { startWatchLoop, type WatchLoop } from "../../web/src/lib/live/watch-loop.js";

/** A small seeded generator (mulberry32), so that the jitter is random yet the test repeatable. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DISPLAYS = 100;
const OUTAGE_MS = 40_000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("displays coming back after an outage (the real loop, default backoff, a fake clock)", () => {
  it("are live again within 5 s (p95) of the server answering, spread out rather than all at once", async () => {
    const start = Date.now();
    const upAt = start + OUTAGE_MS;
    // When each display's first attempt after the outage reached the server.
    const backAt = new Map<number, number>();
    const loops: WatchLoop[] = [];
    for (let display = 0; display < DISPLAYS; display++) {
      const transport = createRouterTransport(({ service }) => {
        service(ItemsService, {
          async *watchItems(_request, ctx) {
            if (Date.now() < upAt) throw new ConnectError("connection refused", Code.Unavailable);
            if (!backAt.has(display)) backAt.set(display, Date.now());
            yield create(WatchItemsResponseSchema, { revision: 1n, event: { case: "snapshot", value: create(WatchSnapshotSchema) } });
            await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          },
        });
      });
      const client = createClient(ItemsService, transport);
      loops.push(
        startWatchLoop({
          watchItems: (request, options) => client.watchItems(request, options),
          onMessage: () => {},
          onState: () => {},
          revision: () => 0n,
          heartbeatMs: () => 3_600_000,
          random: seeded(display + 1),
        }),
      );
    }
    // The outage, then 30 s of the server answering, in 100 ms steps of the fake clock.
    for (let t = 0; t < OUTAGE_MS + 30_000 && backAt.size < DISPLAYS; t += 100) await vi.advanceTimersByTimeAsync(100);
    for (const loop of loops) loop.stop();

    expect(backAt.size).toBe(DISPLAYS);
    const waits = [...backAt.values()].map((at) => at - upAt).sort((a, b) => a - b);
    const p95 = waits[Math.floor(waits.length * 0.95)]!;
    console.log(`recovery after a ${OUTAGE_MS / 1000} s outage, ${DISPLAYS} displays: median ${waits[DISPLAYS / 2]} ms, p95 ${p95} ms, max ${waits.at(-1)} ms`);
    expect(p95).toBeLessThanOrEqual(5_000);
    // Jitter: no half second holds more than a quarter of the displays.
    const perHalfSecond = new Map<number, number>();
    for (const wait of waits) perHalfSecond.set(Math.floor(wait / 500), (perHalfSecond.get(Math.floor(wait / 500)) ?? 0) + 1);
    expect(Math.max(...perHalfSecond.values())).toBeLessThan(DISPLAYS / 4);
  }, 60_000);
});
