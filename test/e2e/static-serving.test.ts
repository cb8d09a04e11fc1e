import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { inlineScripts } from "../../server/http/static.js";
import { prepareWebBuild, removeDatabase, startWebServer, WEB_ROOT, type WebServer } from "./web-server.js";

/** A raw GET, so that compressed bodies arrive as sent. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on("error", reject);
  });
}

describe("serving the built web app", { timeout: 60_000 }, () => {
  let server: WebServer;
  let indexHtml: string;
  let script: string;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    indexHtml = readFileSync(join(WEB_ROOT, "index.html"), "utf8");
    // The largest script the page preloads.
    const scripts = [...indexHtml.matchAll(/<link href="(\/_app\/immutable\/[^"]+\.js)" rel="modulepreload">/g)].map((m) => m[1]!);
    script = scripts.sort((a, b) => readFileSync(join(WEB_ROOT, b)).length - readFileSync(join(WEB_ROOT, a)).length)[0]!;
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("answers every page path with index.html, never cached, with the security headers (404 where the app has no page)", async () => {
    for (const path of ["/", "/display?kinds=down", "/items/2aB3cD4eF5gH6iJ7kL8mN9oP0qR", "/admin/users", "/anything/else"]) {
      const res = await get(server.url + path);
      // The app draws its own "Page not found" for a path it has no page for (or an item that is not there); the status says so too.
      expect(res.status, path).toBe(path === "/anything/else" || path.startsWith("/items/") ? 404 : 200);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["cache-control"]).toBe("no-cache");
      // The public page and item pages carry their content for clients without JavaScript too (test/integration/no-script-page.test.ts).
      if (path === "/" || path.startsWith("/items/")) expect(inlineScripts(res.body.toString("utf8"))).toEqual(inlineScripts(indexHtml));
      else expect(res.body.toString("utf8")).toBe(indexHtml);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.headers["referrer-policy"]).toBe("no-referrer");
      expect(res.headers["x-frame-options"]).toBe("DENY");
    }
  });

  it("sends a CSP that allows the bootstrap script by its hash and no other inline script", async () => {
    const csp = (await get(`${server.url}/`)).headers["content-security-policy"] as string;
    const scripts = inlineScripts(indexHtml);
    expect(scripts.length).toBeGreaterThan(0);
    for (const body of scripts) expect(csp).toContain(`'sha256-${createHash("sha256").update(body).digest("base64")}'`);
    const scriptSrc = csp.split(";").find((d) => d.trim().startsWith("script-src"))!;
    expect(scriptSrc).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("connect-src 'self'");
  });

  it("serves hashed assets with the right type, cached for a year, as brotli or gzip when asked", async () => {
    const plain = await get(server.url + script);
    expect(plain.status).toBe(200);
    expect(plain.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(plain.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    expect(plain.headers.vary).toBe("accept-encoding");
    expect(plain.body.equals(readFileSync(join(WEB_ROOT, script)))).toBe(true);

    const br = await get(server.url + script, { "accept-encoding": "gzip, deflate, br" });
    expect(br.headers["content-encoding"]).toBe("br");
    expect(br.body.equals(readFileSync(join(WEB_ROOT, `${script}.br`)))).toBe(true);
    expect(br.body.length).toBeLessThan(plain.body.length);

    const gzip = await get(server.url + script, { "accept-encoding": "gzip" });
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gzip.body.equals(readFileSync(join(WEB_ROOT, `${script}.gz`)))).toBe(true);
    expect(new Set([plain.headers.etag, br.headers.etag, gzip.headers.etag]).size).toBe(3);

    // A tiny file whose compressed copies are no smaller goes out as it is.
    const tiny = [...indexHtml.matchAll(/<link href="(\/_app\/immutable\/[^"]+\.js)" rel="modulepreload">/g)]
      .map((m) => m[1]!)
      .find((path) => readFileSync(join(WEB_ROOT, `${path}.br`)).length >= readFileSync(join(WEB_ROOT, path)).length);
    if (tiny) expect((await get(server.url + tiny, { "accept-encoding": "br, gzip" })).headers["content-encoding"]).toBeUndefined();

    const again = await get(server.url + script, { "accept-encoding": "br", "if-none-match": br.headers.etag as string });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  it("gives other files their types and revalidation, and a 404 for files that are not there", async () => {
    const icon = await get(`${server.url}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers["content-type"]).toBe("image/svg+xml");
    expect(icon.headers["cache-control"]).toBe("no-cache");
    const css = /href="(\/_app\/immutable\/assets\/[^"]+\.css)"/.exec(indexHtml)![1]!;
    expect((await get(server.url + css)).headers["content-type"]).toBe("text/css; charset=utf-8");
    for (const path of ["/_app/immutable/chunks/nope.js", "/robots.txt", "/_app/version.json.br", "/%2e%2e/package.json"]) {
      const res = await get(server.url + path);
      expect(res.status, path).toBe(404);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
  });

  it("tells the app the heartbeat interval and the page's time zone, and keeps API errors as JSON", async () => {
    const config = await get(`${server.url}/web-config.json`);
    expect(JSON.parse(config.body.toString())).toEqual({ heartbeatMs: 15_000, timeZone: "UTC" });
    const wrong = await postJson(server.url, "no/such/path", {});
    expect(wrong.status).toBe(404);
    expect(wrong.body.code).toBe("not_found");
    const list = await postJson(server.url, "statusthing.v1.StatusService/ListStatus", {});
    expect(list.status).toBe(200);
  });
});

describe("a server whose web app is not built", () => {
  let server: TestServer;
  let empty: string;

  beforeAll(async () => {
    empty = mkdtempSync(join(tmpdir(), "statusthing-noweb-"));
    server = await startTestServer({ app: { web: { root: empty } } });
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(empty, { recursive: true, force: true });
  });

  it("says how to build it, and still serves the API", async () => {
    const res = await get(`${server.url}/display`);
    expect(res.status).toBe(503);
    expect(res.body.toString()).toContain("web app not built: run npm run build");
    expect((await postJson(server.url, "statusthing.v1.ItemsService/ListItems", {})).status).toBe(200);
  });
});
