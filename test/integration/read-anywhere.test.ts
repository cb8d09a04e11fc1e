/**
 * The documents other tools read with a GET: Statuspage v2 JSON checked against a schema written
 * from that format's documentation, Atom and RSS feeds parsed back by an independent parser, and
 * SVG badges parsed as XML with their text checked. Hostile names come out escaped everywhere.
 */
import { parseFeed } from "@rowanmanning/feed-parser";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { COMPONENT_STATUS_OF_KIND } from "../../server/read/statuspage.js";
import { loginCookie } from "../helpers/credentials.js";
import { postJson } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { statuspageErrors, STATUSPAGE_SCHEMAS } from "../helpers/statuspage-schema.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed JSON documents, read field by field.

let server: TestServer;
let counter = 0;
const uniq = (base: string) => `${base}-${++counter}`;

async function call(procedure: string, body: object): Promise<Json> {
  const res = await postJson(server.url, procedure, body);
  expect(res.status, `${procedure}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

async function statusOfKind(kind: StatusKind): Promise<string> {
  const found = await call("statusthing.v1.StatusService/ListStatus", { kinds: [kind] });
  const existing = (found.statuses as Json[] | undefined)?.[0];
  if (existing) return existing.id as string;
  const added = await call("statusthing.v1.StatusService/AddStatus", { name: uniq(`kind-${kind}`), kind, color: "#123456" });
  return added.status.id as string;
}

async function addItem(name: string, kind: StatusKind, note?: string): Promise<string> {
  const body = await call("statusthing.v1.ItemsService/AddItem", {
    name,
    initial_status_id: await statusOfKind(kind),
    ...(note ? { initial_note_text: note } : {}),
  });
  return body.item.id as string;
}

async function getJson(path: string): Promise<{ status: number; body: Json; headers: Headers }> {
  const res = await fetch(server.url + path);
  return { status: res.status, body: (await res.json()) as Json, headers: res.headers };
}

/** Fetches every Statuspage document and checks each against its schema. */
async function expectAllValid(): Promise<Record<string, Json>> {
  const docs: Record<string, Json> = {};
  for (const path of Object.keys(STATUSPAGE_SCHEMAS)) {
    const res = await getJson(path);
    expect(res.status, path).toBe(200);
    expect(statuspageErrors(path, res.body), path).toEqual([]);
    docs[path] = res.body;
  }
  return docs;
}

const svgParser = new XMLParser({ ignoreAttributes: false });

function svgText(svg: string): string {
  expect(XMLValidator.validate(svg)).toBe(true);
  const parsed = svgParser.parse(svg) as Json;
  return String(parsed.svg.title);
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe("Statuspage v2 JSON", () => {
  it("is valid on an empty page: no components, indicator none", async () => {
    const docs = await expectAllValid();
    const summary = docs["/api/v2/summary.json"]!;
    expect(summary.components).toEqual([]);
    expect(summary.incidents).toEqual([]);
    expect(summary.scheduled_maintenances).toEqual([]);
    expect(summary.status).toEqual({ indicator: "none", description: "All Systems Operational" });
    expect(summary.page.url).toBe(server.url);
    expect(summary.page.id).toMatch(/^[a-z0-9]{12}$/);
  });

  it("maps every kind by the one table, and the indicator follows the worst", async () => {
    const expectations: Array<[StatusKind, string]> = [
      [StatusKind.UP, "operational"],
      [StatusKind.DOWN, "major_outage"],
      [StatusKind.WARNING, "partial_outage"],
      [StatusKind.UNAVAILABLE, "under_maintenance"],
      [StatusKind.AVAILABLE, "operational"],
      [StatusKind.INVESTIGATING, "degraded_performance"],
      [StatusKind.OBSERVING, "degraded_performance"],
      [StatusKind.CREATED, "operational"],
      [StatusKind.ONLINE, "operational"],
      [StatusKind.OFFLINE, "major_outage"],
      [StatusKind.DECOMM, "operational"],
    ];
    const ids = new Map<string, string>();
    for (const [kind, expected] of expectations) {
      expect(COMPONENT_STATUS_OF_KIND[kind]).toBe(expected);
      ids.set(await addItem(uniq(`kind item ${StatusKind[kind]}`), kind), expected);
    }
    const docs = await expectAllValid();
    const components = docs["/api/v2/components.json"]!.components as Json[];
    for (const [id, expected] of ids) expect(components.find((c) => c.id === id)?.status, id).toBe(expected);
    expect(components.map((c) => c.position)).toEqual(components.map((_, i) => i + 1));
    // Some but not all components are in a major outage.
    expect(docs["/api/v2/status.json"]!.status).toEqual({ indicator: "major", description: "Partial System Outage" });
    for (const id of ids.keys()) await call("statusthing.v1.ItemsService/DeleteItem", { item_id: id });
  });

  it("reflects each kind of change in the next request, and answers 304 to a matching ETag", async () => {
    const first = await getJson("/api/v2/summary.json");
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^".+"$/);
    expect(first.headers.get("access-control-allow-origin")).toBe("*");
    expect(first.headers.get("cache-control")).toMatch(/max-age=\d+/);
    const again = await fetch(`${server.url}/api/v2/summary.json`, { headers: { "if-none-match": etag } });
    expect(again.status).toBe(304);

    // Item added (worst becomes partial outage → minor).
    const id = await addItem(uniq("Payments"), StatusKind.WARNING, "Slow card checks");
    let summary = (await getJson("/api/v2/summary.json")).body;
    expect(statuspageErrors("/api/v2/summary.json", summary)).toEqual([]);
    expect(summary.components.find((c: Json) => c.id === id).status).toBe("partial_outage");
    expect(summary.status.indicator).toBe("minor");
    expect((await fetch(`${server.url}/api/v2/summary.json`, { headers: { "if-none-match": etag } })).status).toBe(200);

    // Status changed on the item: every component down → critical.
    await call("statusthing.v1.ItemsService/UpdateItem", { item_id: id, status_id: await statusOfKind(StatusKind.DOWN) });
    summary = (await getJson("/api/v2/summary.json")).body;
    expect(summary.components.find((c: Json) => c.id === id).status).toBe("major_outage");
    expect(summary.status).toEqual({ indicator: "critical", description: "Major System Outage" });

    // Renamed and described.
    await call("statusthing.v1.ItemsService/UpdateItem", { item_id: id, name: "Payments renamed", description: "Cards" });
    summary = (await getJson("/api/v2/components.json")).body;
    expect(summary.components.find((c: Json) => c.id === id)).toMatchObject({ name: "Payments renamed", description: "Cards" });

    // The status's kind changed under the item.
    const custom = await call("statusthing.v1.StatusService/AddStatus", { name: uniq("Custom"), kind: "STATUS_KIND_DOWN", color: "#000" });
    await call("statusthing.v1.ItemsService/UpdateItem", { item_id: id, status_id: custom.status.id });
    await call("statusthing.v1.StatusService/UpdateStatus", { status_id: custom.status.id, kind: "STATUS_KIND_OBSERVING" });
    summary = (await getJson("/api/v2/summary.json")).body;
    expect(summary.components.find((c: Json) => c.id === id).status).toBe("degraded_performance");
    expect(summary.status.indicator).toBe("minor");

    // Deleted.
    await call("statusthing.v1.ItemsService/DeleteItem", { item_id: id });
    summary = (await getJson("/api/v2/summary.json")).body;
    expect(summary.components.find((c: Json) => c.id === id)).toBeUndefined();
    await expectAllValid();
  });

  it("refuses methods other than GET and HEAD, and a Host that is not a host name", async () => {
    const post = await fetch(`${server.url}/api/v2/summary.json`, { method: "POST" });
    expect(post.status).toBe(405);
    const head = await fetch(`${server.url}/api/v2/summary.json`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const hostile = await new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/api/v2/summary.json`, { headers: { host: 'evil"><x y="' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(hostile).toBe(400);
  });
});

