import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems, type VIEWPORTS } from "../helpers/browser.js";
import type { ApiClients } from "../helpers/clients.js";
import { adminClients, defaultStatuses } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

const OUT = join(process.cwd(), "test-results", "screenshots");
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!browserTestsEnabled())("time travel: /?at= and /display?at= show the page as it was", { timeout: 90_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let api: ApiClients;
  let then: string;
  let paymentsId: string;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    api = adminClients(server.url);
    const statuses = await defaultStatuses(api);
    const payments = (await api.items.addItem({ name: "Payments", initialStatusId: statuses.DOWN.id, initialNoteText: "Card payments fail; we are on it." })).item!;
    paymentsId = payments.id;
    const legacy = (await api.items.addItem({ name: "Legacy billing", initialStatusId: statuses.UP.id })).item!;
    // Apart by more than the quarter second the item page's links add after a change.
    await pause(400);
    then = new Date().toISOString();
    await pause(400);
    await api.items.updateItem({ itemId: payments.id, name: "Payments API" });
    await api.items.updateItem({ itemId: payments.id, statusId: statuses.UP.id });
    await api.notes.updateNote({ noteId: payments.notes[0]!.id, noteText: "Fixed." });
    await api.items.deleteItem({ itemId: legacy.id });
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("shows names, statuses, notes and deleted items as they were, with a banner back to live", async () => {
    const page = await (await browser.newContext(contextOptions("tv", "light"))).newPage();
    const problems = watchPageProblems(page);
    await page.goto(`${server.url}/?at=${encodeURIComponent(then)}`);
    await page.getByTestId("time-travel").waitFor();
    expect(await page.getByTestId("time-travel").innerText()).toMatch(/You are looking at .+; back to live/);
    // The past is not live: the header says so, with the moment and its zone, and never "Live".
    expect(await page.locator("header").innerText()).not.toMatch(/\bLive\b/);
    expect(await page.getByTestId("as-of").innerText()).toMatch(/^Not live · as of .+ (UTC|GMT)/);
    await page.getByTestId("items").waitFor();
    // The note's time is when it was written, with its zone, not an age counted from now.
    expect(await page.locator("[data-testid=items] .note-when").first().innerText()).toMatch(/\d\d:\d\d (UTC|GMT)/);
    expect(await page.locator("[data-testid=items] h3").allInnerTexts()).toEqual(["Payments", "Legacy billing"]);
    expect(await page.locator("[data-testid=items] .note-text").first().innerText()).toBe("Card payments fail; we are on it.");
    expect(await page.getByTestId("uptime").count()).toBe(0);

    // A step forward: the next change (the rename) is shown, with its own time.
    await page.getByTestId("next-change").click();
    await page.waitForURL((url) => url.searchParams.get("at") !== then);
    await expect.poll(() => page.locator("[data-testid=items] h3").first().innerText()).toBe("Payments API");
    expect(await page.getByTestId("previous-change").count()).toBe(1);

    await page.getByTestId("back-to-live").click();
    await page.waitForURL((url) => !url.searchParams.has("at"));
    await expect.poll(() => page.locator("[data-testid=items] h3").allInnerTexts()).toEqual(["Payments API"]);
    expect(await page.getByTestId("time-travel").count()).toBe(0);
    await expect.poll(() => page.locator("header").innerText()).toMatch(/\bLive\b/);
    expect(await page.getByTestId("as-of").count()).toBe(0);
    problems.assertNone();
    await page.context().close();
  });

  it("gives the item page its uptime and one timeline of changes and notes, each linking to the page then", async () => {
    const page = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    const problems = watchPageProblems(page);
    await page.goto(`${server.url}/items/${paymentsId}`);
    await page.getByTestId("item-history").waitFor();
    expect(await page.locator("[data-testid=item-uptime] dt").allInnerTexts()).toEqual(["24 hours", "7 days", "30 days", "90 days"]);
    const entries = await page.locator("[data-testid=item-history] li").allInnerTexts();
    expect(entries.join("\n")).toMatch(/DOWN → UP, after (< 1 min|\d+ min)/);
    expect(entries.join("\n")).toContain("Added as DOWN");
    expect(entries.join("\n")).toContain("Fixed.");
    await page.screenshot({ path: join(OUT, "item-history-phone-light.png"), fullPage: true });
    await page.locator("[data-testid=item-history] li", { hasText: "Added as DOWN" }).locator("a").click();
    await page.getByTestId("time-travel").waitFor();
    await expect.poll(() => page.locator("[data-testid=items] h3").allInnerTexts()).toContain("Payments");
    problems.assertNone();
    await page.context().close();
  });

  it("shows the wall display as it was too", async () => {
    const page = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    await page.goto(`${server.url}/display?at=${encodeURIComponent(then)}`);
    await page.getByTestId("time-travel").waitFor();
    await page.getByTestId("grid").waitFor();
    expect(await page.locator("header").innerText()).not.toMatch(/\bLive\b/);
    expect(await page.getByTestId("as-of").innerText()).toMatch(/Not live · as of/);
    const tiles = await page.locator("[data-testid=grid] li").allInnerTexts();
    expect(tiles.join(" | ")).toContain("Payments");
    expect(tiles.join(" | ")).toContain("Legacy billing");
    await page.screenshot({ path: join(OUT, "time-travel-display-tv-dark.png") });
    await page.context().close();
  });

  for (const viewport of ["phone", "tv"] as Array<keyof typeof VIEWPORTS>) {
    for (const scheme of ["light", "dark"] as const) {
      it(`screenshot: / at a past moment, ${viewport}, ${scheme}`, async () => {
        const page = await (await browser.newContext(contextOptions(viewport, scheme))).newPage();
        await page.goto(`${server.url}/?at=${encodeURIComponent(then)}`);
        await page.getByTestId("items").waitFor();
        await page.screenshot({ path: join(OUT, `time-travel-home-${viewport}-${scheme}.png`), fullPage: true });
        await page.context().close();
      });
      it(`screenshot: /display at a past moment, ${viewport}, ${scheme}`, async () => {
        const page = await (await browser.newContext(contextOptions(viewport, scheme))).newPage();
        await page.goto(`${server.url}/display?at=${encodeURIComponent(then)}`);
        await page.getByTestId("grid").waitFor();
        await page.screenshot({ path: join(OUT, `time-travel-display-${viewport}-${scheme}.png`) });
        await page.context().close();
      });
    }
  }
});
