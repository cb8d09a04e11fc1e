/**
 * Page settings and branding (#15): SettingsService over real HTTP on SQLite and PostgreSQL,
 * uploads checked by their bytes (wrong type, too big, SVG with script: refused, nothing lost),
 * the images served from /branding/*, who may write, the settings in the documents and the
 * HTML shell, and live on WatchItems for the clients that ask.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import { chooseOwnPassword, rpc, type Caller, type RpcResult } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { openWatch, pollUntil } from "../helpers/watch.js";
import { createClient, ConnectError, Code } from "@connectrpc/connect";
import { SettingsService } from "../../shared/gen/statusthing/v1/settings_service_pb.js";
import { ErrorInfoSchema } from "../../shared/gen/google/rpc/error_info_pb.js";
import { createTransport, type Protocol } from "../helpers/clients.js";

const SETTINGS = "statusthing.v1.SettingsService/";
type Json = Record<string, unknown>;

/** A real (tiny, valid) PNG: 1x1, one red pixel. */
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==", "base64");
const SAFE_SVG = `<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"><stop offset="0" stop-color="#1570EF"/></linearGradient></defs><rect width="10" height="10" fill="url(#g)"/></svg>\n`;

const b64 = (bytes: Buffer | string) => Buffer.from(bytes).toString("base64");

/** The reason and the BadRequest field of an error answer. */
function errorFacts(res: RpcResult): { code: string; reason: unknown; field: unknown } {
  const details = (res.body.details ?? []) as Array<{ type: string; debug?: Json }>;
  const info = details.find((d) => d.type === "google.rpc.ErrorInfo")?.debug;
  const bad = details.find((d) => d.type === "google.rpc.BadRequest")?.debug as { fieldViolations?: Array<{ field: string }> } | undefined;
  return { code: res.code, reason: info?.reason, field: bad?.fieldViolations?.[0]?.field };
}

/** The round trip every store must give: run on SQLite and on PostgreSQL. */
function roundTrip(url: () => string) {
  const call = (method: string, body: object = {}, caller: Caller = "admin") => rpc(url(), `${SETTINGS}${method}`, body, caller);

  it("reads the defaults anonymously, saves every field with an uploaded logo, and reads them back anonymously", async () => {
    const fresh = await call("GetSettings", {}, "anonymous");
    expect(fresh.code, fresh.text).toBe("ok");
    expect(fresh.body.settings).toEqual({ name: "Status", timeZone: "UTC" });

    const saved = await call("UpdateSettings", {
      name: "  Acme status  ",
      description: "Acme's services",
      homeUrl: "https://acme.example",
      supportUrl: "mailto:help@acme.example",
      timeZone: "Europe/Berlin",
      accentColor: "#1570ef",
      logo: { data: b64(PNG) },
      favicon: { url: "https://cdn.acme.example/favicon.png" },
    });
    expect(saved.code, saved.text).toBe("ok");
    const settings = saved.body.settings as Json;
    expect(settings).toMatchObject({
      name: "Acme status",
      nameSet: true,
      description: "Acme's services",
      homeUrl: "https://acme.example/",
      supportUrl: "mailto:help@acme.example",
      timeZone: "Europe/Berlin",
      timeZoneSet: true,
      accentColor: "#1570EF",
      faviconUrl: "https://cdn.acme.example/favicon.png",
    });
    expect(settings.logoUrl).toMatch(/^\/branding\/logo\?v=[0-9a-f]{16}$/);
    expect((await call("GetSettings", {}, "anonymous")).body.settings).toEqual(settings);

    const logo = await fetch(`${url()}${settings.logoUrl as string}`);
    expect(logo.status).toBe(200);
    expect(Buffer.from(await logo.arrayBuffer())).toEqual(PNG);
    expect(logo.headers.get("content-type")).toBe("image/png");

    // A partial change keeps the rest; clearing the logo removes its bytes too.
    const cleared = await call("UpdateSettings", { description: "", logo: { clear: true } });
    expect(cleared.code, cleared.text).toBe("ok");
    expect(cleared.body.settings).toMatchObject({ name: "Acme status", accentColor: "#1570EF" });
    expect((cleared.body.settings as Json).logoUrl).toBeUndefined();
    expect((cleared.body.settings as Json).description).toBeUndefined();
    expect((await fetch(`${url()}/branding/logo`)).status).toBe(404);
  });
}

