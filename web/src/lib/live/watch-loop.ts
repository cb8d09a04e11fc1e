import { Code, ConnectError } from "@connectrpc/connect";
import type { WatchItemsResponse } from "../../../../shared/gen/statusthing/v1/services_pb.js";
import type { StatusKind } from "../../../../shared/gen/statusthing/v1/types_pb.js";
import { retryAfterSeconds } from "../../../../shared/retry-after.js";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.js";

/** Where the connection is: first connecting, live, or waiting to try again after losing it. */
export type ConnectionPhase = "connecting" | "live" | "reconnecting";

/** The connection as a page shows it. */
export interface ConnectionState {
  readonly phase: ConnectionPhase;
  /** Since when (epoch ms) the page has had no live stream; undefined while live. */
  readonly downSince?: number;
  /** When (epoch ms) the next attempt starts, while waiting for it. */
  readonly retryAt?: number;
  /** Why the last attempt ended, in words for a tooltip or the console. */
  readonly lastError?: string;
  /** The Connect code it ended with, when the server refused (e.g. unauthenticated on a private page). */
  readonly lastCode?: Code;
  /** Attempts in a row that failed without ever being healthy. */
  readonly failures: number;
}

/** The filters of a watch; the loop adds `sinceRevision` itself. */
export interface WatchFilterRequest {
  statusIds?: string[];
  kinds?: StatusKind[];
  extended?: boolean;
  includeGroups?: boolean;
  includeSettings?: boolean;
  /** Ask for open incidents and upcoming or active maintenance too (snapshot and events). */
  includeIncidents?: boolean;
}

/** The `WatchItems` call as the loop needs it: the generated client's method fits. */
export type WatchItemsFn = (
  request: WatchFilterRequest & { sinceRevision: bigint },
  options: { signal: AbortSignal; onHeader?: (headers: Headers) => void },
) => AsyncIterable<WatchItemsResponse>;

export interface WatchLoopOptions {
  watchItems: WatchItemsFn;
  request?: WatchFilterRequest;
  /** Each message, in order; heartbeats included. */
  onMessage(message: WatchItemsResponse): void;
  onState(state: ConnectionState): void;
  /** The revision to resume from: the last one applied (0 for a snapshot). */
  revision(): bigint;
  /** The server's heartbeat interval; read at each reset of the watchdog. */
  heartbeatMs(): number;
  backoff?: BackoffOptions;
  /** How many heartbeat intervals of silence mean the stream is dead. */
  silenceFactor?: number;
  now?: () => number;
  random?: () => number;
}

/** A running loop: stop it, or skip the wait before the next attempt. */
export interface WatchLoop {
  stop(): void;
  /** Tries now instead of when the backoff says (the browser is back online, the tab is visible). */
  retryNow(): void;
}

/** Open this long after its headers without an error, a stream counts as live (no message needed). */
const SETTLE_MS = 250;
/** A stream that stayed open this long was healthy: the next failure starts the backoff over. */
const HEALTHY_AFTER_MS = 5_000;

/**
 * Keeps one `WatchItems` stream open for as long as it runs:
 *
 * 1. Calls `WatchItems` with `since_revision` = the last revision applied, so after the first
 *    snapshot a reconnect gets only what it missed (or a snapshot with `reset` if that is gone).
 * 2. Counts the stream live at its first message, or shortly after its response headers when no
 *    error follows them (a resume that missed nothing gets no message until the next heartbeat).
 * 3. A watchdog aborts the attempt after `silenceFactor` heartbeat intervals without a message,
 *    so a stream that died without closing (a sleeping laptop, a proxy that dropped it) is noticed.
 * 4. Whenever the stream ends — error, watchdog, or a normal end at server shutdown — waits a
 *    jittered, exponentially growing delay and goes back to 1. It never gives up.
 */
export function startWatchLoop(options: WatchLoopOptions): WatchLoop {
  const now = options.now ?? Date.now;
  const silenceFactor = options.silenceFactor ?? 2.5;
  const stopped = new AbortController();
  let failures = 0;
  let downSince: number | undefined;
  let everLive = false;
  let wake: (() => void) | undefined;

  const report = (state: Omit<ConnectionState, "failures">) => options.onState({ ...state, failures });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopped.signal.removeEventListener("abort", done);
        wake = undefined;
        resolve();
      }
      wake = done;
      stopped.signal.addEventListener("abort", done);
    });

  const runOnce = async (): Promise<{ healthy: boolean; error?: string; code?: Code; retryAfterMs?: number }> => {
    const call = new AbortController();
    const onStop = () => call.abort();
    stopped.signal.addEventListener("abort", onStop);
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    let silent = false;
    const feedWatchdog = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        silent = true;
        call.abort();
      }, options.heartbeatMs() * silenceFactor);
    };
    let openedAt: number | undefined;
    let received = 0;
    let settling: ReturnType<typeof setTimeout> | undefined;
    const goLive = () => {
      clearTimeout(settling);
      if (openedAt !== undefined) return;
      openedAt = now();
      everLive = true;
      downSince = undefined;
      report({ phase: "live" });
    };
    // A stream that delivered, or stayed open a while, was fine: its end starts the backoff over.
    const wasHealthy = () => received > 0 || (openedAt !== undefined && now() - openedAt >= HEALTHY_AFTER_MS);
    // Headers alone come before an error too: count them as live only if no error follows at once.
    const onHeader = () => {
      settling = setTimeout(goLive, SETTLE_MS);
    };
    feedWatchdog();
    try {
      const stream = options.watchItems({ ...options.request, sinceRevision: options.revision() }, { signal: call.signal, onHeader });
      for await (const message of stream) {
        feedWatchdog();
        goLive();
        received++;
        options.onMessage(message);
      }
      // A normal end: the server is shutting down, so that clients move to another one.
      return { healthy: wasHealthy(), error: "the server ended the stream" };
    } catch (error) {
      if (stopped.signal.aborted) return { healthy: true };
      const healthy = wasHealthy();
      if (silent) return { healthy, error: `no message for ${Math.round((options.heartbeatMs() * silenceFactor) / 1000)} s` };
      const refused = ConnectError.from(error);
      // The server may say how long to wait (RetryInfo, e.g. too many streams from this address).
      const retryAfter = retryAfterSeconds(refused);
      return { healthy, error: refused.message, code: refused.code, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter * 1000 } : {}) };
    } finally {
      clearTimeout(watchdog);
      clearTimeout(settling);
      stopped.signal.removeEventListener("abort", onStop);
      call.abort();
    }
  };

  void (async () => {
    report({ phase: "connecting" });
    while (!stopped.signal.aborted) {
      const result = await runOnce();
      if (stopped.signal.aborted) break;
      failures = result.healthy ? 0 : failures + 1;
      downSince ??= now();
      const delay = Math.max(backoffDelay(failures, options.backoff ?? DEFAULT_BACKOFF, options.random), result.retryAfterMs ?? 0);
      report({
        phase: everLive ? "reconnecting" : "connecting",
        downSince,
        retryAt: now() + delay,
        ...(result.error ? { lastError: result.error } : {}),
        ...(result.code !== undefined ? { lastCode: result.code } : {}),
      });
      await sleep(delay);
    }
  })();

  return {
    stop: () => stopped.abort(),
    retryNow: () => wake?.(),
  };
}
