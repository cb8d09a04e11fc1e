import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { handleWebConfig, type WebHandler, type WebRuntimeConfig } from "./web.js";
import { isAppPage } from "./app-pages.js";
import { composePage } from "./compose-page.js";
import type { PageRenderer, RenderedPage } from "./server-rendered-page.js";
import { linkedImageOrigins, personalizeShell, type ShellSource } from "./page-head.js";

/** Hashed, never-changing build output: cached for a year. */
const IMMUTABLE_PREFIX = "/_app/immutable/";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Headers every web response carries, whatever the CSP. */
const BASE_SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
} as const;

/**
 * The Content-Security-Policy for the built app: scripts only from this origin plus the inline
 * bootstrap scripts of `index.html`, allowed by their SHA-256 (so no inline script of anyone
 * else's runs); styles only from this origin, plus the fixed `style="…"` attributes of the app's
 * own templates (SvelteKit's route announcer has one) by hash; data only from this origin; no
 * framing. Styles computed from data are set through the CSSOM, which the policy leaves alone.
 */
export function contentSecurityPolicy(indexHtml: string, styleAttributes: Iterable<string> = []): string {
  const sha256 = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
  const scripts = inlineScripts(indexHtml).map(sha256);
  const styles = [...new Set(styleAttributes)].map(sha256);
  return [
    "default-src 'self'",
    ["script-src 'self'", ...scripts].join(" "),
    ["style-src 'self'", ...(styles.length ? ["'unsafe-hashes'", ...styles] : [])].join(" "),
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** The constant `style="…"` attributes in the app's compiled templates (JavaScript source). */
export function templateStyleAttributes(javascript: string): string[] {
  return [...javascript.matchAll(/\sstyle="([^"`\\$]*)"/g)].map((match) => match[1]!);
}

/** The bodies of the `<script>` elements without `src`, as the browser hashes them. */
export function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script(?![^>]*\bsrc\s*=)[^>]*>([\s\S]*?)<\/script>/gi)].map((match) => match[1]!);
}

/** Picks the best encoding the client accepts of those we have: br, then gzip, else identity. */
export function pickEncoding(acceptEncoding: string | undefined, available: { br: boolean; gzip: boolean }): "br" | "gzip" | undefined {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find(Boolean);
    accepted.set(name, q ? Number(q[1]) : 1);
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get("*") ?? 0) > 0;
  if (available.br && ok("br")) return "br";
  if (available.gzip && ok("gzip")) return "gzip";
  return undefined;
}

/** One servable file of the build, with its precompressed siblings. */
interface Asset {
  path: string;
  size: number;
  type: string;
  etag: string;
  cacheControl: string;
  br?: string;
  gzip?: string;
}

/** Every file under `root`, by URL path, skipping the `.br`/`.gz` siblings (they are variants). */
function scan(root: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string, urlPrefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      const url = `${urlPrefix}/${entry.name}`;
      if (entry.isDirectory()) {
        walk(abs, url);
        continue;
      }
      if (!entry.isFile() || entry.name.endsWith(".br") || entry.name.endsWith(".gz")) continue;
      const stat = statSync(abs);
      const asset: Asset = {
        path: abs,
        size: stat.size,
        type: CONTENT_TYPES[extname(entry.name).toLowerCase()] ?? "application/octet-stream",
        etag: `"${stat.size.toString(36)}-${Math.floor(stat.mtimeMs).toString(36)}"`,
        cacheControl: url.startsWith(IMMUTABLE_PREFIX) ? "public, max-age=31536000, immutable" : "no-cache",
      };
      // A compressed copy is used only when it is smaller (it is not, for tiny files).
      const smaller = (variant: string) => (statSync(variant, { throwIfNoEntry: false })?.size ?? Infinity) < stat.size;
      if (smaller(`${abs}.br`)) asset.br = `${abs}.br`;
      if (smaller(`${abs}.gz`)) asset.gzip = `${abs}.gz`;
      assets.set(url, asset);
    }
  };
  walk(root, "");
  return assets;
}

const NOT_BUILT_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>StatusThing: web app not built</title></head>
<body><h1>web app not built: run npm run build</h1>
<p>The API works; the web pages appear once <code>npm run build</code> has written <code>build/web</code>.</p></body></html>
`;

/** Writes a small response with the security headers. */
function sendText(res: NodeResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...BASE_SECURITY_HEADERS,
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "content-type": type,
    "content-length": String(Buffer.byteLength(body)),
    "cache-control": "no-store",
    ...extra,
  });
  res.end(body);
}

/** The page made to be framed by other sites: the banner alone. */
export const EMBED_PATH = "/embed";

/**
 * The headers that let the origins in `--embed-origins` frame {@link EMBED_PATH}: the policy's
 * frame-ancestors lists them, and X-Frame-Options (which cannot) is dropped. With none, the
 * page is no more frameable than any other.
 */
function allowFraming(headers: Record<string, string>, origins: readonly string[]): void {
  if (origins.length === 0) return;
  headers["content-security-policy"] = headers["content-security-policy"]!.replace("frame-ancestors 'none'", `frame-ancestors ${origins.join(" ")}`);
  delete headers["x-frame-options"];
  headers["cross-origin-resource-policy"] = "cross-origin";
}

/** `index.html` with a rendered page in it, as sent: built once per page and build. */
interface ComposedPage {
  build: LoadedBuild;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

/** The built app, loaded: files by path, the SPA page and the policy that goes with it. */
interface LoadedBuild {
  assets: Map<string, Asset>;
  index: Asset;
  indexHtml: string;
  indexMtimeMs: number;
  csp: string;
}

function load(root: string): LoadedBuild | undefined {
  if (!existsSync(join(root, "index.html"))) return undefined;
  const assets = scan(root);
  const index = assets.get("/index.html")!;
  const styles = [...assets.values()].filter((asset) => asset.path.endsWith(".js")).flatMap((asset) => templateStyleAttributes(readFileSync(asset.path, "utf8")));
  const indexHtml = readFileSync(index.path, "utf8");
  return { assets, index, indexHtml, indexMtimeMs: statSync(index.path).mtimeMs, csp: contentSecurityPolicy(indexHtml, styles) };
}

/**
 * Serves the built single-page app from `root` (`build/web`): each file with its content type,
 * brotli or gzip from the precompressed siblings when the client takes them, hashed assets under
 * `/_app/immutable/` cached for a year and everything else revalidated (`no-cache` + ETag), and
 * `index.html` for every other path so the app's router takes over (with 404 where the app has no
 * page: it then shows its own "not found"). Every response carries a
 * strict CSP, `nosniff`, no framing and no referrer.
 *
 * When `root` has no build yet it answers with a page saying so, and looks again on each request.
 */
export function createStaticHandler(root: string, config: WebRuntimeConfig, embedOrigins: readonly string[] = [], pages?: PageRenderer, shell?: ShellSource): WebHandler {
  let build = load(root);
  // The renderer hands out one object per page and data version, so this holds each composed once.
  const composed = new WeakMap<RenderedPage, ComposedPage>();
  const compose = (current: LoadedBuild, page: RenderedPage): ComposedPage => {
    let done = composed.get(page);
    if (done?.build !== current) {
      const body = Buffer.from(composePage(current.indexHtml, page), "utf8");
      done = { build: current, body, gzip: gzipSync(body), etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"` };
      composed.set(page, done);
    }
    return done;
  };

  /** Sends the app's page with the server-rendered content for clients without JavaScript. */
  function sendRendered(req: NodeRequest, res: NodeResponse, current: LoadedBuild, page: RenderedPage): void {
    const { body, gzip, etag } = compose(current, page);
    const encoding = pickEncoding(req.headers["accept-encoding"] as string | undefined, { br: false, gzip: true });
    const headers: Record<string, string> = {
      ...BASE_SECURITY_HEADERS,
      "content-security-policy": current.csp,
      "content-type": "text/html; charset=utf-8",
      "cache-control": page.personal ? "private, no-cache" : "no-cache",
      vary: page.personal ? "accept-encoding, cookie" : "accept-encoding",
      etag: encoding ? `${etag.slice(0, -1)}-gzip"` : etag,
    };
    const ifNoneMatch = req.headers["if-none-match"];
    if (page.status === 200 && typeof ifNoneMatch === "string" && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === headers.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const bytes = encoding ? gzip : body;
    if (encoding) headers["content-encoding"] = encoding;
    headers["content-length"] = String(bytes.length);
    res.writeHead(page.status, headers);
    if (req.method === "HEAD") res.end();
    else res.end(bytes);
  }
  // File bodies, read once: the whole build is a few hundred kilobytes.
  const bodies = new Map<string, Buffer>();
  const body = (path: string) => {
    let bytes = bodies.get(path);
    if (!bytes) {
      bytes = readFileSync(path);
      bodies.set(path, bytes);
    }
    return bytes;
  };

  return {
    handle(req, res) {
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendText(res, 405, "text/plain; charset=utf-8", "method not allowed\n", { allow: "GET, HEAD" });
        return;
      }
      if (handleWebConfig(req, res, config)) return;
      build ??= load(root);
      if (!build) {
        sendText(res, 503, "text/html; charset=utf-8", NOT_BUILT_HTML);
        return;
      }
      let path: string;
      try {
        path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
      } catch {
        sendText(res, 400, "text/plain; charset=utf-8", "bad path\n");
        return;
      }
      // Only files found when the build was scanned are served: no path reaches the disk.
      let asset = build.assets.get(path);
      let status = 200;
      if (!asset) {
        // A file that is not there is a 404; any other path is a page of the app.
        const last = path.slice(path.lastIndexOf("/") + 1);
        if (path.startsWith("/_app/") || /\.[a-z0-9]+$/i.test(last)) {
          sendText(res, 404, "text/plain; charset=utf-8", "not found\n");
          return;
        }
        asset = build.index;
        if (!isAppPage(path)) status = 404;
      }
      if (asset === build.index && statSync(asset.path, { throwIfNoEntry: false })?.mtimeMs !== build.indexMtimeMs) {
        // Rebuilt while running: every hashed name changed, so take the new build whole.
        bodies.clear();
        build = load(root);
        if (!build) {
          sendText(res, 503, "text/html; charset=utf-8", NOT_BUILT_HTML);
          return;
        }
        asset = build.index;
      }
      if (asset === build.index && (pages || shell)) {
        void serveIndex(req, res, build, asset, status, path);
        return;
      }
      sendAsset(req, res, build, asset, status, path);
    },
    async close() {
      bodies.clear();
    },
  };

  /**
   * The app's page, with what the server adds to it: the current state for clients without
   * JavaScript (`pages`) and the page's own name and images in its head (`shell`). Whatever
   * cannot be had (the store is down) is left out: the app shows its own error then.
   */
  async function serveIndex(req: NodeRequest, res: NodeResponse, current: LoadedBuild, asset: Asset, status: number, path: string): Promise<void> {
    const [page, facts] = await Promise.all([pages?.render(req, path).catch(() => undefined), shell?.(req).catch(() => undefined)]);
    if (!facts) return page ? sendRendered(req, res, current, page) : sendAsset(req, res, current, asset, status, path);
    // With the page's settings: made per request (the shell is small), never precompressed.
    const html = Buffer.from(personalizeShell(page ? composePage(current.indexHtml, page) : current.indexHtml, facts), "utf8");
    const origins = linkedImageOrigins(facts.settings);
    const headers: Record<string, string> = {
      ...BASE_SECURITY_HEADERS,
      "content-security-policy": origins.length ? current.csp.replace("img-src 'self' data:", `img-src 'self' data: ${origins.join(" ")}`) : current.csp,
      "content-type": "text/html; charset=utf-8",
      "cache-control": page?.personal ? "private, no-cache" : "no-cache",
      etag: `"${createHash("sha256").update(html).digest("base64url").slice(0, 27)}"`,
      ...(page?.personal && { vary: "cookie" }),
    };
    const answer = page?.status ?? status;
    const ifNoneMatch = req.headers["if-none-match"];
    if (answer === 200 && typeof ifNoneMatch === "string" && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === headers.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers["content-length"] = String(html.length);
    res.writeHead(answer, headers);
    if (req.method === "HEAD") res.end();
    else res.end(html);
  }

  function sendAsset(req: NodeRequest, res: NodeResponse, build: LoadedBuild, asset: Asset, status: number, path: string): void {
    const encoding = pickEncoding(req.headers["accept-encoding"] as string | undefined, { br: !!asset.br, gzip: !!asset.gzip });
    const etag = encoding ? `${asset.etag.slice(0, -1)}-${encoding}"` : asset.etag;
    const headers: Record<string, string> = {
      ...BASE_SECURITY_HEADERS,
      "content-security-policy": build.csp,
      "content-type": asset.type,
      "cache-control": asset.cacheControl,
      etag,
    };
    if (asset.br || asset.gzip) headers.vary = "accept-encoding";
    if (path === EMBED_PATH) allowFraming(headers, embedOrigins);
    const ifNoneMatch = req.headers["if-none-match"];
    if (status === 200 && typeof ifNoneMatch === "string" && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const bytes = body(encoding === "br" ? asset.br! : encoding === "gzip" ? asset.gzip! : asset.path);
    if (encoding) headers["content-encoding"] = encoding;
    headers["content-length"] = String(bytes.length);
    res.writeHead(status, headers);
    if (req.method === "HEAD") res.end();
    else res.end(bytes);
  }
}