describe("page settings on SQLite", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.stop();
  });
  roundTrip(() => s.url);
});

const describePg = await describeWithPostgres("the page settings test");
describePg("page settings on PostgreSQL", () => {
  let schemas: TestSchemas;
  let server: RunningServer;
  let replica: RunningServer;
  beforeAll(async () => {
    schemas = new TestSchemas();
    const schema = await schemas.create();
    const quiet = () => createLogger("silent", new Writable({ write: (_c, _e, done) => done() }));
    server = await serve(await createApp({ store: await schemas.open(schema), logger: quiet(), adminPassword: TEST_ADMIN_PASSWORD }), "127.0.0.1:0");
    await registerAdminToken(server.url);
    // A second replica on the same database.
    replica = await serve(await createApp({ store: await schemas.open(schema), logger: quiet(), adminPassword: TEST_ADMIN_PASSWORD }), "127.0.0.1:0");
  });
  afterAll(async () => {
    await server?.close(1_000);
    await replica?.close(1_000);
    await schemas?.dropAll();
  });
  roundTrip(() => server.url);

  it("reaches the other replica: its watchers get settings_changed and its reads the new settings", async () => {
    const watch = openWatch(replica.url, "connect-json", { includeSettings: true });
    try {
      await pollUntil(() => watch.state.snapshots === 1, 20_000, "snapshot on the replica");
      // Read once on the replica, so a stale cache would show.
      expect((await rpc(replica.url, `${SETTINGS}GetSettings`, {}, "anonymous")).code).toBe("ok");
      expect((await rpc(server.url, `${SETTINGS}UpdateSettings`, { name: "Set on replica A" })).code).toBe("ok");
      await pollUntil(() => watch.state.settings?.name === "Set on replica A", 20_000, "settings_changed on replica B");
      expect(((await rpc(replica.url, `${SETTINGS}GetSettings`, {}, "anonymous")).body.settings as Json).name).toBe("Set on replica A");
      const summary = (await (await fetch(`${replica.url}/api/v2/summary.json`)).json()) as { page: Json };
      expect(summary.page.name).toBe("Set on replica A");
    } finally {
      watch.close();
    }
  });
});

