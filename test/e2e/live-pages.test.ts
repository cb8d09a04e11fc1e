import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item, Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems, type PageProblems } from "../helpers/browser.js";
import type { ApiClients } from "../helpers/clients.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const window: any, document: any, navigator: any;

/** Marks the page; the mark survives only if the page is never reloaded. */
async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
}
async function stillMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);
}

describe.skipIf(!browserTestsEnabled())("live pages: changes made through the API appear without a reload", { timeout: 90_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let api: ApiClients;
  let items: Item[];
  let statuses: Record<string, Status>;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    api = adminClients(server.url);
    ({ items, statuses } = await seedRealistic(api));
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("updates / and /display, open in two browsers, on a status change and a new note", async () => {
    const website = items.find((i) => i.name === "Website")!;
    const home = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    const display = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    const problems: PageProblems[] = [watchPageProblems(home), watchPageProblems(display)];
    await home.goto(`${server.url}/`);
    await display.goto(`${server.url}/display`);
    const card = home.locator(`article[data-item-id="${website.id}"]`);
    const tile = display.locator(`[data-testid=grid] article[data-item-id="${website.id}"]`);
    await card.waitFor();
    await tile.waitFor();
    await home.locator(".live[data-phase=live]").waitFor();
    expect(await card.locator(".badge").innerText()).toContain("UP");
    expect(await tile.getAttribute("data-status")).toBe("UP");
    await markPage(home);
    await markPage(display);

    await api.items.updateItem({ itemId: website.id, statusId: statuses.DOWN!.id });
    await api.notes.addNote({ itemId: website.id, noteText: "The load balancer dropped every request; failing over." });

    await card.locator(".note-text", { hasText: "failing over" }).waitFor();
    expect(await card.locator(".badge").innerText()).toContain("DOWN");
    await display.waitForFunction((id) => document.querySelector(`article[data-item-id="${id}"]`)?.getAttribute("data-status") === "DOWN", website.id);
    await tile.locator(".note", { hasText: "failing over" }).waitFor();

    // The display keeps problems first: the website is now among the first tiles, before any UP one.
    const order = await display.locator("[data-testid=grid] article").evaluateAll((tiles) => tiles.map((t) => t.getAttribute("data-kind")));
    expect(order.indexOf("Up")).toBeGreaterThan(order.lastIndexOf("Down"));
    // The banner follows, and screen readers hear of it.
    expect(await home.getByTestId("banner").innerText()).toContain("Major outage");
    await home.waitForFunction(() => /Website/.test(document.querySelector("[data-testid=announcer]")?.textContent ?? ""));

    expect(await stillMarked(home)).toBe(true);
    expect(await stillMarked(display)).toBe(true);
    for (const p of problems) p.assertNone();
  });

  it("updates /items/<id> as notes arrive, newest first", async () => {
    const search = items.find((i) => i.name === "Search")!;
    const page = await (await browser.newContext(contextOptions("tv", "light"))).newPage();
    const problems = watchPageProblems(page);
    await page.goto(`${server.url}/items/${search.id}`);
    await page.locator("article.item h1", { hasText: "Search" }).waitFor();
    await markPage(page);
    await api.notes.addNote({ itemId: search.id, noteText: "Found it: a missing index. Rebuilding." });
    await api.items.updateItem({ itemId: search.id, statusId: statuses.monitoring!.id });
    await page.locator(".timeline .entry").first().locator(".text", { hasText: "missing index" }).waitFor();
    await page.locator("article.item .badge", { hasText: "Monitoring" }).waitFor();
    expect(await page.locator(".timeline .entry").count()).toBe(2);
    await page.waitForFunction(() => document.title.startsWith("Search: Monitoring"));

    await api.items.deleteItem({ itemId: search.id });
    await page.getByRole("heading", { name: "This item was deleted" }).waitFor();
    expect(await stillMarked(page)).toBe(true);
    problems.assertNone();
  });

  it("asks the browser to keep the screen awake on /display, and only there", async () => {
    const context = await browser.newContext(contextOptions("tv", "dark"));
    // Record wake lock requests (headless Chromium has no screen to keep awake).
    await context.addInitScript(() => {
      const requests: string[] = [];
      (window as { __wakeLocks?: string[] }).__wakeLocks = requests;
      Object.defineProperty(navigator, "wakeLock", {
        value: { request: async (type: string) => (requests.push(type), { released: false, release: async () => {} }) },
      });
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.getByTestId("items").waitFor();
    expect(await page.evaluate(() => (window as { __wakeLocks?: string[] }).__wakeLocks)).toEqual([]);
    await page.goto(`${server.url}/display`);
    await page.getByTestId("grid").waitFor();
    expect(await page.evaluate(() => (window as { __wakeLocks?: string[] }).__wakeLocks)).toEqual(["screen"]);
    await context.close();
  });

  it("shows a new item and drops a deleted one on both pages", async () => {
    const home = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    const display = await (await browser.newContext(contextOptions("tv", "light"))).newPage();
    await home.goto(`${server.url}/`);
    await display.goto(`${server.url}/display?theme=light`);
    await home.locator("[data-testid=items]").waitFor();
    await display.locator("[data-testid=grid]").waitFor();
    const { item } = await api.items.addItem({ name: "Status page itself", initialStatusId: statuses.UP!.id });
    await home.locator(`article[data-item-id="${item!.id}"]`).waitFor();
    await display.locator(`article[data-item-id="${item!.id}"]`).waitFor();
    await api.items.deleteItem({ itemId: item!.id });
    await home.locator(`article[data-item-id="${item!.id}"]`).waitFor({ state: "detached" });
    await display.locator(`article[data-item-id="${item!.id}"]`).waitFor({ state: "detached" });
  });
});
