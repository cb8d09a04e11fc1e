/**
 * The watcher's lag rule around a big snapshot: the part of a snapshot the client is still
 * taking does not count as lag; what is written after it does; a client that takes none of it
 * for lagGraceMs is dropped. The sink here is a byte counter standing in for a socket's buffer.
 */
import { create } from "@bufbuild/protobuf";
import { Code, type ConnectError } from "@connectrpc/connect";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { WatchHeartbeatSchema, WatchSnapshotSchema } from "../../shared/gen/statusthing/v1/services_pb.js";
import { WatchEvent } from "../../server/live/watch-event.js";
import { createWatchFilter } from "../../server/live/watch-filter.js";
import { Watcher, type WatchSink } from "../../server/live/watcher.js";
import { toConnectError } from "../../server/rpc/error-interceptor.js";

const MiB = 1024 * 1024;
const limits = { maxPendingBytes: 4 * MiB, lagGraceMs: 10_000, hardMaxPendingBytes: 16 * MiB, maxBacklog: 100 };

/** A sink whose unread bytes the test sets: each send adds `nextSize`, `read(n)` takes n. */
function createSink() {
  const sink = {
    pending: 0,
    nextSize: 100,
    ended: undefined as ConnectError | undefined | "ok",
    protocol: "test",
    format: "binary" as const,
    send() {
      sink.pending += sink.nextSize;
    },
    pendingBytes: () => sink.pending,
    // As every transport's sink does: the watcher ends with a domain error, the sink translates it.
    end(error?: Error) {
      sink.ended = error ? toConnectError(error) : "ok";
    },
    read(bytes: number) {
      sink.pending = Math.max(0, sink.pending - bytes);
    },
  };
  return sink;
}

const snapshotEvent = () => WatchEvent.of(1, { case: "snapshot", value: create(WatchSnapshotSchema, {}) });
const heartbeat = (revision: number) => WatchEvent.of(revision, { case: "heartbeat", value: create(WatchHeartbeatSchema) });
const change = (revision: number) => WatchEvent.of(revision, { case: "itemRemoved", value: `item${revision}` });

function start(sink: ReturnType<typeof createSink>, snapshotBytes: number): Watcher {
  const watcher = new Watcher(createWatchFilter([], [], true), sink as WatchSink, limits, () => {});
  sink.nextSize = snapshotBytes;
  watcher.sendDirect(snapshotEvent());
  watcher.goLive();
  sink.nextSize = 1_000;
  return watcher;
}

beforeEach(() => vi.useFakeTimers({ now: 0 }));
afterEach(() => vi.useRealTimers());

it("keeps a client that is taking a 40 MiB snapshot, however long it takes, while it makes progress", () => {
  const sink = createSink();
  const watcher = start(sink, 40 * MiB);
  for (let second = 1; second <= 60; second++) {
    vi.setSystemTime(second * 1_000);
    sink.read(MiB / 2);
    watcher.deliver(change(1 + second));
  }
  expect(sink.ended).toBeUndefined();
  expect(watcher.isClosed).toBe(false);
});

it("drops a client that takes none of its snapshot for longer than lagGraceMs", () => {
  const sink = createSink();
  const watcher = start(sink, 40 * MiB);
  vi.setSystemTime(5_000);
  watcher.heartbeat(heartbeat(1));
  expect(watcher.isClosed).toBe(false);
  vi.setSystemTime(10_001);
  watcher.heartbeat(heartbeat(1));
  expect(watcher.isClosed).toBe(true);
  expect(sink.ended !== "ok" && sink.ended?.code).toBe(Code.ResourceExhausted);
});

it("still counts what is written after the snapshot: over the hard limit is dropped at once", () => {
  const sink = createSink();
  const watcher = start(sink, 20 * MiB);
  sink.nextSize = 17 * MiB;
  watcher.deliver(change(2));
  expect(watcher.isClosed).toBe(true);
  expect(sink.ended !== "ok" && sink.ended?.code).toBe(Code.ResourceExhausted);
});

it("counts everything again once the snapshot is taken", () => {
  const sink = createSink();
  const watcher = start(sink, 20 * MiB);
  sink.read(20 * MiB);
  watcher.deliver(change(2));
  sink.nextSize = 5 * MiB;
  watcher.deliver(change(3));
  vi.setSystemTime(10_001);
  watcher.deliver(change(4));
  expect(watcher.isClosed).toBe(true);
});