describe("page settings: what is refused", () => {
  let s: TestServer;
  const call = (method: string, body: object = {}, caller: Caller = "admin") => rpc(s.url, `${SETTINGS}${method}`, body, caller);
  beforeEach(async () => {
    s = await startTestServer();
    expect((await call("UpdateSettings", { name: "Kept", logo: { data: b64(PNG) } })).code).toBe("ok");
  });
  afterEach(async () => {
    await s.stop();
  });

  /** Refused with this code, reason and field, and nothing changed. */
  async function refused(body: object, reason: string, field: string | undefined): Promise<void> {
    const before = (await call("GetSettings")).body;
    const res = await call("UpdateSettings", { name: "Changed", ...body });
    expect(errorFacts(res), res.text).toEqual({ code: "invalid_argument", reason, field });
    expect((await call("GetSettings")).body).toEqual(before);
  }

  it("refuses an upload that is no image, judged by its bytes", async () => {
    await refused({ logo: { data: b64("GIF88a not really an image") } }, "IMAGE_TYPE_UNSUPPORTED", "logo.data");
    // An HTML page is not an image, whatever it is called.
    await refused({ favicon: { data: b64("<html><script>alert(1)</script></html>") } }, "IMAGE_TYPE_UNSUPPORTED", "favicon.data");
  });

  it("refuses an image over the limit: a logo over 256 KiB, a favicon over 64 KiB", async () => {
    const big = (size: number) => Buffer.concat([PNG, Buffer.alloc(size - PNG.length)]);
    await refused({ logo: { data: b64(big(256 * 1024 + 1)) } }, "IMAGE_TOO_LARGE", "logo.data");
    await refused({ favicon: { data: b64(big(64 * 1024 + 1)) } }, "IMAGE_TOO_LARGE", "favicon.data");
    expect((await call("UpdateSettings", { favicon: { data: b64(big(64 * 1024)) } })).code).toBe("ok");
  });

  it("refuses an SVG that could run or load anything, and serves a plain one sandboxed", async () => {
    const svg = (inner: string, attrs = "") => b64(`<svg xmlns="http://www.w3.org/2000/svg"${attrs}>${inner}</svg>`);
    await refused({ logo: { data: svg("<script>alert(document.cookie)</script>") } }, "SVG_UNSAFE", "logo.data");
    await refused({ logo: { data: svg("<svg:script>alert(1)</svg:script>") } }, "SVG_UNSAFE", "logo.data");
    await refused({ logo: { data: svg("<rect/>", ' onload="alert(1)"') } }, "SVG_UNSAFE", "logo.data");
    await refused({ logo: { data: svg('<a href="javascript:alert(1)"><rect/></a>') } }, "SVG_UNSAFE", "logo.data");
    await refused({ logo: { data: svg('<a xlink:href="&#106;avascript:alert(1)"><rect/></a>') } }, "SVG_UNSAFE", "logo.data");
    await refused({ logo: { data: svg('<image href="https://tracker.example/x.png"/>') } }, "SVG_UNSAFE", "logo.data");
    await refused({ logo: { data: svg("<foreignObject><iframe/></foreignObject>") } }, "SVG_UNSAFE", "logo.data");
    await refused({ logo: { data: b64(`<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>`) } }, "SVG_UNSAFE", "logo.data");

    const ok = await call("UpdateSettings", { logo: { data: b64(SAFE_SVG) } });
    expect(ok.code, ok.text).toBe("ok");
    const served = await fetch(`${s.url}/branding/logo`);
    expect(served.headers.get("content-type")).toBe("image/svg+xml");
    expect(served.headers.get("x-content-type-options")).toBe("nosniff");
    expect(served.headers.get("content-security-policy")).toContain("sandbox");
    expect(await served.text()).toBe(SAFE_SVG);
  });

  it("refuses links other than http(s) (and mailto for support), unknown time zones and a faint accent", async () => {
    await refused({ homeUrl: "javascript:alert(1)" }, "FIELD_INVALID", "home_url");
    await refused({ homeUrl: "mailto:a@example.com" }, "FIELD_INVALID", "home_url");
    await refused({ supportUrl: "data:text/html,hi" }, "FIELD_INVALID", "support_url");
    await refused({ logo: { url: "javascript:alert(1)" } }, "FIELD_INVALID", "logo.url");
    await refused({ timeZone: "Mars/Olympus_Mons" }, "FIELD_INVALID", "time_zone");
    await refused({ timeZone: "+02:00" }, "FIELD_INVALID", "time_zone");
    await refused({ accentColor: "red" }, "FIELD_INVALID", "accent_color");
    // Yellow vanishes on the light background, navy on the dark one.
    await refused({ accentColor: "#FFFF00" }, "ACCENT_CONTRAST_LOW", "accent_color");
    await refused({ accentColor: "#000080" }, "ACCENT_CONTRAST_LOW", "accent_color");
    await refused({ name: "a".repeat(201) }, "FIELD_INVALID", "name");
    const nothing = await call("UpdateSettings", {});
    expect(errorFacts(nothing)).toMatchObject({ code: "invalid_argument", reason: "FIELD_INVALID" });
  });

  it("lets only admins write: anonymous, an editor, a viewer and a read-scope admin token are refused", async () => {
    expect((await call("UpdateSettings", { name: "x" }, "anonymous")).code).toBe("unauthenticated");
    for (const [username, role] of [
      ["eddie", undefined],
      ["vera", "ROLE_VIEWER"],
    ] as const) {
      const added = await rpc(s.url, "statusthing.v1.UsersService/AddUser", { user: { username, password: `${username}-password-1` } });
      expect(added.code, added.text).toBe("ok");
      if (role) expect((await rpc(s.url, "statusthing.v1.UsersService/UpdateUser", { userId: (added.body.user as Json).id, role })).code).toBe("ok");
      await chooseOwnPassword(s.url, username, `${username}-password-1`);
      const login = await rpc(s.url, "statusthing.v1.AuthService/Login", { username, password: `${username}-password-1` }, "anonymous");
      const cookie = login.headers.get("set-cookie")!.split(";", 1)[0]!;
      expect((await call("UpdateSettings", { name: "x" }, { cookie })).code, username).toBe("permission_denied");
      expect((await call("GetSettings", {}, { cookie })).code).toBe("ok");
    }
    const readToken = await rpc(s.url, "statusthing.v1.AuthService/CreateApiToken", { name: "reader", scope: "TOKEN_SCOPE_READ" });
    expect(readToken.code, readToken.text).toBe("ok");
    expect((await call("UpdateSettings", { name: "x" }, { token: readToken.body.secret as string })).code).toBe("permission_denied");
    expect((await call("GetSettings")).body.settings).toMatchObject({ name: "Kept" });
  });
});