describe("badges", () => {
  it("show the page's state and an item's status, escaped, in the asked style", async () => {
    const page = await fetch(`${server.url}/badge.svg`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(page.headers.get("etag")).toBeTruthy();
    expect(svgText(await page.text())).toMatch(/^status: /);

    const hostile = `<script>alert(1)</script> ]]> "q" 'a' & 🚦`;
    const id = await addItem(hostile, StatusKind.DOWN);
    const badge = await fetch(`${server.url}/items/${id}/badge.svg?style=for-the-badge`);
    expect(badge.status).toBe(200);
    const svg = await badge.text();
    expect(svg).not.toContain("<script>");
    const down = await call("statusthing.v1.StatusService/GetStatus", { status_id: await statusOfKind(StatusKind.DOWN) });
    expect(svgText(svg)).toBe(`${hostile.toUpperCase()}: ${(down.status.name as string).toUpperCase()}`);
    const labelled = await fetch(`${server.url}/items/${id}/badge.svg?label=${encodeURIComponent("<b>api</b>")}`);
    expect(svgText(await labelled.text())).toBe(`<b>api</b>: ${down.status.name}`);
    await call("statusthing.v1.ItemsService/DeleteItem", { item_id: id });
  });

  it("answers an unknown item with a grey 'not found' badge and 404, and a bad style with 400", async () => {
    for (const path of ["/items/2ZQ3UVvFSCRBQtdQzI3fMqj9v9E/badge.svg", "/items/not-an-id/badge.svg"]) {
      const res = await fetch(server.url + path);
      expect(res.status, path).toBe(404);
      expect(svgText(await res.text())).toBe("status: not found");
    }
    const bad = await fetch(`${server.url}/badge.svg?style=plastic`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).code).toBe("invalid_argument");
    const long = await fetch(`${server.url}/badge.svg?label=${"x".repeat(101)}`);
    expect(long.status).toBe(400);
  });
});

