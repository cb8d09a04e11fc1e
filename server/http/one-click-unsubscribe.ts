/**
 * RFC 8058 one-click unsubscribe: `POST /subscription/unsubscribe?token=…` with the form body
 * `List-Unsubscribe=One-Click`, as mail providers send it when a reader presses their
 * "Unsubscribe" button (from their servers: cross-site, no cookies). The token is the credential,
 * so it is open even with --private. A GET of the same path is the web app's page.
 */
import { DomainError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { readBody } from "../rpc/body-reader.js";
import type { CallRecord } from "../rpc/call-record.js";
import type { SubscriptionsService } from "../service/subscriptions.js";

export const ONE_CLICK_PATH = "/subscription/unsubscribe";
const BODY_MAX_BYTES = 4096;

function answer(res: NodeResponse, record: CallRecord, status: number, text: string): void {
  record.code = status === 200 ? "ok" : status === 400 ? "invalid_argument" : status === 404 ? "not_found" : "internal";
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Whether the body says `List-Unsubscribe=One-Click` (urlencoded, or as a multipart form field). */
function saysOneClick(contentType: string, body: string): boolean {
  if (contentType.startsWith("multipart/form-data")) return /name="?List-Unsubscribe"?\s*\r?\n\r?\nOne-Click\b/i.test(body);
  return new URLSearchParams(body).get("List-Unsubscribe") === "One-Click";
}

/** Returns a handler that serves the one-click POST and returns false for anything else. */
export function createOneClickUnsubscribe(options: {
  subscriptions: SubscriptionsService;
  log: Logger;
}): (req: NodeRequest, res: NodeResponse, record: CallRecord, path: string) => boolean {
  return (req, res, record, path) => {
    if (path !== ONE_CLICK_PATH || req.method !== "POST") return false;
    void (async () => {
      if (!options.subscriptions.offered) return answer(res, record, 404, "This page does not send email.\n");
      const token = new URL(req.url ?? "/", "http://x").searchParams.get("token") ?? "";
      const body = await readBody(req, BODY_MAX_BYTES);
      if (body === undefined) return answer(res, record, 400, `The body must be the form List-Unsubscribe=One-Click (at most ${BODY_MAX_BYTES} bytes).\n`);
      const contentType = String(req.headers["content-type"] ?? "").toLowerCase();
      if (!saysOneClick(contentType, body.toString("utf8"))) return answer(res, record, 400, "The body must be the form List-Unsubscribe=One-Click (RFC 8058).\n");
      if (token.trim() === "") return answer(res, record, 400, "The token query parameter is missing.\n");
      await options.subscriptions.unsubscribe(token);
      answer(res, record, 200, "Unsubscribed: this address gets no more mail from this page.\n");
    })().catch((error: unknown) => {
      if (error instanceof DomainError && error.kind === "unavailable") return answer(res, record, 503, "The database is unavailable; try again.\n");
      options.log.error({ err: error }, "one-click unsubscribe failed");
      if (!res.headersSent) answer(res, record, 500, "Something went wrong; try again.\n");
    });
    return true;
  };
}
