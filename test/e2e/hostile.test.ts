import { create, toBinary } from "@bufbuild/protobuf";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchItemsResponseSchema, WatchSnapshotSchema } from "../../shared/gen/statusthing/v1/services_pb.js";
import { ItemSchema, StatusKind, StatusSchema, type Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems } from "../helpers/browser.js";
import { postJson } from "../helpers/clients.js";
import { signIn, watchAdminProblems } from "./admin-helpers.js";
import { adminClients, defaultStatuses } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const window: any, getComputedStyle: any;

const SCRIPT_NAME = `<script>window.__pwned = "script"</script>`;
const IMG_NAME = `<img src=x onerror="window.__pwned = 'img'">`;
const HOSTILE_NOTE = `<b>bold?</b> <a href="javascript:window.__pwned='link'">click</a> {@html "x"}`;

/** Whether any injected code ran in the page. */
const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned);

/** Connect's binary envelope: flags, big-endian length, payload. */
function envelope(flags: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head[0] = flags;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

describe.skipIf(!browserTestsEnabled())("hostile data renders as text and never reaches a style", { timeout: 90_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let items: Item[];

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    const api = adminClients(server.url);
    const { DOWN } = await defaultStatuses(api);
    items = [];
    for (const name of [SCRIPT_NAME, IMG_NAME]) {
      items.push((await api.items.addItem({ name, description: name, initialStatusId: DOWN.id, initialNoteText: HOSTILE_NOTE })).item!);
    }
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  for (const path of ["/", "/display", "/items/0"]) {
    it(`shows names with <script> and <img onerror> as text on ${path}`, async () => {
      const page = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
      const problems = watchPageProblems(page);
      await page.goto(server.url + (path === "/items/0" ? `/items/${items[1]!.id}` : path));
      await page.locator(`[data-item-id="${items[1]!.id}"]`).first().waitFor();
      const text = await page.locator("body").innerText();
      expect(text).toContain(IMG_NAME);
      if (path !== "/items/0") expect(text).toContain(SCRIPT_NAME);
      // No element came from the data: the only images and scripts are the app's own.
      expect(await page.locator("main img, main script, main b, main a[href^=javascript]").count()).toBe(0);
      expect(await pwned(page)).toBeUndefined();
      problems.assertNone();
    });
  }

  for (const path of ["/admin", "/admin/items/0", "/admin/statuses"]) {
    it(`shows names with <script> and <img onerror> as text, and in form fields as values, on ${path}`, async () => {
      const api = adminClients(server.url);
      // A status with a hostile name, once, for the statuses page and the selects.
      if (!(await api.statuses.listStatus({})).statuses.some((st) => st.name === SCRIPT_NAME)) {
        await api.statuses.addStatus({ name: SCRIPT_NAME, description: IMG_NAME, color: "#123456", kind: StatusKind.WARNING });
      }
      const page = await (await browser.newContext(contextOptions("tv", "light"))).newPage();
      const problems = watchAdminProblems(page);
      await signIn(page, server.url);
      await page.goto(server.url + (path === "/admin/items/0" ? `/admin/items/${items[1]!.id}` : path));
      await page
        .getByText(path === "/admin/statuses" ? "Used by" : IMG_NAME)
        .first()
        .waitFor();
      const text = await page.locator("body").innerText();
      expect(text).toContain(path === "/admin/items/0" ? HOSTILE_NOTE : SCRIPT_NAME);
      if (path === "/admin/items/0") expect(await page.getByLabel("Name").inputValue()).toBe(IMG_NAME);
      expect(await page.locator("main img, main script, main b, main a[href^=javascript]").count()).toBe(0);
      expect(await pwned(page)).toBeUndefined();
      problems.assertNone();
    });
  }

  it("refuses a status color that is not #RGB or #RRGGBB at the API", async () => {
    for (const color of ["red;background:url(https://evil.example/x)", "#fff;x", "url(x)", "expression(alert(1))"]) {
      const res = await postJson(server.url, "statusthing.v1.StatusService/AddStatus", { name: `Evil ${color}`, color, kind: "STATUS_KIND_DOWN" });
      expect(res.status, color).toBe(400);
      expect(res.body.code).toBe("invalid_argument");
    }
  });

  it("puts the kind's color, not a hostile one, into the style even if such a color arrived", async () => {
    // Play a server that sends a status color the real one would refuse.
    const evil = "#000000;background-image:url(https://evil.example/pixel)";
    const item = create(ItemSchema, {
      id: "evil-item",
      name: "Evil colors",
      status: create(StatusSchema, { id: "evil-status", name: "Evil", color: evil, kind: StatusKind.DOWN }),
    });
    const snapshot = create(WatchItemsResponseSchema, {
      revision: 1n,
      event: { case: "snapshot", value: create(WatchSnapshotSchema, { items: [item], statuses: [item.status!] }) },
    });
    const page = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.route("**/statusthing.v1.ItemsService/WatchItems", (route) =>
      route.fulfill({
        status: 200,
        contentType: "application/connect+proto",
        body: Buffer.concat([envelope(0, toBinary(WatchItemsResponseSchema, snapshot)), envelope(2, Buffer.from("{}"))]),
      }),
    );
    for (const path of ["/display", "/"]) {
      await page.goto(server.url + path);
      const carrier = page.locator(path === "/" ? "[data-item-id=evil-item] .badge" : "article[data-item-id=evil-item]");
      await carrier.waitFor();
      const style = await carrier.evaluate((el) => ({
        attribute: el.getAttribute("style") ?? "",
        background: getComputedStyle(el).backgroundColor,
        image: getComputedStyle(el).backgroundImage,
      }));
      expect(style.attribute).not.toContain("url(");
      expect(style.image).toBe("none");
      expect(style.background).toBe("rgb(217, 45, 32)"); // DOWN's own color, #D92D20
    }
    expect(requests.some((url) => url.includes("evil.example"))).toBe(false);
  });
});
