import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems } from "../helpers/browser.js";
import { adminClients, defaultStatuses } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const document: any, getComputedStyle: any;

describe.skipIf(!browserTestsEnabled())("the public page's edges: empty, unknown paths, links, stale and back", { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: WebServer | undefined;
  let dbPath: string | undefined;

  beforeAll(async () => {
    prepareWebBuild();
    browser = await launchChromium();
    server = await startWebServer();
    dbPath = server.dbPath;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dbPath) removeDatabase(dbPath);
  });

  it("points an operator of an empty install to /admin, and the display does not look 'all good'", async () => {
    const context = await browser.newContext(contextOptions("phone", "light"));
    const page = await context.newPage();
    await page.goto(`${server!.url}/`);
    await page.getByTestId("empty").waitFor();
    expect(await page.getByTestId("empty").locator('a[href="/admin"]').count()).toBe(1);
    await page.goto(`${server!.url}/display`);
    await page.getByTestId("empty").waitFor();
    expect(await page.getByTestId("empty").innerText()).toMatch(/No items yet: add them at \/admin/);
    expect(await page.locator("[data-testid=empty] [data-icon=check]").count()).toBe(0);
    await context.close();
  });

  it("answers a path it has no page for with 404 and a page in the app's style", async () => {
    const context = await browser.newContext(contextOptions("phone", "dark"));
    const page = await context.newPage();
    const problems = watchPageProblems(page);
    const response = await page.goto(`${server!.url}/no/such/page`);
    expect(response!.status()).toBe(404);
    await page.getByTestId("error-heading").waitFor();
    expect(await page.getByTestId("error-heading").innerText()).toBe("Page not found");
    expect(await page.locator('.shell a[href="/"]').count()).toBeGreaterThan(0);
    // The 404 response and SvelteKit's own "Not found" are logged as errors; nothing else may be.
    const others = problems.errors.filter((e) => !/404|Not found: \/no\/such\/page/.test(e));
    expect(others, others.join("\n")).toEqual([]);
    await context.close();
  });

  it("underlines item names (they are links), dims when stale, says the time with its zone, and is fresh right after reconnecting", async () => {
    const port = server!.port;
    const api = adminClients(server!.url);
    const { DOWN } = await defaultStatuses(api);
    await api.items.addItem({ name: "Payments", initialStatusId: DOWN.id });
    const context = await browser.newContext({ ...contextOptions("phone", "light"), timezoneId: "Europe/Berlin" });
    const page = await context.newPage();
    await page.clock.install();
    await page.goto(`${server!.url}/`);
    await page.locator("[data-testid=items] h3 a").waitFor();
    await page.locator(".live[data-phase=live]").waitFor();
    expect(await page.locator("[data-testid=items] h3 a").evaluate((a) => getComputedStyle(a).textDecorationLine)).toBe("underline");

    // The server goes away for over 30 s: the content is dimmed and says it may be out of date.
    await server!.stop();
    server = undefined;
    await page.locator(".live[data-phase=reconnecting]").waitFor();
    expect(await page.locator(".live").innerText()).toMatch(/Reconnecting since \d{2}:\d{2}:\d{2} (GMT[+-]\d+|CES?T)/);
    expect(await page.getByTestId("main").getAttribute("class")).not.toMatch(/\bstale\b/);
    await page.clock.runFor(31_000);
    await page.getByTestId("stale-note").waitFor();
    // Dimmed (after a short CSS transition): the banner no longer shouts at full strength.
    await page.waitForFunction(() => Number(getComputedStyle(document.querySelector("[data-testid=banner]").closest(".content")).opacity) < 0.6, undefined, {
      timeout: 10_000,
    });

    // Back: live again at once, and "updated" counts from now, not from before the outage.
    server = await startWebServer({ dbPath: dbPath!, port });
    await page.clock.runFor(5_000);
    await page.locator(".live[data-phase=live]").waitFor({ timeout: 10_000 });
    expect(await page.locator(".live .age").innerText()).toMatch(/updated (just now|\d s ago)/);
    expect(await page.getByTestId("stale-note").count()).toBe(0);
    await context.close();
  });
});
