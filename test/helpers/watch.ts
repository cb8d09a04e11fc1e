/**
 * Watch-stream clients for the live-update tests: one interface over the Connect, gRPC and
 * gRPC-Web clients and the `/ws` WebSocket feed; a client-side replay of a stream into state;
 * and a minimal HTTP/1.1 reader for raw Connect streams (chunked body, 5-byte envelopes).
 */
import { create, fromJsonString, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import WebSocket from "ws";
import { ItemsService, WatchItemsRequestSchema, WatchItemsResponseSchema, type WatchItemsResponse } from "../../shared/gen/statusthing/v1/services_pb.js";
import type { Item, Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { createTransport, type Protocol } from "./clients.js";

/** Every way to watch: the five RPC client set-ups and the WebSocket feed. */
export type WatchProtocol = Protocol | "ws";

/** The protocol name /healthz counts a watcher of this client under. */
export function hubProtocolOf(protocol: WatchProtocol): "connect" | "grpc" | "grpc-web" | "ws" {
  if (protocol === "ws") return "ws";
  if (protocol === "grpc-h2c") return "grpc";
  if (protocol === "grpc-web") return "grpc-web";
  return "connect";
}

export type WatchRequestInit = MessageInitShape<typeof WatchItemsRequestSchema>;

/** How a stream ended, as the client saw it. */
export interface WatchEnd {
  /** Connect code name ("invalid_argument", "resource_exhausted", ...) when the stream ended with an error. */
  code?: string;
  message?: string;
  /** For `/ws`: the close frame, and the error frame that came before it, if any. */
  wsClose?: { code: number; reason: string };
  /** The stream was ended by this client (abort / close), not by the server. */
  byClient?: boolean;
}

/** "InvalidArgument" → "invalid_argument", as Connect names codes on the wire. */
export function codeString(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

/** The state a client builds from a stream: the snapshot, then every change applied in order. */
export class ReplayedState {
  readonly items = new Map<string, Item>();
  readonly statuses = new Map<string, Status>();
  revision = 0;
  snapshots = 0;

  apply(message: WatchItemsResponse): void {
    const event = message.event;
    switch (event.case) {
      case "snapshot":
        this.items.clear();
        this.statuses.clear();
        for (const item of event.value.items) this.items.set(item.id, item);
        for (const status of event.value.statuses) this.statuses.set(status.id, status);
        this.snapshots++;
        break;
      case "itemChanged":
        // Map.set keeps an existing key's position: creation order survives updates.
        this.items.set(event.value.id, event.value);
        break;
      case "itemRemoved":
        this.items.delete(event.value);
        break;
      case "statusChanged":
        this.statuses.set(event.value.id, event.value);
        break;
      case "statusRemoved":
        this.statuses.delete(event.value);
        break;
      case "heartbeat":
      case undefined:
        return;
    }
    this.revision = Number(message.revision);
  }
}

/** The fields compared between a replayed stream and ListItems: plain data, easy to diff. */
export function projectItems(items: Iterable<Item>, extended: boolean) {
  return [...items].map((item) => ({
    id: item.id,
    name: item.name,
    description: item.description,
    status: item.status ? { id: item.status.id, name: item.status.name, color: item.status.color, kind: item.status.kind } : null,
    ...(extended ? { notes: item.notes.map((n) => ({ id: n.id, text: n.text })) } : { noteCount: item.notes.length }),
  }));
}

export function projectStatuses(statuses: Iterable<Status>) {
  return [...statuses].map((s) => ({ id: s.id, name: s.name, description: s.description, color: s.color, kind: s.kind }));
}

/** One open watch stream of any protocol. */
export interface Watch {
  readonly protocol: WatchProtocol;
  readonly request: WatchRequestInit;
  /** Every message received, heartbeats included (empty when keepMessages is false). */
  readonly messages: WatchItemsResponse[];
  /** The revision of every message but heartbeats, in arrival order (kept even without keepMessages). */
  readonly revisions: number[];
  /** How many heartbeats arrived. */
  heartbeats: number;
  readonly state: ReplayedState;
  /** The highest revision of any message but heartbeats; 0 before the first. */
  lastRevision: number;
  /** Settles when the stream has ended, never rejects. */
  readonly ended: Promise<WatchEnd>;
  /** Set once `ended` settled. */
  end: WatchEnd | undefined;
  /** Ends the stream from the client side. */
  close(): void;
}

export interface WatchOptions {
  /** Keep every message (default true); off for long streams where only revisions and state matter. */
  keepMessages?: boolean;
  /** Build the replayed state (default true). */
  replay?: boolean;
  /** Request headers, e.g. credentials (`authorization`, `cookie`); without them the watcher is anonymous. */
  headers?: Record<string, string>;
}

/** The `/ws` URL for a request: query parameters as WatchItemsRequest names them. */
export function wsUrl(baseUrl: string, request: WatchRequestInit): string {
  const url = new URL("/ws", baseUrl.replace(/^http/, "ws"));
  if (request.kinds?.length) url.searchParams.set("kinds", request.kinds.join(","));
  if (request.statusIds?.length) url.searchParams.set("status_ids", request.statusIds.join(","));
  if (request.extended) url.searchParams.set("extended", "true");
  if (request.includeIncidents) url.searchParams.set("include_incidents", "true");
  if (request.sinceRevision) url.searchParams.set("since_revision", String(request.sinceRevision));
  return url.toString();
}

/** Opens a watch stream over `protocol` and starts collecting what it sends. */
export function openWatch(baseUrl: string, protocol: WatchProtocol, request: WatchRequestInit = {}, options: WatchOptions = {}): Watch {
  const keep = options.keepMessages ?? true;
  const replay = options.replay ?? true;
  let settle!: (end: WatchEnd) => void;
  const ended = new Promise<WatchEnd>((resolve) => (settle = resolve));
  let closedByClient = false;
  const watch: Watch = {
    protocol,
    request,
    messages: [],
    revisions: [],
    heartbeats: 0,
    state: new ReplayedState(),
    lastRevision: 0,
    ended,
    end: undefined,
    close: () => {},
  };
  const finish = (end: WatchEnd) => {
    if (watch.end) return;
    watch.end = closedByClient ? { ...end, byClient: true } : end;
    settle(watch.end);
  };
  const receive = (message: WatchItemsResponse) => {
    if (keep) watch.messages.push(message);
    if (message.event.case === "heartbeat") {
      watch.heartbeats++;
      return;
    }
    const revision = Number(message.revision);
    watch.revisions.push(revision);
    if (revision > watch.lastRevision) watch.lastRevision = revision;
    if (replay) watch.state.apply(message);
  };

  if (protocol === "ws") {
    const socket = new WebSocket(wsUrl(baseUrl, request), { perMessageDeflate: false, headers: options.headers ?? {} });
    let errorFrame: { code?: string; message?: string } | undefined;
    socket.on("message", (data: WebSocket.RawData, isBinary: boolean) => {
      const text = isBinary ? "" : data.toString();
      const parsed = JSON.parse(text) as Record<string, unknown>;
      if (parsed.error && typeof parsed.error === "object") {
        errorFrame = parsed.error as { code?: string; message?: string };
        return;
      }
      receive(fromJsonString(WatchItemsResponseSchema, text));
    });
    socket.on("error", () => {});
    socket.on("close", (code: number, reason: Buffer) => {
      finish({ ...errorFrame, wsClose: { code, reason: reason.toString() } });
    });
    watch.close = () => {
      closedByClient = true;
      socket.terminate();
    };
    return watch;
  }

  // Watching is a public read: watchers are anonymous, as a status page's visitors are.
  const client = createClient(ItemsService, createTransport(protocol, baseUrl, { anonymous: true }));
  const abort = new AbortController();
  watch.close = () => {
    closedByClient = true;
    abort.abort();
  };
  void (async () => {
    try {
      for await (const message of client.watchItems(create(WatchItemsRequestSchema, request), { signal: abort.signal, headers: options.headers ?? {} })) receive(message);
      finish({});
    } catch (error) {
      const e = ConnectError.from(error);
      finish({ code: codeString(e.code), message: e.rawMessage });
    }
  })();
  return watch;
}

/** Polls `condition` every 10 ms; rejects after `timeoutMs` with `what` (and `detail()` if given). */
export async function pollUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string, detail?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `: ${detail()}` : ""}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** GET /healthz. */
export async function healthz(baseUrl: string): Promise<{ status: string; revision: number; watchers: Record<string, number> }> {
  const res = await fetch(`${baseUrl}/healthz`);
  return (await res.json()) as { status: string; revision: number; watchers: Record<string, number> };
}

/** Total open watchers /healthz reports. */
export function watcherTotal(watchers: Record<string, number>): number {
  return Object.values(watchers).reduce((a, b) => a + b, 0);
}

// ---- Raw HTTP/1.1 Connect streams ----

/** The bytes of a Connect-streaming WatchItems request over HTTP/1.1 with a JSON body. */
export function rawWatchRequest(host: string, port: number, body = "{}"): Buffer {
  const payload = Buffer.from(body);
  const envelope = Buffer.alloc(5);
  envelope.writeUInt32BE(payload.length, 1);
  const head =
    "POST /statusthing.v1.ItemsService/WatchItems HTTP/1.1\r\n" +
    `host: ${host}:${port}\r\n` +
    "content-type: application/connect+json\r\n" +
    "connect-protocol-version: 1\r\n" +
    `content-length: ${5 + payload.length}\r\n` +
    "\r\n";
  return Buffer.concat([Buffer.from(head), envelope, payload]);
}

/** An HTTP/1.1 response read from raw bytes, as far as they go. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The body, de-chunked as far as complete chunks go. */
  body: Buffer;
  /** The terminating zero-length chunk was seen. */
  complete: boolean;
}

export function parseRawResponse(bytes: Buffer): RawResponse | undefined {
  const headEnd = bytes.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  const lines = bytes.subarray(0, headEnd).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? "")?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let rest = bytes.subarray(headEnd + 4);
  if (headers["transfer-encoding"] !== "chunked") {
    return { status, headers, body: rest, complete: headers["content-length"] !== undefined && rest.length >= Number(headers["content-length"]) };
  }
  const parts: Buffer[] = [];
  for (;;) {
    const lineEnd = rest.indexOf("\r\n");
    if (lineEnd < 0) return { status, headers, body: Buffer.concat(parts), complete: false };
    const size = parseInt(rest.subarray(0, lineEnd).toString("latin1"), 16);
    if (size === 0) return { status, headers, body: Buffer.concat(parts), complete: true };
    if (rest.length < lineEnd + 2 + size + 2) return { status, headers, body: Buffer.concat(parts), complete: false };
    parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
}

/** The complete 5-byte-enveloped messages in `body`; a trailing partial one is left out. */
export function parseEnvelopes(body: Buffer): Array<{ flags: number; payload: Buffer }> {
  const frames: Array<{ flags: number; payload: Buffer }> = [];
  let offset = 0;
  while (offset + 5 <= body.length) {
    const length = body.readUInt32BE(offset + 1);
    if (offset + 5 + length > body.length) break;
    frames.push({ flags: body[offset]!, payload: body.subarray(offset + 5, offset + 5 + length) });
    offset += 5 + length;
  }
  return frames;
}

/** A deterministic pseudo-random generator (mulberry32), so a failing run can be repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