describe("feeds", () => {
  it("carry the latest notes, newest first, as valid Atom and RSS with stable ids", async () => {
    const hostile = `Search <img src=x onerror=alert(1)> ]]> "&"`;
    const id = await addItem(hostile, StatusKind.WARNING, "First: investigating");
    await call("statusthing.v1.NotesService/AddNote", { item_id: id, note_text: "Second: fix deployed\nwith <b>markup</b> ]]> & more" });

    const atomRes = await fetch(`${server.url}/feed.atom`);
    expect(atomRes.status).toBe(200);
    expect(atomRes.headers.get("content-type")).toMatch(/^application\/atom\+xml/);
    expect(atomRes.headers.get("last-modified")).toBeTruthy();
    const atomText = await atomRes.text();
    expect(XMLValidator.validate(atomText)).toBe(true);
    const atom = parseFeed(atomText);
    expect(atom.meta.type).toBe("atom");
    const titles = atom.items.map((i) => i.title);
    expect(titles[0]).toBe(`${hostile}: Second: fix deployed`);
    expect(titles.indexOf(`${hostile}: First: investigating`)).toBeGreaterThan(0);
    // Adding the item gave it its first status: that is news too.
    const warning = await call("statusthing.v1.StatusService/GetStatus", { status_id: await statusOfKind(StatusKind.WARNING) });
    expect(titles).toContain(`${hostile}: ${warning.status.name}`);
    expect(atom.items[0]!.url).toBe(`${server.url}/items/${id}`);
    // The content is HTML: the note's own markup arrives escaped, as text to show, never to render.
    const rawAtom = new XMLParser().parse(atomText) as Json;
    expect(rawAtom.feed.entry[0].content).toBe("Second: fix deployed<br>with &lt;b&gt;markup&lt;/b&gt; ]]&gt; &amp; more");

    const rssText = await (await fetch(`${server.url}/feed.rss`)).text();
    expect(XMLValidator.validate(rssText)).toBe(true);
    const rss = parseFeed(rssText);
    expect(rss.meta.type).toBe("rss");
    expect(rss.items.map((i) => i.id)).toEqual(atom.items.map((i) => i.id));

    const again = parseFeed(await (await fetch(`${server.url}/feed.atom`)).text());
    expect(again.items.map((i) => i.id)).toEqual(atom.items.map((i) => i.id));

    const itemFeed = parseFeed(await (await fetch(`${server.url}/items/${id}/feed.atom`)).text());
    expect(itemFeed.items.map((i) => i.title).sort()).toEqual(
      [`${hostile}: Second: fix deployed`, `${hostile}: First: investigating`, `${hostile}: ${warning.status.name}`].sort(),
    );
    await call("statusthing.v1.ItemsService/DeleteItem", { item_id: id });
  });

  it("carry a Markdown note as plain text: its words, each link's address, no marks and no markup", async () => {
    const id = await addItem(uniq("Markdown feed"), StatusKind.WARNING);
    const source = "**Degraded** in `eu-west-1`:\n\n- retries *slow*\n- see [the incident](https://example.com/i/1)\n\n[x](javascript:alert(1))";
    await call("statusthing.v1.NotesService/AddNote", { item_id: id, note_text: source });
    const atomText = await (await fetch(`${server.url}/items/${id}/feed.atom`)).text();
    const entry = parseFeed(atomText).items.find((i) => i.title?.includes("Degraded"))!;
    expect(entry.title).toMatch(/: Degraded in eu-west-1:$/);
    const rawAtom = new XMLParser().parse(atomText) as Json;
    const entries = [rawAtom.feed.entry].flat() as Json[];
    const content = entries.map((e) => String(e.content)).find((c) => c.startsWith("Degraded"))!;
    expect(content).toBe("Degraded in eu-west-1:<br><br>- retries slow<br>- see the incident (https://example.com/i/1)<br><br>[x](javascript:alert(1))");
    // The API keeps the note as written.
    const notes = await call("statusthing.v1.NotesService/ListNotes", { item_id: id });
    expect((notes.notes as Json[]).map((n) => n.text)).toContain(source);
    await call("statusthing.v1.ItemsService/DeleteItem", { item_id: id });
  });

  it("tell each change of status, what it was before, and a removal, with stable ids", async () => {
    const name = uniq("Checkout");
    const id = await addItem(name, StatusKind.UP);
    const up = (await call("statusthing.v1.StatusService/GetStatus", { status_id: await statusOfKind(StatusKind.UP) })).status.name as string;
    const down = (await call("statusthing.v1.StatusService/GetStatus", { status_id: await statusOfKind(StatusKind.DOWN) })).status.name as string;
    await call("statusthing.v1.ItemsService/UpdateItem", { item_id: id, status_id: await statusOfKind(StatusKind.DOWN) });
    await call("statusthing.v1.ItemsService/UpdateItem", { item_id: id, name: `${name} renamed` });
    await call("statusthing.v1.NotesService/AddNote", { item_id: id, note_text: "Card payments fail" });
    await call("statusthing.v1.ItemsService/UpdateItem", { item_id: id, status_id: await statusOfKind(StatusKind.UP) });
    const itemFeed = parseFeed(await (await fetch(`${server.url}/items/${id}/feed.atom`)).text());
    expect(itemFeed.items.map((i) => i.title)).toEqual([`${name} renamed: ${down} → ${up}`, `${name} renamed: Card payments fail`, `${name}: ${up} → ${down}`, `${name}: ${up}`]);
    await call("statusthing.v1.ItemsService/DeleteItem", { item_id: id });
    const page = parseFeed(await (await fetch(`${server.url}/feed.atom`)).text());
    const removed = page.items[0]!;
    expect(removed.title).toBe(`${name} renamed was removed from the page`);
    expect(removed.url).toBe(`${server.url}/`);
    const ids = page.items.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The same events keep their ids when the feed is built again after another change.
    await addItem(uniq("Other"), StatusKind.UP);
    const again = parseFeed(await (await fetch(`${server.url}/feed.atom`)).text());
    expect(again.items.map((i) => i.id)).toEqual(expect.arrayContaining(ids.slice(0, 10)));
  });

  it("answers 304 to If-None-Match and If-Modified-Since, 404 for an unknown item", async () => {
    const res = await fetch(`${server.url}/feed.atom`);
    const etag = res.headers.get("etag")!;
    const lastModified = res.headers.get("last-modified")!;
    expect((await fetch(`${server.url}/feed.atom`, { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await fetch(`${server.url}/feed.atom`, { headers: { "if-modified-since": lastModified } })).status).toBe(304);
    expect((await fetch(`${server.url}/items/2ZQ3UVvFSCRBQtdQzI3fMqj9v9E/feed.atom`)).status).toBe(404);
  });

  it("keeps to the last 50 events", async () => {
    const id = await addItem(uniq("Busy"), StatusKind.UP);
    for (let i = 0; i < 55; i++) await call("statusthing.v1.NotesService/AddNote", { item_id: id, note_text: `update ${i}` });
    const feed = parseFeed(await (await fetch(`${server.url}/items/${id}/feed.atom`)).text());
    expect(feed.items).toHaveLength(50);
    expect(feed.items[0]!.title).toMatch(/: update 54$/);
    await call("statusthing.v1.ItemsService/DeleteItem", { item_id: id });
  });
});

describe("hostile names", () => {
  it("come out escaped and valid in the JSON, the badges and the feeds", async () => {
    const names = ["<script>alert(1)</script>", "a ]]> b <![CDATA[ c", `"double" 'single' & amp;`, "🚦 Payments 💳", "x".repeat(199) + "é"];
    const ids: string[] = [];
    for (const [i, name] of names.entries()) ids.push(await addItem(name, StatusKind.DOWN, `note ${i}`));
    const summary = (await getJson("/api/v2/summary.json")).body;
    expect(statuspageErrors("/api/v2/summary.json", summary)).toEqual([]);
    const feed = parseFeed(await (await fetch(`${server.url}/feed.atom`)).text());
    const rssText = await (await fetch(`${server.url}/feed.rss`)).text();
    expect(XMLValidator.validate(rssText)).toBe(true);
    const rss = parseFeed(rssText);
    for (const [i, name] of names.entries()) {
      expect(summary.components.find((c: Json) => c.id === ids[i]).name).toBe(name);
      const badge = await (await fetch(`${server.url}/items/${ids[i]}/badge.svg`)).text();
      expect(svgText(badge).startsWith(`${name}: `)).toBe(true);
      expect(feed.items.map((item) => item.title)).toContain(`${name}: note ${i}`);
      expect(rss.items.map((item) => item.title)).toContain(`${name}: note ${i}`);
    }
    for (const id of ids) await call("statusthing.v1.ItemsService/DeleteItem", { item_id: id });
  });
});

describe("with --public-url", () => {
  it("links the documents to the public URL, whatever host was asked", async () => {
    const other = await startTestServer({ app: { publicUrl: "https://status.example.com/" } });
    try {
      const summary = (await (await fetch(`${other.url}/api/v2/summary.json`)).json()) as Json;
      expect(summary.page.url).toBe("https://status.example.com");
      const feed = parseFeed(await (await fetch(`${other.url}/feed.atom`)).text());
      expect(feed.url).toBe("https://status.example.com/");
    } finally {
      await other.stop();
    }
  });
});

describe("on a --private server", () => {
  let privateServer: TestServer;
  beforeAll(async () => {
    privateServer = await startTestServer({ app: { private: true } });
  });
  afterAll(async () => {
    await privateServer?.stop();
  });

  it("every document needs a login, and is not shared with other origins", async () => {
    for (const path of ["/api/v2/summary.json", "/badge.svg", "/feed.atom", "/feed.rss"]) {
      const anonymous = await fetch(privateServer.url + path);
      expect(anonymous.status, path).toBe(401);
      expect(((await anonymous.json()) as Json).code).toBe("unauthenticated");
    }
    const cookie = await loginCookie(privateServer.url);
    const signedIn = await fetch(`${privateServer.url}/api/v2/summary.json`, { headers: { cookie } });
    expect(signedIn.status).toBe(200);
    expect(signedIn.headers.get("access-control-allow-origin")).toBeNull();
    expect(signedIn.headers.get("cache-control")).toMatch(/^private/);
    const token = await fetch(`${privateServer.url}/feed.atom`, { headers: { authorization: `Bearer ${privateServer.token}` } });
    expect(token.status).toBe(200);
  });
});
