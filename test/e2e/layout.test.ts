import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium } from "../helpers/browser.js";
import { adminClients, defaultStatuses, seedMany } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const window: any, document: any, getComputedStyle: any;

const SHOTS = join(process.cwd(), "test-results", "screenshots");

/** Whether the page can scroll in either direction. */
function scrollExtent(page: Page) {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    scrollHeight: document.documentElement.scrollHeight,
    width: window.innerWidth,
    height: window.innerHeight,
  }));
}

/** The bounding boxes of the display's tiles on the current page, and their name font size. */
function tiles(page: Page) {
  return page.locator("[data-testid=grid] article").evaluateAll((nodes) =>
    nodes.map((node) => {
      const box = node.getBoundingClientRect();
      const name = node.querySelector(".name")!;
      return {
        id: node.getAttribute("data-item-id")!,
        left: box.left,
        top: box.top,
        right: box.right,
        bottom: box.bottom,
        nameSize: parseFloat(getComputedStyle(name).fontSize),
      };
    }),
  );
}

describe.skipIf(!browserTestsEnabled())("layout: 200 items on a TV, and the public page on a phone", { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let items: Item[];

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    const api = adminClients(server.url);
    const { UP, DOWN } = await defaultStatuses(api);
    items = await seedMany(api, 200, UP);
    // 50 of them down, so ?kinds=down shows exactly 50.
    for (const item of items.slice(0, 50)) await api.items.updateItem({ itemId: item.id, statusId: DOWN.id });
    await api.items.addItem({ name: `A very long name without spaces ${"x".repeat(160)}`, description: "y".repeat(400), initialStatusId: UP.id });
    browser = await launchChromium();
    mkdirSync(SHOTS, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("shows 201 items at 1920×1080 without scrollbars, in pages that rotate through every item", async () => {
    const page = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    await page.goto(`${server.url}/display?rotate=3`);
    const grid = page.getByTestId("grid");
    await grid.waitFor();
    const pages = Number(await grid.getAttribute("data-pages"));
    expect(pages).toBeGreaterThan(1);
    const extent = await scrollExtent(page);
    expect(extent.scrollWidth).toBeLessThanOrEqual(extent.width);
    expect(extent.scrollHeight).toBeLessThanOrEqual(extent.height);

    const seen = new Set<string>();
    for (let turn = 0; turn < pages; turn++) {
      await page.waitForFunction((n) => document.querySelector("[data-testid=grid]")?.getAttribute("data-page") === String(n), turn + 1, { timeout: 15_000 });
      const boxes = await tiles(page);
      expect(boxes.length).toBeGreaterThan(0);
      for (const box of boxes) {
        seen.add(box.id);
        expect(box.left).toBeGreaterThanOrEqual(0);
        expect(box.top).toBeGreaterThanOrEqual(0);
        expect(box.right).toBeLessThanOrEqual(extent.width);
        expect(box.bottom).toBeLessThanOrEqual(extent.height);
        expect(box.nameSize).toBeGreaterThanOrEqual(18);
      }
      if (turn === 0) {
        await page.screenshot({ path: join(SHOTS, "display-tv-dark-201-items.png") });
        // Problems first: the first page starts with the 50 that are down.
        const first = boxes.slice(0, 50).map((b) => b.id);
        expect(new Set(first)).toEqual(new Set(items.slice(0, 50).map((i) => i.id)));
      }
    }
    expect(seen.size).toBe(201);
  });

  it("fits 50 items on one page, with type legible across a room", async () => {
    const page = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    await page.goto(`${server.url}/display?kinds=down`);
    const grid = page.getByTestId("grid");
    await grid.waitFor();
    expect(await grid.getAttribute("data-pages")).toBe("1");
    const boxes = await tiles(page);
    expect(boxes).toHaveLength(50);
    await page.screenshot({ path: join(SHOTS, "display-tv-dark-50-down.png") });
    expect(Math.min(...boxes.map((b) => b.nameSize))).toBeGreaterThanOrEqual(24);
    const extent = await scrollExtent(page);
    expect(extent.scrollHeight).toBeLessThanOrEqual(extent.height);
    expect(Math.max(...boxes.map((b) => b.bottom))).toBeLessThanOrEqual(extent.height);
  });

  it("keeps / readable at 390×844: no horizontal scroll, even with a 190-character name", async () => {
    const page = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    await page.goto(`${server.url}/`);
    await page.getByTestId("items").waitFor();
    const extent = await scrollExtent(page);
    expect(extent.scrollWidth).toBeLessThanOrEqual(390);
    const fontSize = await page
      .locator("article h3")
      .first()
      .evaluate((h) => parseFloat(getComputedStyle(h).fontSize));
    expect(fontSize).toBeGreaterThanOrEqual(16);
    const widest = await page.locator("article").evaluateAll((cards) => Math.max(...cards.map((c) => c.getBoundingClientRect().right)));
    expect(widest).toBeLessThanOrEqual(390);
  });
});