describe("page settings: served images and documents", () => {
  let s: TestServer;
  const call = (method: string, body: object = {}) => rpc(s.url, `${SETTINGS}${method}`, body);
  beforeAll(async () => {
    s = await startTestServer({ app: { timeZone: "America/New_York" } });
  });
  afterAll(async () => {
    await s.stop();
  });

  it("serves an uploaded logo with its type, nosniff, a strong ETag, and caches the versioned URL for good", async () => {
    const { settings } = (await call("UpdateSettings", { logo: { data: b64(PNG) } })).body as { settings: Json };
    const versioned = await fetch(`${s.url}${settings.logoUrl as string}`);
    expect(versioned.status).toBe(200);
    expect(versioned.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const etag = versioned.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const bare = await fetch(`${s.url}/branding/logo`);
    expect(bare.headers.get("cache-control")).toBe("public, no-cache");
    expect(bare.headers.get("x-content-type-options")).toBe("nosniff");
    expect((await fetch(`${s.url}/branding/logo`, { headers: { "if-none-match": etag } })).status).toBe(304);
    expect((await fetch(`${s.url}/branding/logo`, { method: "POST" })).status).toBe(405);
  });

  it("names the page by its settings in the Statuspage JSON and the feeds; the time zone falls back to --time-zone", async () => {
    const before = (await (await fetch(`${s.url}/api/v2/summary.json`)).json()) as { page: Json };
    expect(before.page).toMatchObject({ name: "Status" });
    expect(((await call("GetSettings")).body.settings as Json).timeZone).toBe("America/New_York");
    expect((await call("UpdateSettings", { name: "Acme <status>", timeZone: "Asia/Tokyo" })).code).toBe("ok");
    const after = (await (await fetch(`${s.url}/api/v2/summary.json`)).json()) as { page: Json };
    expect(after.page).toMatchObject({ name: "Acme <status>", time_zone: "Asia/Tokyo" });
    expect((await call("UpdateSettings", { logo: { data: b64(PNG) } })).code).toBe("ok");
    const feed = await (await fetch(`${s.url}/feed.atom`)).text();
    // The feed's logo is the uploaded one, as an absolute URL.
    expect(feed).toMatch(new RegExp(`<logo>${s.url}/branding/logo\\?v=[0-9a-f]{16}</logo>`));
    // The title is the page's name, escaped (never markup).
    expect(feed).toMatch(/<title[^>]*>Acme &amp;lt;status&amp;gt;<\/title>/);
    const uptime = await rpc(s.url, "statusthing.v1.HistoryService/GetUptime", { days: 1 });
    expect(uptime.body.timeZone).toBe("Asia/Tokyo");
    // Back to the flag's zone.
    expect((await call("UpdateSettings", { timeZone: "" })).body.settings).toMatchObject({ timeZone: "America/New_York" });
  });
});

describe("page settings over every protocol", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s.stop();
  });

  for (const protocol of ["grpc-h2c", "grpc-web", "connect-binary"] as Protocol[]) {
    it(`uploads a logo as bytes over ${protocol}, and refuses a script in an SVG with its reason`, async () => {
      const client = createClient(SettingsService, createTransport(protocol, s.url));
      const saved = await client.updateSettings({ name: protocol, logo: { source: { case: "data", value: new Uint8Array(PNG) } } });
      expect(saved.settings?.logoUrl).toMatch(/^\/branding\/logo\?v=/);
      expect(Buffer.from(await (await fetch(`${s.url}${saved.settings!.logoUrl}`)).arrayBuffer())).toEqual(PNG);
      const refused = await client.updateSettings({ logo: { source: { case: "data", value: new TextEncoder().encode("<svg><script>alert(1)</script></svg>") } } }).then(
        () => undefined,
        (error: unknown) => ConnectError.from(error),
      );
      expect(refused?.code).toBe(Code.InvalidArgument);
      expect(refused?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("SVG_UNSAFE");
      const anonymous = createClient(SettingsService, createTransport(protocol, s.url, { anonymous: true }));
      expect((await anonymous.getSettings({})).settings?.name).toBe(protocol);
    });
  }
});

