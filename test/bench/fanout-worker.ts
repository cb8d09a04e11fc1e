/**
 * A client process of the fan-out bench (test/bench/fanout.ts), driven over IPC. It holds many
 * watchers, each its own TCP connection to 127.0.0.1, on raw sockets with just enough HTTP/1.1
 * to keep its own CPU use low:
 *
 * - "connect": `POST /statusthing.v1.ItemsService/WatchItems`, `application/connect+json`, the
 *   request body one enveloped `{}`; the response is chunked and carries enveloped messages
 *   (flag 0x02 marks the end of the stream).
 * - "ws": a WebSocket upgrade (`GET /`), then unmasked server frames.
 *
 * Connections are grouped by target (mode and port), so watchers of two servers can be open at
 * once and their changes interleaved. A message counts as a change when it contains the marker
 * the bench said to expect in that group. Once every open connection of the group has received
 * it, the process reports the first and last receipt times, on `process.hrtime` (CLOCK_MONOTONIC
 * on Linux, so comparable across processes).
 */
import net from "node:net";

export type WorkerMode = "connect" | "ws";

/** Bench → worker. */
export type WorkerCommand =
  | { cmd: "connect"; id: number; mode: WorkerMode; host: string; port: number; count: number; batch: number; timeoutMs: number }
  | { cmd: "expect"; id: number; port: number; marker: string; capture: boolean }
  | { cmd: "close"; id: number; port: number }
  | { cmd: "status"; id: number; port?: number };

/** Worker → bench. */
export type WorkerMessage =
  | { type: "reply"; id: number; open: number; seen?: number; failed?: number; errors?: string[]; ms?: number }
  | { type: "round"; port: number; marker: string; first: number; last: number; received: number; sample?: string }
  | { type: "lost"; reason: string; open: number };

const WATCH_PATH = "/statusthing.v1.ItemsService/WatchItems";
const HEAD_END = Buffer.from("\r\n\r\n");
/** Every read lands in this one buffer (net's `onread`); what a connection must keep, it copies. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/** The watchers of one target (one server port). */
class Group {
  constructor(readonly port: number) {}
  readonly conns = new Set<Conn>();
  /** Connections that are ready (got their first message, or the 101) and not yet gone. */
  open = 0;
  closing = false;
  /** The one change the bench is waiting for, and who has seen it. */
  expected: { marker: Buffer; text: string; seen: number; first: number; last: number; capture: boolean; sample?: string; reported: boolean } | undefined;

  maybeReport(): void {
    const e = this.expected;
    if (!e || e.reported || e.seen < this.open) return;
    e.reported = true;
    send({ type: "round", port: this.port, marker: e.text, first: e.first, last: e.last, received: e.seen, ...(e.sample ? { sample: e.sample } : {}) });
  }
}

const groups = new Map<number, Group>();
function groupOf(port: number): Group {
  let group = groups.get(port);
  if (!group) groups.set(port, (group = new Group(port)));
  return group;
}

class Conn {
  readonly socket: net.Socket;
  ready = false;
  gone = false;
  private head: Buffer | undefined = Buffer.alloc(0);
  /** Bytes of a message (envelope or WebSocket frame) not complete yet; a copy. */
  private pending: Buffer | undefined;
  // Chunked transfer coding (connect mode).
  private chunkState: "size" | "ext" | "data" | "crlf" = "size";
  private chunkSize = 0;
  private chunkLeft = 0;
  private seenMarker: string | undefined;

