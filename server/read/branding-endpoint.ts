/**
 * `GET /branding/logo` and `/branding/favicon`: the uploaded images of the page settings. Each
 * upload has its own URL (`?v=<hash>`, see brandingPath), so that URL is cached for good; the
 * bare path revalidates by its strong ETag (the image's SHA-256).
 */
import type { AccessGuard } from "../auth/guard.js";
import { requestFacts } from "../auth/request-facts.js";
import type { ImageSlot, StoredImage } from "../domain.js";
import { DomainError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import type { CallRecord } from "../rpc/call-record.js";

/** Reads of the settings: the same rule decides who may fetch their images. */
const ACCESS_AS = "statusthing.v1.SettingsService/GetSettings";

const PATHS: Readonly<Record<string, ImageSlot>> = { "/branding/logo": "logo", "/branding/favicon": "favicon" };

/** What the endpoint needs from the app. */
export interface BrandingOptions {
  image: (slot: ImageSlot) => Promise<StoredImage | undefined>;
  guard: AccessGuard;
  private: boolean;
  log: Logger;
}

const HTTP_STATUS: Record<string, number> = { unauthenticated: 401, permission_denied: 403 };

/** The handler; returns false for any other path. */
export function createBrandingEndpoint(options: BrandingOptions): (req: NodeRequest, res: NodeResponse, record: CallRecord, path: string) => boolean {
  async function serve(slot: ImageSlot, req: NodeRequest, res: NodeResponse, record: CallRecord): Promise<void> {
    if (options.private) await options.guard.check(ACCESS_AS, requestFacts(req));
    const image = await options.image(slot);
    if (!image) {
      record.code = "not_found";
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache", "x-content-type-options": "nosniff" });
      if (req.method === "HEAD") res.end();
      else res.end(`no ${slot} was uploaded\n`);
      return;
    }
    const etag = `"${image.sha256}"`;
    const version = new URL(req.url ?? "/", "http://localhost").searchParams.get("v");
    // The versioned URL never changes its bytes; the bare path (or an old version) must ask again.
    const cache = version !== null && image.sha256.startsWith(version) && version.length >= 8 ? "max-age=31536000, immutable" : "no-cache";
    const headers: Record<string, string> = {
      "content-type": image.contentType,
      etag,
      "cache-control": `${options.private ? "private" : "public"}, ${cache}`,
      "x-content-type-options": "nosniff",
      // An image opened on its own (an SVG above all) is a document: nothing in it may run or load.
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
      "content-disposition": `inline; filename="${slot}"`,
    };
    if (options.private) headers.vary = "Cookie, Authorization";
    record.code = "ok";
    const ifNoneMatch = req.headers["if-none-match"];
    if (ifNoneMatch !== undefined && ifNoneMatch.split(",").some((tag) => tag.trim() === etag || tag.trim() === "*")) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers["content-length"] = String(image.bytes.byteLength);
    res.writeHead(200, headers);
    if (req.method === "HEAD") res.end();
    else res.end(image.bytes);
  }

  return (req, res, record, path) => {
    const slot = Object.hasOwn(PATHS, path) ? PATHS[path] : undefined;
    if (!slot) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      record.code = "invalid_argument";
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end("use GET or HEAD\n");
      return true;
    }
    serve(slot, req, res, record).catch((error: unknown) => {
      const known = error instanceof DomainError;
      if (!known) options.log.error({ err: error }, "serving a branding image failed");
      record.code = known ? error.kind : "internal";
      if (res.headersSent) return void res.end();
      const body = JSON.stringify({ code: record.code, message: known ? error.message : "internal error", reason: known ? error.reason : "INTERNAL" });
      res.writeHead(HTTP_STATUS[record.code] ?? 500, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(body);
    });
    return true;
  };
}