describe("page settings with --private", () => {
  let s: TestServer;
  let webRoot: string;
  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), "statusthing-shell-"));
    writeFileSync(join(webRoot, "index.html"), `<!doctype html>\n<html><head><title>Status</title></head><body></body></html>\n`);
    s = await startTestServer({ app: { private: true, web: { root: webRoot } } });
  });
  afterAll(async () => {
    await s.stop();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it("keeps the HTML shell anonymous: no name, no preview tags", async () => {
    expect((await rpc(s.url, `${SETTINGS}UpdateSettings`, { name: "Secret project" })).code).toBe("ok");
    const html = await (await fetch(`${s.url}/`)).text();
    expect(html).toContain("<title>Status</title>");
    expect(html).not.toContain("Secret project");
    expect(html).not.toContain("og:");
  });

  it("needs a login to read the settings or fetch the logo", async () => {
    expect((await rpc(s.url, `${SETTINGS}UpdateSettings`, { logo: { data: b64(PNG) } })).code).toBe("ok");
    expect((await rpc(s.url, `${SETTINGS}GetSettings`, {}, "anonymous")).code).toBe("unauthenticated");
    expect((await fetch(`${s.url}/branding/logo`)).status).toBe(401);
    const withToken = await fetch(`${s.url}/branding/logo`, { headers: { authorization: `Bearer ${s.token!}` } });
    expect(withToken.status).toBe(200);
    expect(withToken.headers.get("cache-control")).toBe("private, no-cache");
  });
});

