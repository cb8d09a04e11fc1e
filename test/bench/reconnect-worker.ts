/**
 * A client process of the reconnect-storm bench (test/bench/reconnect-storm.ts), driven over IPC.
 * It holds `count` WatchItems streams (Connect, application/connect+json, one TCP connection
 * each) and behaves as the web app does when its server goes away: every stream that ends is
 * opened again after the app's own backoff (web/src/lib/live/backoff.ts: 0.5 s doubling to 4 s,
 * equal jitter), asking to resume with `since_revision` = the last revision it saw.
 *
 * For each stream it notes what its first message after a reconnect was: a snapshot (the server
 * could not resume it) or a change (resumed), and when the change the bench is waiting for arrived.
 */
import http from "node:http";
import { backoffDelay } from "../../web/src/lib/live/backoff.js";

/** Bench → worker. */
export type ReconnectCommand =
  | { cmd: "open"; port: number; count: number }
  /** Wait, on every stream, for the next item change after the revision that stream has now. */
  | { cmd: "expect" }
  | { cmd: "report" }
  | { cmd: "close" };

/** Worker → bench. */
export type ReconnectMessage =
  | { type: "opened"; open: number; failed: number }
  | { type: "arrived"; last: number; count: number }
  | {
      type: "report";
      /** Streams opened again after the first time. */
      reconnects: number;
      /** Of those, how many began with a snapshot (not resumed) and how many with a reset snapshot. */
      snapshots: number;
      resets: number;
      /** Attempts refused (connection refused, non-200) while the server was away or busy. */
      refusedAttempts: number;
      /** Answers other than 200 by status, and the stream errors (end-of-stream codes). */
      statuses: Record<string, number>;
      endCodes: Record<string, number>;
    };

const WATCH_PATH = "/statusthing.v1.ItemsService/WatchItems";
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const send = (message: ReconnectMessage) => process.send?.(message);

let port = 0;
let closing = false;
let expected: { seen: number; last: number } | undefined;
const stats = { reconnects: 0, snapshots: 0, resets: 0, refusedAttempts: 0, statuses: {} as Record<string, number>, endCodes: {} as Record<string, number> };
const count = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);

class Watcher {
  revision = 0;
  /** Whether the change the bench waits for reached this stream. */
  sawExpected = false;
  expectAfter = 0;
  private attempt = 0;
  private opened = 0;
  private request: http.ClientRequest | undefined;

  constructor(private readonly onFirst: (ok: boolean) => void) {}

  open(): void {
    if (closing) return;
    const since = this.revision;
    const body = Buffer.from(JSON.stringify(since > 0 ? { sinceRevision: String(since) } : {}));
    const envelope = Buffer.alloc(5 + body.length);
    envelope.writeUInt32BE(body.length, 1);
    body.copy(envelope, 5);
    const req = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: WATCH_PATH,
      agent: false,
      headers: { "content-type": "application/connect+json", "connect-protocol-version": "1", "content-length": envelope.length },
    });
    this.request = req;
    let first = true;
    let pending: Buffer = Buffer.alloc(0);
    req.on("response", (res) => {
      if (res.statusCode !== 200) {
        count(stats.statuses, String(res.statusCode));
        res.resume();
        return;
      }
      res.on("data", (chunk: Buffer) => {
        pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
        while (pending.length >= 5) {
          const length = pending.readUInt32BE(1);
          if (pending.length < 5 + length) break;
          const flags = pending[0]!;
          const message = JSON.parse(pending.subarray(5, 5 + length).toString("utf8")) as Record<string, unknown>;
          pending = pending.subarray(5 + length);
          if (flags & 0x02) {
            const error = message.error as { code?: string } | undefined;
            if (error) count(stats.endCodes, error.code ?? "unknown");
            continue;
          }
          this.onMessage(message, first);
          first = false;
        }
      });
    });
    req.on("close", () => {
      if (this.request !== req || closing) return;
      if (first) stats.refusedAttempts++;
      else this.attempt = 0;
      setTimeout(() => this.open(), backoffDelay(this.attempt++));
    });
    req.on("error", () => {}); // "close" follows and retries
    req.end(envelope);
  }

  private onMessage(message: Record<string, unknown>, first: boolean): void {
    const revision = Number(message.revision ?? 0);
    if (first) {
      if (this.opened++ === 0) this.onFirst(true);
      else {
        stats.reconnects++;
        const snapshot = message.snapshot as { reset?: boolean } | undefined;
        if (snapshot) stats.snapshots++;
        if (snapshot?.reset) stats.resets++;
      }
    }
    if (revision > this.revision) this.revision = revision;
    if (expected && !this.sawExpected && revision > this.expectAfter && message.itemChanged !== undefined) {
      this.sawExpected = true;
      expected.seen++;
      expected.last = nowMs();
      if (expected.seen === watchers.length) send({ type: "arrived", last: expected.last, count: expected.seen });
    }
  }

  close(): void {
    this.request?.destroy();
  }
}

const watchers: Watcher[] = [];

process.on("message", (raw: unknown) => {
  const command = raw as ReconnectCommand;
  switch (command.cmd) {
    case "open": {
      port = command.port;
      let answered = 0;
      for (let i = 0; i < command.count; i++) {
        const watcher = new Watcher(() => {
          if (++answered === command.count) send({ type: "opened", open: answered, failed: 0 });
        });
        watchers.push(watcher);
        watcher.open();
      }
      break;
    }
    case "expect":
      expected = { seen: 0, last: 0 };
      for (const w of watchers) {
        w.sawExpected = false;
        w.expectAfter = w.revision;
      }
      break;
    case "report":
      send({ type: "report", ...stats });
      break;
    case "close":
      closing = true;
      for (const w of watchers) w.close();
      setTimeout(() => process.exit(0), 100).unref();
      break;
  }
});
