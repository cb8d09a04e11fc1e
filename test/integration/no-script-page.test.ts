/**
 * The page without JavaScript: `/` and `/items/<id>` carry the current state as HTML in the
 * app's page, fetched as curl or a crawler would. The web app here is a stand-in build (an
 * `index.html` shaped like SvelteKit's, with its inline bootstrap script), so these tests need no
 * `vite build`; test/e2e/no-script.test.ts drives the real build in Chromium.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { inlineScripts } from "../../server/http/static.js";
import { postJson } from "../helpers/clients.js";
import { loginCookie } from "../helpers/credentials.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON answers, read field by field.

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Status</title>
    <link href="/_app/immutable/assets/0.css" rel="stylesheet">
  </head>
  <body>
    <div id="app">
			<script>
				{ const element = document.currentScript.parentElement; import("/_app/immutable/entry/start.js").then((kit) => kit.start(element)); }
			</script>
		</div>
  </body>
</html>
`;

/** A raw GET, so that compressed bodies arrive as sent. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; raw: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, raw, body: raw.toString("utf8") });
        });
      })
      .on("error", reject);
  });
}

/** The part of a page inside the server-rendered `<noscript>` of the body. */
function noScriptBody(html: string): string {
  const match = /<noscript><div class="nojs"[\s\S]*?<\/div><\/noscript>/.exec(html);
  expect(match, "the page has the server-rendered part").not.toBeNull();
  return match![0];
}