describe("page settings, live and in the HTML shell", () => {
  let s: TestServer;
  let webRoot: string;
  const call = (method: string, body: object = {}) => rpc(s.url, `${SETTINGS}${method}`, body);
  beforeAll(async () => {
    webRoot = mkdtempSync(join(tmpdir(), "statusthing-shell-"));
    writeFileSync(
      join(webRoot, "index.html"),
      `<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8" />\n    <link rel="icon" href="/favicon.svg" type="image/svg+xml" />\n    <title>Status</title>\n  </head>\n  <body><div id="app"></div></body>\n</html>\n`,
    );
    s = await startTestServer({ app: { web: { root: webRoot } } });
  });
  afterAll(async () => {
    await s.stop();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it("sends settings only to watchers that ask (include_settings): in the snapshot, then as settings_changed, over Connect and /ws", async () => {
    const asking = openWatch(s.url, "connect-json", { includeSettings: true });
    const askingWs = openWatch(s.url, "ws", { includeSettings: true });
    const plain = openWatch(s.url, "connect-json", {});
    try {
      for (const w of [asking, askingWs, plain]) await pollUntil(() => w.state.snapshots === 1, 20_000, `${w.protocol} snapshot`);
      expect(asking.state.settings?.name).toBe("Status");
      expect(askingWs.state.settings?.name).toBe("Status");
      expect(plain.state.settings).toBeUndefined();

      expect((await call("UpdateSettings", { name: "Live name", accentColor: "#1570EF" })).code).toBe("ok");
      for (const w of [asking, askingWs]) await pollUntil(() => w.state.settings?.name === "Live name", 20_000, `${w.protocol} sees the new name`);
      expect(asking.state.settings?.accentColor).toBe("#1570EF");
      // The plain watcher is told about a later item change, never about the settings.
      const added = await rpc(s.url, "statusthing.v1.ItemsService/AddItem", { name: "After settings" });
      await pollUntil(() => [...plain.state.items.values()].some((i) => i.name === "After settings"), 20_000, "plain watcher sees the item");
      expect(plain.messages.some((m) => m.event.case === "settingsChanged" || (m.event.case === "snapshot" && m.event.value.settings))).toBe(false);
      expect(added.code).toBe("ok");

      // A resume with since_revision gets the settings changes it missed, if it asks for them.
      const since = asking.lastRevision;
      expect((await call("UpdateSettings", { name: "While away" })).code).toBe("ok");
      const resumed = openWatch(s.url, "connect-json", { includeSettings: true, sinceRevision: BigInt(since) });
      const resumedPlain = openWatch(s.url, "connect-json", { sinceRevision: BigInt(since) });
      try {
        await pollUntil(() => resumed.state.settings?.name === "While away", 20_000, "resumed watcher gets the missed change");
        expect(resumed.messages.some((m) => m.event.case === "snapshot")).toBe(false);
        await call("UpdateSettings", { description: "flush" });
        await rpc(s.url, "statusthing.v1.ItemsService/AddItem", { name: "Marker" });
        await pollUntil(() => [...resumedPlain.state.items.values()].some((i) => i.name === "Marker"), 20_000, "plain resumed watcher sees the marker");
        expect(resumedPlain.messages.some((m) => m.event.case === "settingsChanged")).toBe(false);
      } finally {
        resumed.close();
        resumedPlain.close();
      }
    } finally {
      for (const w of [asking, askingWs, plain]) w.close();
    }
  });

  it("names the page in the HTML shell for link previews: title, Open Graph, theme-color and favicon, escaped; the CSP allows only a linked image's origin", async () => {
    expect((await call("UpdateSettings", { name: `Acme "<b>" & Co`, description: "", accentColor: "#1570EF", logo: { data: b64(PNG) }, favicon: { data: b64(PNG) } })).code).toBe(
      "ok",
    );
    const page = await fetch(`${s.url}/`);
    const html = await page.text();
    const settings = (await call("GetSettings")).body.settings as Json;
    expect(html).toContain("<title>Acme &quot;&lt;b&gt;&quot; &amp; Co</title>");
    expect(html).toContain('<meta property="og:title" content="Acme &quot;&lt;b&gt;&quot; &amp; Co" />');
    expect(html).toContain(`<meta property="og:image" content="${s.url}${(settings.logoUrl as string).replace("&", "&amp;")}" />`);
    expect(html).toContain('<meta name="theme-color" content="#1570EF" />');
    expect(html).toContain(`<link rel="icon" href="${settings.faviconUrl as string}" type="image/png" />`);
    expect(html).not.toContain("<b>");
    expect(page.headers.get("content-security-policy")).toContain("img-src 'self' data:;");
    // A page that moved on is a new shell: the ETag follows the settings.
    const etag = page.headers.get("etag")!;
    expect((await fetch(`${s.url}/`, { headers: { "if-none-match": etag } })).status).toBe(304);

    expect((await call("UpdateSettings", { logo: { url: "https://cdn.acme.example/logo.png" } })).code).toBe("ok");
    const linked = await fetch(`${s.url}/`);
    expect(linked.headers.get("etag")).not.toBe(etag);
    expect(linked.headers.get("content-security-policy")).toContain("img-src 'self' data: https://cdn.acme.example;");
    expect(await linked.text()).toContain('<meta property="og:image" content="https://cdn.acme.example/logo.png" />');
  });
});
