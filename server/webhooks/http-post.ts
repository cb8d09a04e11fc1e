import http from "node:http";
import https from "node:https";
import { guardedLookup, refusedAddress, refusedLiteral } from "./address-guard.js";

/** How one POST went: never thrown, always reported. */
export interface PostOutcome {
  /** The HTTP status, 0 when none came. */
  statusCode: number;
  durationMs: number;
  /** "" for a 2xx answer; else what went wrong, in a few words for the admin. */
  error: string;
}

/** Limits on one webhook request. */
export interface PostLimits {
  /** The whole request, connect to last byte read (default 10 s). */
  timeoutMs?: number;
  /** Allow loopback, private and link-local addresses (`--allow-private-webhooks`). */
  allowPrivate: boolean;
  /** How much of the answer is read before the connection is dropped (default 64 KiB). */
  maxResponseBytes?: number;
}

const USER_AGENT = "StatusThing-Webhooks/1";

/**
 * Connections kept open between deliveries (a receiver gets events one after another), one pool
 * per guard setting; a pooled socket's address was checked when it connected.
 */
const agents = {
  guarded: { http: new http.Agent({ keepAlive: true, maxSockets: 16, lookup: guardedLookup }), https: new https.Agent({ keepAlive: true, maxSockets: 16, lookup: guardedLookup }) },
  open: { http: new http.Agent({ keepAlive: true, maxSockets: 16 }), https: new https.Agent({ keepAlive: true, maxSockets: 16 }) },
};

/**
 * POSTs `body` to `url` as a webhook does: no redirects followed (a 3xx is a failure), refused
 * addresses refused at connect time (see address-guard.ts), one deadline for the whole exchange,
 * and only a bounded part of the answer read. Resolves in every case.
 */
export function postWebhook(url: string, body: string, headers: Record<string, string>, limits: PostLimits): Promise<PostOutcome> {
  const started = performance.now();
  const timeoutMs = limits.timeoutMs ?? 10_000;
  const maxBytes = limits.maxResponseBytes ?? 64 * 1024;
  const done = (statusCode: number, error: string): PostOutcome => ({ statusCode, durationMs: Math.round(performance.now() - started), error });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(done(0, "the URL is not valid"));
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") return Promise.resolve(done(0, "only http and https URLs are sent to"));
  if (!limits.allowPrivate) {
    const refused = refusedLiteral(target);
    if (refused) return Promise.resolve(done(0, `refused: ${refused} (see --allow-private-webhooks)`));
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const secure = target.protocol === "https:";
    const pool = limits.allowPrivate ? agents.open : agents.guarded;
    const req = (secure ? https : http).request(target, {
      method: "POST",
      agent: secure ? pool.https : pool.http,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body).toString(), "user-agent": USER_AGENT, ...headers },
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(done(0, `timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    req.on("socket", (socket) => {
      // A reused connection was checked when it connected.
      if (!socket.connecting) return;
      // The address actually connected to, checked once more: whatever resolved it, this is where the bytes go.
      socket.once("connect", () => {
        const refused = !limits.allowPrivate && socket.remoteAddress ? refusedAddress(socket.remoteAddress) : undefined;
        if (refused) {
          req.destroy();
          finish(done(0, `refused: ${refused} (see --allow-private-webhooks)`));
        }
      });
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      const reason = error.code === "EREFUSEDADDRESS" ? `${error.message} (see --allow-private-webhooks)` : error.code ? `${error.code}: ${error.message}` : error.message;
      finish(done(0, reason.slice(0, 500)));
    });
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      let read = 0;
      const settle = () => {
        if (status >= 200 && status < 300) finish(done(status, ""));
        else if (status >= 300 && status < 400) finish(done(status, `HTTP ${status}: redirects are not followed`));
        else finish(done(status, `HTTP ${status}`));
      };
      res.on("data", (chunk: Buffer) => {
        read += chunk.length;
        // Enough is known from the status: the rest of a large answer is not waited for.
        if (read > maxBytes) {
          settle();
          res.destroy();
          req.destroy();
        }
      });
      res.on("end", settle);
      res.on("error", settle);
      res.on("close", settle);
    });
    req.end(body);
  });
}
