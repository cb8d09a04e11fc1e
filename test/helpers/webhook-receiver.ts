import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/**
 * Verifies a Standard Webhooks signature by the specification, independently of the library the
 * server signs with: the signed content is `<webhook-id>.<webhook-timestamp>.<body>`, the key the
 * base64 after `whsec_`, the signature `v1,` + base64(HMAC-SHA256(key, content)); the header may
 * carry several, space-separated, and one match is enough. The timestamp must be within 5 minutes.
 */
export function verifyStandardWebhook(secret: string, headers: IncomingMessage["headers"], body: string, now = Date.now()): string | undefined {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signature = headers["webhook-signature"];
  if (typeof id !== "string" || typeof timestamp !== "string" || typeof signature !== "string") return "missing webhook-* headers";
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > 300) return `timestamp ${timestamp} is too far from now`;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  for (const part of signature.split(" ")) {
    const [version, value] = part.split(",", 2);
    if (version !== "v1" || !value) continue;
    const given = Buffer.from(value, "base64");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
  }
  return "no signature matches";
}

/** One request the receiver took. */
export interface Received {
  id: string;
  headers: IncomingMessage["headers"];
  body: string;
  json: Record<string, unknown>;
  /** The verification problem with each secret tried, undefined when it verified. */
  verified: Array<string | undefined>;
}

/** How the receiver answers now. */
export type ReceiverMode = "ok" | "fail" | "hang" | "reset";

/**
 * A real HTTP receiver on a real port: verifies every request's signature against the secrets it
 * knows, keeps the requests it accepted (deduped by webhook-id, as a receiver should) and every
 * request it saw, and answers as told (2xx, 503, never, or a reset connection).
 */
export class WebhookReceiver {
  mode: ReceiverMode = "ok";
  secrets: string[] = [];
  /** Everything that arrived, accepted or not. */
  readonly seen: Received[] = [];
  /** Accepted requests, first delivery of each id only, in arrival order. */
  readonly accepted: Received[] = [];
  /** Ids accepted more than once (at-least-once delivery may repeat; this counts how often). */
  readonly repeats: string[] = [];
  /** Signature problems seen on accepted requests. */
  readonly badSignatures: string[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  port = 0;

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async listen(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Types of accepted events, in order. */
  types(): string[] {
    return this.accepted.map((r) => r.json.type as string);
  }

  /** Lets hanging requests go (answered 200). */
  release(): void {
    for (const res of this.hanging) if (!res.writableEnded) res.end();
    this.hanging.clear();
  }

  async close(): Promise<void> {
    this.release();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        json = { unparsable: body };
      }
      const received: Received = {
        id: String(req.headers["webhook-id"]),
        headers: req.headers,
        body,
        json,
        verified: this.secrets.map((s) => verifyStandardWebhook(s, req.headers, body)),
      };
      this.seen.push(received);
      switch (this.mode) {
        case "fail":
          res.writeHead(503).end("down for maintenance");
          return;
        case "reset":
          req.socket.destroy();
          return;
        case "hang":
          this.hanging.add(res);
          return;
        case "ok": {
          if (this.secrets.length > 0 && !received.verified.some((v) => v === undefined)) this.badSignatures.push(`${received.id}: ${received.verified.join("; ")}`);
          if (this.accepted.some((r) => r.id === received.id)) this.repeats.push(received.id);
          else this.accepted.push(received);
          res.writeHead(204).end();
        }
      }
    });
  }
}

/** Polls `condition` until it holds (generous timeout: the machine may be loaded). */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
