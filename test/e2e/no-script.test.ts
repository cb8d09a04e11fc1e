/**
 * The page in a browser that runs no JavaScript (Chromium with scripts off, as a locked-down
 * kiosk), and the same pages with scripts on, where the app takes over; notes written in
 * Markdown, hostile ones included, checked in the DOM both ways. Screenshots of the page without
 * JavaScript go to test-results/screenshots/no-script-*.png.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, VIEWPORTS, watchPageProblems } from "../helpers/browser.js";
import { axe, serious } from "./axe.js";
import { newBrowser, signIn, watchAdminProblems } from "./admin-helpers.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const document: any, getComputedStyle: any;

const OUT = join(process.cwd(), "test-results", "screenshots");

/** A note that tries everything a note must not do, among Markdown it may. */
const HOSTILE_NOTE = [
  "**Degraded**: see [the incident](https://example.com/incident) or write to <ops@example.com>.",
  "- [click](javascript:alert(1)) [CLICK](JaVaScRiPt:alert(2)) [ent](&#106;avascript:alert(3)) [tab](java\tscript:alert(4))",
  "- [data](data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==) [vb](vbscript:msgbox(6))",
  "",
  '<script>window.__pwned = 7</script><img src=x onerror="window.__pwned = 8"><a href="javascript:alert(9)">raw</a>',
  "",
  "![pixel](https://evil.example/p.png) `code <b>` " + "> ".repeat(200) + "deep",
].join("\n");

/** What a rendered note's DOM contains that it must not, in every `.note-markdown` on the page. */
async function noteDomProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const allowed = new Set(["P", "BR", "EM", "STRONG", "UL", "OL", "LI", "CODE", "A"]);
    for (const root of document.querySelectorAll(".note-markdown")) {
      for (const el of root.querySelectorAll("*")) {
        if (!allowed.has(el.tagName)) problems.push(`element ${el.tagName}`);
        for (const attr of el.attributes) {
          if (!["href", "rel", "title", "start"].includes(attr.name)) problems.push(`attribute ${attr.name} on ${el.tagName}`);
        }
        if (el.tagName === "A") {
          if (!/^(https?|mailto):$/.test(new URL(el.href).protocol)) problems.push(`link ${el.href}`);
          if (el.getAttribute("rel") !== "nofollow noopener") problems.push(`rel ${el.getAttribute("rel")}`);
        }
      }
    }
    if ((globalThis as { __pwned?: unknown }).__pwned !== undefined) problems.push("a script ran");
    return problems;
  });
}

/**
 * axe's findings on the page as a browser without scripts shows it. axe itself is a script, and
 * scripts do not run there: so the page is loaded with scripts on, but as the server sent it with
 * the <noscript> parts unwrapped and the app's own scripts (and the reload) taken out.
 */
async function axeWithoutScripts(browser: Browser, url: string, scheme: "light" | "dark") {
  const context = await browser.newContext(contextOptions("phone", scheme));
  const page = await context.newPage();
  await page.route(url, async (route) => {
    const response = await route.fetch();
    const body = (await response.text())
      .replace(/<\/?noscript>/g, "")
      .replace(/<script[\s\S]*?<\/script>/g, "")
      .replace(/<meta http-equiv="refresh"[^>]*>/, "");
    await route.fulfill({ response, body });
  });
  await page.goto(url);
  await page.getByTestId("no-script-page").waitFor();
  const violations = serious(await axe(page));
  await context.close();
  return violations;
}

