import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsEnabled, contextOptions, launchChromium } from "../helpers/browser.js";
import { adminClients, defaultStatuses } from "./seed.js";
import { removeDatabase, startWebServer, type WebServer } from "./web-server.js";

describe.skipIf(!browserTestsEnabled())("--devmode: the web app through Vite's dev server, on the same port", { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startWebServer({ devmode: true });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("serves the pages from the sources, live, with hot reload over a WebSocket on the API's port", async () => {
    const api = adminClients(server.url);
    const { UP, DOWN } = await defaultStatuses(api);
    const { item } = await api.items.addItem({ name: "Dev item", initialStatusId: UP.id });
    const page = await (await browser.newContext(contextOptions("tv", "light"))).newPage();
    const sockets: string[] = [];
    const frames: string[] = [];
    page.on("websocket", (ws) => {
      sockets.push(ws.url());
      ws.on("framereceived", (frame) => frames.push(String(frame.payload)));
    });
    await page.goto(`${server.url}/`, { timeout: 90_000 });
    const card = page.locator(`article[data-item-id="${item!.id}"]`);
    await card.waitFor({ timeout: 90_000 });
    // Modules come straight from the sources, not from build/web.
    const scripts = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
    expect(scripts.some((path) => path.startsWith("/web/src/") || path.includes("/@fs/") || path.startsWith("/@vite/"))).toBe(true);
    // Vite's hot-reload socket is connected, on the same port.
    await expect.poll(() => frames.some((f) => f.includes('"connected"')), { timeout: 30_000 }).toBe(true);
    expect(new URL(sockets[0]!).port).toBe(String(server.port));

    await api.items.updateItem({ itemId: item!.id, statusId: DOWN.id });
    await card.locator(".badge", { hasText: "DOWN" }).waitFor();
  });
});