/** The text a reader sees in some HTML: tags dropped, entities decoded, spaces collapsed. */
function visibleText(html: string): string {
  return html
    .replace(/<svg[\s\S]*?<\/svg>/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ")
    .trim();
}

let root: string;
let server: TestServer;
let counter = 0;

async function call(url: string, procedure: string, body: object, headers?: Record<string, string>): Promise<Json> {
  const res = await postJson(url, procedure, body, headers);
  expect(res.status, `${procedure}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body as Json;
}

async function statusOfKind(url: string, kind: StatusKind): Promise<Json> {
  const found = await call(url, "statusthing.v1.StatusService/ListStatus", { kinds: [kind] });
  const existing = (found.statuses as Json[] | undefined)?.[0];
  if (existing) return existing;
  return (await call(url, "statusthing.v1.StatusService/AddStatus", { name: `Kind ${kind} ${++counter}`, kind, color: "#123456" })).status as Json;
}

async function addItem(url: string, name: string, kind: StatusKind, note?: string): Promise<string> {
  const status = await statusOfKind(url, kind);
  const body = await call(url, "statusthing.v1.ItemsService/AddItem", { name, initial_status_id: status.id, ...(note ? { initial_note_text: note } : {}) });
  return body.item.id as string;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "statusthing-web-"));
  writeFileSync(join(root, "index.html"), INDEX_HTML);
  writeFileSync(join(root, "no-script.css"), ".nojs{}\n");
  server = await startTestServer({ app: { web: { root } } });
});

afterAll(async () => {
  await server?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe("the public page without JavaScript", () => {
  it("says plainly that nothing is listed on an empty page, inside <noscript> so the app takes over when scripts run", async () => {
    const res = await get(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    const part = noScriptBody(res.body);
    expect(visibleText(part)).toContain("Nothing is listed here yet");
    // The app's element still holds its bootstrap script, after the rendered part.
    expect(res.body.indexOf('<div id="app"><noscript>')).toBeGreaterThan(0);
    expect(res.body.indexOf("document.currentScript.parentElement")).toBeGreaterThan(res.body.indexOf("</noscript>"));
  });

  it("shows every item with its status in words, problems first, the banner, and the latest note rendered from Markdown", async () => {
    await addItem(server.url, "Website", StatusKind.UP);
    await addItem(server.url, "Payments", StatusKind.DOWN, "Card payments **fail**; see [the post](https://example.com/post).");
    await addItem(server.url, "Search", StatusKind.WARNING);
    const res = await get(`${server.url}/`);
    const part = noScriptBody(res.body);
    const text = visibleText(part);
    expect(text).toContain("Major outage");
    expect(text).toMatch(/Payments is down; Search is degraded/);
    const names = [...part.matchAll(/<h3 class="nojs-item-name"><a href="\/items\/[0-9A-Za-z]{27}">([^<]+)<\/a><\/h3>/g)].map((m) => m[1]);
    expect(names).toEqual(["Payments", "Search", "Website"]);
    expect(part).toContain("<strong>fail</strong>");
    expect(part).toContain('<a href="https://example.com/post" rel="nofollow noopener">the post</a>');
    // The title follows the state, for a tab or a crawler.
    expect(res.body).toMatch(/<title>Major outage · Status<\/title>/);
    // Without scripts the page reloads itself, and takes its stylesheet; with them, neither.
    expect(res.body).toMatch(/<noscript><meta http-equiv="refresh" content="60"><link rel="stylesheet" href="\/no-script.css"><\/noscript>\s*<\/head>/);
  });

  it("keeps the CSP: the same policy as the app's other pages, and no inline script but the app's own", async () => {
    const page = await get(`${server.url}/`);
    const other = await get(`${server.url}/admin`);
    expect(page.headers["content-security-policy"]).toBe(other.headers["content-security-policy"]);
    expect(page.headers["content-security-policy"]).not.toMatch(/unsafe-inline/);
    expect(inlineScripts(page.body)).toEqual(inlineScripts(INDEX_HTML));
    expect(page.body).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });

  it("shows the next change on the next fetch, and answers 304 while nothing changed", async () => {
    const id = await addItem(server.url, "Queue", StatusKind.UP);
    const first = await get(`${server.url}/`);
    expect(visibleText(noScriptBody(first.body))).toContain("Queue");
    const again = await get(`${server.url}/`, { "if-none-match": first.headers.etag as string });
    expect(again.status).toBe(304);

    const warning = await statusOfKind(server.url, StatusKind.WARNING);
    await call(server.url, "statusthing.v1.ItemsService/UpdateItem", { item_id: id, status_id: warning.id });
    await call(server.url, "statusthing.v1.NotesService/AddNote", { item_id: id, note_text: "Backlog *draining*" });
    const changed = await get(`${server.url}/`, { "if-none-match": first.headers.etag as string });
    expect(changed.status).toBe(200);
    const card = new RegExp(`data-item-id="${id}">[\\s\\S]*?</li>`).exec(noScriptBody(changed.body))![0];
    expect(visibleText(card)).toContain(warning.name as string);
    expect(card).toContain("Backlog <em>draining</em>");

    await call(server.url, "statusthing.v1.ItemsService/DeleteItem", { item_id: id });
    expect(visibleText(noScriptBody((await get(`${server.url}/`)).body))).not.toContain("Queue");
  });

  it("is sent gzipped to a client that takes it, the same page", async () => {
    const plain = await get(`${server.url}/`);
    const gzip = await get(`${server.url}/`, { "accept-encoding": "gzip" });
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzip.raw).toString("utf8")).toBe(plain.body);
    expect(gzip.headers.etag).not.toBe(plain.headers.etag);
  });
});

describe("an item's page without JavaScript", () => {
  it("shows the item, its status and every note newest first, the Markdown rendered safely", async () => {
    const id = await addItem(server.url, "Database", StatusKind.DOWN, "First: *investigating*");
    const hostile = [
      "Second: [click](javascript:alert(1)) [data](data:text/html,hi) <script>alert(1)</script>",
      "<img src=x onerror=alert(1)> ![pixel](https://evil.example/p.png) $& $' $`",
      "- replica lag\n- `pg_stat_replication` shows **12 s**",
    ].join("\n\n");
    await call(server.url, "statusthing.v1.NotesService/AddNote", { item_id: id, note_text: hostile });
    const res = await get(`${server.url}/items/${id}`);
    expect(res.status).toBe(200);
    const part = noScriptBody(res.body);
    const text = visibleText(part);
    expect(text).toContain("Database");
    expect(text).toMatch(/\bDOWN\b/);
    expect(text.indexOf("Second:")).toBeLessThan(text.indexOf("First:"));
    expect(part).toContain("First: <em>investigating</em>");
    expect(part).toMatch(/<ul>\s*<li>replica lag<\/li>\s*<li><code>pg_stat_replication<\/code> shows <strong>12 s<\/strong><\/li>/);
    // Hostile parts are text: no script, no image, no javascript: or data: link.
    expect(part).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(part).not.toMatch(/<script|<img|href="(javascript|data):/i);
    expect(text).toContain("[click](javascript:alert(1))");
    // A "$&" in a note is text, not a replacement pattern.
    expect(text).toContain("$& $' $`");
    expect(res.body).toMatch(/<title>Database: [^<]+ · Status<\/title>/);
    expect(text).toMatch(/Since \d+ \w+ \d{4}, \d\d:\d\d UTC/);
  });

  it("shows the newest 100 notes of an item with many, and counts the rest", async () => {
    const id = await addItem(server.url, `Chatty ${++counter}`, StatusKind.UP);
    for (let i = 1; i <= 103; i++) await call(server.url, "statusthing.v1.NotesService/AddNote", { item_id: id, note_text: `update ${i}` });
    const part = noScriptBody((await get(`${server.url}/items/${id}`)).body);
    expect(part.match(/<div class="nojs-note">/g)).toHaveLength(100);
    expect(part).toContain("<p>update 103</p>");
    expect(part).not.toContain("<p>update 3</p>");
    expect(visibleText(part)).toContain("3 older updates are not shown here");
  });

  it("answers 404 with a page saying so for an item that does not exist, or an id that cannot be one", async () => {
    for (const path of ["/items/2ZQ3UVvFSCRBQtdQzI3fMqj9v9E", "/items/not-an-id", "/items/%3Cscript%3E"]) {
      const res = await get(server.url + path);
      expect(res.status, path).toBe(404);
      expect(visibleText(noScriptBody(res.body))).toContain("Page not found");
      expect(res.body).not.toContain("<script>alert");
    }
  });

  it("escapes hostile item names and descriptions", async () => {
    const name = `<script>alert("n")</script> & "quotes" ${++counter}`;
    const status = await statusOfKind(server.url, StatusKind.UP);
    const added = await call(server.url, "statusthing.v1.ItemsService/AddItem", { name, description: "<b>desc</b>", initial_status_id: status.id });
    const page = await get(`${server.url}/items/${added.item.id}`);
    expect(page.body).not.toContain('<script>alert("n")');
    expect(visibleText(noScriptBody(page.body))).toContain(name);
    expect(page.body).toContain("&lt;b&gt;desc&lt;/b&gt;");
    const home = await get(`${server.url}/`);
    expect(home.body).not.toContain('<script>alert("n")');
  });
});