describe.skipIf(!browserTestsEnabled())("the page without JavaScript", { timeout: 90_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let items: Item[];
  let hostileItem: Item;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    const api = adminClients(server.url);
    ({ items } = await seedRealistic(api));
    hostileItem = items.find((item) => item.name === "Public API")!;
    await api.notes.addNote({ itemId: hostileItem.id, noteText: HOSTILE_NOTE });
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  async function noScriptPage(viewport: keyof typeof VIEWPORTS = "phone", scheme: "light" | "dark" = "light") {
    const context = await browser.newContext({ ...contextOptions(viewport, scheme), javaScriptEnabled: false });
    return { context, page: await context.newPage() };
  }

  it("shows every item and its status on / with scripts off", async () => {
    const { context, page } = await noScriptPage();
    const res = await page.goto(`${server.url}/`);
    expect(res!.status()).toBe(200);
    const rendered = page.getByTestId("no-script-page");
    await rendered.waitFor();
    expect(await page.locator("h1").innerText()).toBe("Major outage");
    const cards = page.locator(".nojs-item");
    expect(await cards.count()).toBe(items.length);
    for (const item of items) {
      const card = page.locator(`.nojs-item[data-item-id="${item.id}"]`);
      expect(await card.locator(".nojs-item-name").innerText()).toBe(item.name);
      expect(await card.locator(".nojs-status-name").innerText()).toBe(item.status!.name);
      expect(await card.locator(".nojs-status-name").isVisible()).toBe(true);
    }
    // Problems first, as on the app's page.
    expect(await cards.first().locator(".nojs-item-name").innerText()).toBe("Payments");
    expect(await page.title()).toBe("Major outage · Status");
    for (const scheme of ["light", "dark"] as const) expect(await axeWithoutScripts(browser, `${server.url}/`, scheme)).toEqual([]);
    await context.close();
  });

  it("renders the Markdown of notes safely on an item's page with scripts off", async () => {
    const { context, page } = await noScriptPage();
    await page.goto(`${server.url}/items/${hostileItem.id}`);
    await page.getByTestId("no-script-page").waitFor();
    const newest = page.locator(".nojs-notes .note-markdown").first();
    expect(await newest.locator("strong").first().innerText()).toBe("Degraded");
    expect(await newest.locator('a[href="https://example.com/incident"]').getAttribute("rel")).toBe("nofollow noopener");
    expect(await newest.locator('a[href="mailto:ops@example.com"]').count()).toBe(1);
    expect(await newest.innerText()).toContain("[click](javascript:alert(1))");
    expect(await newest.innerText()).toContain("<script>window.__pwned = 7</script>");
    expect(await noteDomProblems(page)).toEqual([]);
    // The older note is there too, below.
    expect(await page.locator(".nojs-notes > li").count()).toBe(2);
    for (const scheme of ["light", "dark"] as const) expect(await axeWithoutScripts(browser, `${server.url}/items/${hostileItem.id}`, scheme)).toEqual([]);
    await context.close();
  });

  it("answers an unknown item with a 404 page", async () => {
    const { context, page } = await noScriptPage();
    const res = await page.goto(`${server.url}/items/2ZQ3UVvFSCRBQtdQzI3fMqj9v9E`);
    expect(res!.status()).toBe(404);
    expect(await page.locator("h1").innerText()).toBe("Page not found");
    await context.close();
  });

  it("shows a change on the next load", async () => {
    const api = adminClients(server.url);
    const { context, page } = await noScriptPage();
    await page.goto(`${server.url}/`);
    const website = items.find((item) => item.name === "Website")!;
    await api.notes.addNote({ itemId: website.id, noteText: "Rolled out *4.13*." });
    await page.reload();
    const card = page.locator(`.nojs-item[data-item-id="${website.id}"]`);
    expect(await card.locator(".note-markdown em").innerText()).toBe("4.13");
    await context.close();
  });

  it("with scripts on, the app takes over and renders the same notes the same way", async () => {
    const context = await browser.newContext(contextOptions("phone"));
    const page = await context.newPage();
    const problems = watchPageProblems(page);
    await page.goto(`${server.url}/items/${hostileItem.id}`);
    // The app's own timeline, rendered by the shared renderer once it has loaded.
    const newest = page.locator(".timeline .entry .note-markdown").first();
    await newest.locator("strong", { hasText: "Degraded" }).waitFor();
    expect(await newest.locator('a[href="https://example.com/incident"]').getAttribute("rel")).toBe("nofollow noopener");
    expect(await newest.innerText()).toContain("[click](javascript:alert(1))");
    expect(await noteDomProblems(page)).toEqual([]);
    // The server's part is inert text inside <noscript>, never shown.
    expect(await page.getByTestId("no-script-page").count()).toBe(0);
    expect(await page.locator("h1").count()).toBe(1);
    await page.locator(".timeline").screenshot({ path: join(OUT, "markdown-timeline-phone-light.png") });

    await page.goto(`${server.url}/`);
    const card = page.locator(`article[data-item-id="${hostileItem.id}"]`);
    await card.locator(".note-text strong", { hasText: "Degraded" }).waitFor();
    expect(await noteDomProblems(page)).toEqual([]);
    await card.screenshot({ path: join(OUT, "markdown-card-phone-light.png") });
    problems.assertNone();
    await context.close();
  });

  it("the admin console shows a note rendered the same way, and edits its Markdown source as written", async () => {
    const { context, page } = await newBrowser(browser, "tv");
    const problems = watchAdminProblems(page);
    await signIn(page, server.url);
    await page.goto(`${server.url}/admin/items/${hostileItem.id}`);
    const note = page.getByTestId("admin-note").first();
    await note.locator(".note-markdown strong", { hasText: "Degraded" }).waitFor();
    expect(await noteDomProblems(page)).toEqual([]);
    await note.getByRole("button", { name: "Edit note" }).click();
    expect(await note.getByLabel("Note text").inputValue()).toBe(HOSTILE_NOTE);
    // A new note shows a preview, rendered as the public page will show it.
    await page.getByLabel("New note").fill("Fix is **live**; [x](javascript:alert(1)) <img src=x onerror=alert(1)>");
    const preview = page.getByTestId("note-preview");
    expect(await preview.locator("strong").innerText()).toBe("live");
    expect(await preview.locator("a, img").count()).toBe(0);
    await preview.screenshot({ path: join(OUT, "admin-note-preview.png") });
    expect(await noteDomProblems(page)).toEqual([]);
    problems.assertNone();
    await context.close();
  });

  it("the wall display shows a problem's note rendered the same way, in the tile's own colors", async () => {
    const context = await browser.newContext(contextOptions("tv", "dark"));
    const page = await context.newPage();
    const problems = watchPageProblems(page);
    await page.goto(`${server.url}/display`);
    const tile = page.locator(`article[data-item-id="${hostileItem.id}"]`);
    await tile.locator(".note-markdown strong", { hasText: "Degraded" }).waitFor();
    expect(await noteDomProblems(page)).toEqual([]);
    // A link in a tile keeps the tile's text color (contrast-checked against the status color).
    const colors = await tile.evaluate((el) => [getComputedStyle(el).color, getComputedStyle((el as any).querySelector(".note-markdown a")).color]);
    expect(colors[1]).toBe(colors[0]);
    await page.screenshot({ path: join(OUT, "no-script-display-markdown-tv-dark.png") });
    problems.assertNone();
    await context.close();
  });

  for (const viewport of ["phone", "tv"] as const) {
    for (const scheme of ["light", "dark"] as const) {
      it(`screenshots: ${viewport}, ${scheme}`, async () => {
        const { context, page } = await noScriptPage(viewport, scheme);
        await page.goto(`${server.url}/`);
        await page.getByTestId("no-script-page").waitFor();
        await page.screenshot({ path: join(OUT, `no-script-home-${viewport}-${scheme}.png`), fullPage: true });
        await page.goto(`${server.url}/items/${hostileItem.id}`);
        await page.getByTestId("no-script-page").waitFor();
        await page.screenshot({ path: join(OUT, `no-script-item-${viewport}-${scheme}.png`), fullPage: true });
        await context.close();
      });
    }
  }
});