  constructor(
    readonly mode: WorkerMode,
    host: string,
    port: number,
    private readonly group: Group,
    private readonly onReady: (conn: Conn, error?: string) => void,
  ) {
    this.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => this.onData(buf as Buffer, n) },
    });
    this.socket.once("connect", () => this.socket.write(this.request(host, port)));
    this.socket.once("error", (error) => this.fail(error.message));
    this.socket.once("close", () => this.fail("connection closed"));
  }

  private request(host: string, port: number): string | Buffer {
    if (this.mode === "ws") {
      return (
        `GET / HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`
      );
    }
    const message = Buffer.from("{}");
    const body = Buffer.alloc(5 + message.length);
    body.writeUInt32BE(message.length, 1);
    message.copy(body, 5);
    const head =
      `POST ${WATCH_PATH} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: application/connect+json\r\n` +
      `Connect-Protocol-Version: 1\r\nContent-Length: ${body.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head), body]);
  }

  /** Called by net with bytes in READ_BUFFER: parse now, copy only what must wait for more. */
  private onData(buf: Buffer, n: number): boolean {
    let data = buf.subarray(0, n);
    if (this.head) {
      const joined = this.head.length > 0 ? Buffer.concat([this.head, data]) : data;
      const end = joined.indexOf(HEAD_END);
      if (end === -1) {
        this.head = Buffer.from(joined);
        return true;
      }
      const head = joined.subarray(0, end).toString("latin1");
      this.head = undefined;
      const status = head.slice(0, head.indexOf("\r\n"));
      if (this.mode === "ws") {
        if (!/^HTTP\/1\.1 101 /.test(status)) return (this.fail(`upgrade refused: ${status}`), false);
        this.becomeReady();
      } else {
        if (!/^HTTP\/1\.1 200 /.test(status)) return (this.fail(`WatchItems answered ${status}`), false);
        if (!/\r\ntransfer-encoding: *chunked/i.test(head)) return (this.fail("WatchItems response is not chunked"), false);
      }
      data = joined.subarray(end + HEAD_END.length);
      if (data.length === 0) return true;
    }
    if (this.mode === "ws") this.frames(data);
    else this.chunks(data);
    return true;
  }

  /** Strips the chunked transfer coding and hands the payload bytes to `envelopes`. */
  private chunks(data: Buffer): void {
    let i = 0;
    while (i < data.length) {
      switch (this.chunkState) {
        case "size":
        case "ext": {
          const c = data[i++]!;
          if (c === 0x0a) {
            if (this.chunkSize === 0) return this.fail("stream ended (last chunk)");
            this.chunkLeft = this.chunkSize;
            this.chunkSize = 0;
            this.chunkState = "data";
          } else if (this.chunkState === "size" && c !== 0x0d) {
            const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
            if (v === -1) this.chunkState = "ext";
            else this.chunkSize = this.chunkSize * 16 + v;
          }
          break;
        }
        case "data": {
          const take = Math.min(this.chunkLeft, data.length - i);
          this.envelopes(data.subarray(i, i + take));
          i += take;
          this.chunkLeft -= take;
          if (this.chunkLeft === 0) {
            this.chunkState = "crlf";
            this.chunkLeft = 2;
          }
          break;
        }
        case "crlf":
          i++;
          if (--this.chunkLeft === 0) this.chunkState = "size";
          break;
      }
    }
  }

  /** Splits Connect envelopes: [flags, uint32 BE length, message]. */
  private envelopes(data: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    this.pending = undefined;
    while (buf.length >= 5) {
      const length = buf.readUInt32BE(1);
      if (buf.length < 5 + length) break;
      const flags = buf[0]!;
      if (flags & 0x02)
        return this.fail(
          `end of stream: ${buf
            .subarray(5, 5 + length)
            .toString("utf8")
            .slice(0, 200)}`,
        );
      this.message(buf.subarray(5, 5 + length));
      buf = buf.subarray(5 + length);
    }
    if (buf.length > 0) this.pending = Buffer.from(buf);
  }

  /** Splits WebSocket frames from the server (never masked). */
  private frames(data: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    this.pending = undefined;
    while (buf.length >= 2) {
      const opcode = buf[0]! & 0x0f;
      let length = buf[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (buf.length < 4) break;
        length = buf.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (buf.length < 10) break;
        length = Number(buf.readBigUInt64BE(2));
        at = 10;
      }
      if (buf.length < at + length) break;
      if (opcode === 0x8) return this.fail("WebSocket closed by the server");
      if (opcode <= 0x2) this.message(buf.subarray(at, at + length));
      buf = buf.subarray(at + length);
    }
    if (buf.length > 0) this.pending = Buffer.from(buf);
  }

  private message(payload: Buffer): void {
    if (!this.ready) this.becomeReady(); // connect: the first message (the snapshot)
    const e = this.group.expected;
    if (!e || this.seenMarker === e.text || payload.indexOf(e.marker) === -1) return;
    const t = nowMs();
    this.seenMarker = e.text;
    if (e.seen === 0) {
      e.first = t;
      if (e.capture) e.sample = payload.toString("base64");
    }
    e.seen++;
    e.last = t;
    this.group.maybeReport();
  }

  private becomeReady(): void {
    if (this.ready || this.gone) return;
    this.ready = true;
    this.group.open++;
    this.onReady(this);
  }

  /** The connection failed or ended: drop it; if it was a watcher, say so (unless we closed it). */
  private fail(reason: string): void {
    if (this.gone) return;
    this.gone = true;
    this.group.conns.delete(this);
    if (!this.socket.destroyed) this.socket.destroy();
    if (this.ready) {
      this.group.open--;
      if (!this.group.closing) send({ type: "lost", reason, open: this.group.open });
      this.group.maybeReport();
    } else {
      this.onReady(this, reason);
    }
  }

  /** Closes with a RST: no TIME_WAIT left behind on either side's ports. */
  reset(): void {
    this.gone = true;
    if (this.ready) this.group.open--;
    this.group.conns.delete(this);
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
  }
}

/** Opens `count` connections, `batch` in flight at a time, each waited for until ready. */
async function connectMany(command: Extract<WorkerCommand, { cmd: "connect" }>): Promise<{ failed: number; errors: string[] }> {
  let failed = 0;
  const errors: string[] = [];
  let left = command.count;
  const deadline = Date.now() + command.timeoutMs;
  while (left > 0) {
    const size = Math.min(command.batch, left);
    left -= size;
    await new Promise<void>((done) => {
      let waiting = size;
      const timer = setTimeout(
        () => {
          for (const conn of batch) {
            if (!conn.ready && !conn.gone) {
              failed++;
              if (errors.length < 5) errors.push("not ready in time");
              conn.reset();
            }
          }
          done();
        },
        Math.max(1, deadline - Date.now()),
      );
      const onReady = (_conn: Conn, error?: string) => {
        if (error) {
          failed++;
          if (errors.length < 5) errors.push(error);
        }
        if (--waiting === 0) {
          clearTimeout(timer);
          done();
        }
      };
      const batch: Conn[] = [];
      const group = groupOf(command.port);
      for (let i = 0; i < size; i++) {
        const conn = new Conn(command.mode, command.host, command.port, group, onReady);
        group.conns.add(conn);
        batch.push(conn);
      }
    });
    if (Date.now() > deadline) {
      failed += left;
      if (left > 0 && errors.length < 5) errors.push(`${left} never started: out of time`);
      break;
    }
  }
  return { failed, errors };
}

process.on("message", (raw: unknown) => {
  const command = raw as WorkerCommand;
  switch (command.cmd) {
    case "connect": {
      const group = groupOf(command.port);
      group.closing = false;
      const started = nowMs();
      void connectMany(command).then(({ failed, errors }) => send({ type: "reply", id: command.id, open: group.open, failed, errors, ms: nowMs() - started }));
      break;
    }
    case "expect": {
      const group = groupOf(command.port);
      group.expected = { marker: Buffer.from(command.marker), text: command.marker, seen: 0, first: NaN, last: NaN, capture: command.capture, reported: false };
      send({ type: "reply", id: command.id, open: group.open });
      // With no watchers here, there is nothing to wait for.
      group.maybeReport();
      break;
    }
    case "close": {
      const group = groupOf(command.port);
      group.closing = true;
      group.expected = undefined;
      for (const conn of [...group.conns]) conn.reset();
      groups.delete(command.port);
      send({ type: "reply", id: command.id, open: group.open });
      break;
    }
    case "status": {
      const group = command.port === undefined ? undefined : groups.get(command.port);
      send({ type: "reply", id: command.id, open: group?.open ?? 0, seen: group?.expected?.seen ?? 0 });
      break;
    }
  }
});
// The bench went away: so do we.
process.on("disconnect", () => process.exit(0));