describe("on a --private server", () => {
  let privateServer: TestServer;
  beforeAll(async () => {
    privateServer = await startTestServer({ app: { web: { root }, private: true } });
  });
  afterAll(async () => {
    await privateServer?.stop();
  });

  it("shows an anonymous visitor nothing of the systems, and a signed-in one the page, never for shared caches", async () => {
    const id = await addItem(privateServer.url, "Secret backend", StatusKind.DOWN, "Secret note");
    for (const path of ["/", `/items/${id}`, "/items/2ZQ3UVvFSCRBQtdQzI3fMqj9v9E"]) {
      const res = await get(privateServer.url + path);
      // Unknown and known items alike: a 404 would tell a stranger which ids exist.
      expect(res.status, path).toBe(200);
      expect(res.body).not.toContain("Secret");
      expect(visibleText(noScriptBody(res.body))).toContain("This status page is private");
      expect(res.headers["cache-control"]).toBe("private, no-cache");
    }
    const cookie = await loginCookie(privateServer.url);
    const signedIn = await get(`${privateServer.url}/items/${id}`, { cookie });
    expect(visibleText(noScriptBody(signedIn.body))).toContain("Secret note");
    expect(signedIn.headers["cache-control"]).toBe("private, no-cache");
    expect(signedIn.headers.vary).toContain("cookie");
  });
});

// Last, since it names the shared server's page for good.
describe("the page settings without JavaScript", () => {
  it("names the page as its settings do, from the next fetch on", async () => {
    expect(visibleText(noScriptBody((await get(`${server.url}/`)).body))).not.toContain("Acme Cloud");
    await call(server.url, "statusthing.v1.SettingsService/UpdateSettings", { name: "Acme Cloud" });
    const part = noScriptBody((await get(`${server.url}/`)).body);
    expect(visibleText(part)).toContain("Acme Cloud");
  });
});
