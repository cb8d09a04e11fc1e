import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item, Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems, type VIEWPORTS } from "../helpers/browser.js";
import type { ApiClients } from "../helpers/clients.js";
import { adminClients, defaultStatuses } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

const OUT = join(process.cwd(), "test-results", "screenshots");
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The clock offset that puts the server at `hour`:00 UTC, `days` calendar days ago. The history is
 * written at fixed hours so that a three-hour outage stays inside one day (the page's days are UTC
 * days here) whatever time the test runs; "now minus ten days" split it at midnight in a CI run. */
function atHourDaysAgo(days: number, hour: number): number {
  const todayStart = Math.floor(Date.now() / DAY) * DAY;
  return todayStart - days * DAY + hour * HOUR - Date.now();
}

describe.skipIf(!browserTestsEnabled())("the public page's 90-day uptime bars", { timeout: 90_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let api: ApiClients;
  let statuses: Record<"UP" | "DOWN" | "WARNING", Status>;
  let checkout: Item;
  let search: Item;
  // The server's clock: set into the past to write history on earlier days, then back to now.
  let offset = 0;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer({ now: () => new Date(Date.now() + offset) });
    api = adminClients(server.url);
    statuses = await defaultStatuses(api);
    // 40 days ago: both added, up; 10 days ago Checkout was down for a while, 3 days ago Search degraded.
    offset = -40 * DAY;
    checkout = (await api.items.addItem({ name: "Checkout", initialStatusId: statuses.UP.id })).item!;
    search = (await api.items.addItem({ name: "Search", initialStatusId: statuses.UP.id })).item!;
    offset = atHourDaysAgo(10, 9);
    await api.items.updateItem({ itemId: checkout.id, statusId: statuses.DOWN.id });
    await api.notes.addNote({ itemId: checkout.id, noteText: "Card payments fail; we are on it." });
    offset = atHourDaysAgo(10, 12);
    await api.items.updateItem({ itemId: checkout.id, statusId: statuses.UP.id });
    offset = atHourDaysAgo(3, 9);
    await api.items.updateItem({ itemId: search.id, statusId: statuses.WARNING.id });
    offset = atHourDaysAgo(3, 10);
    await api.items.updateItem({ itemId: search.id, statusId: statuses.UP.id });
    offset = 0;
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("shows 90 bars on a wide screen and 30 on a phone, with the 90-day uptime", async () => {
    for (const [viewport, visible] of [
      ["tv", 90],
      ["phone", 30],
    ] as const) {
      const page = await (await browser.newContext(contextOptions(viewport, "light"))).newPage();
      const problems = watchPageProblems(page);
      await page.goto(`${server.url}/`);
      const card = page.locator(`article[data-item-id="${checkout.id}"]`);
      await card.getByTestId("uptime").waitFor();
      expect(await card.locator(".bar").count()).toBe(90);
      expect(await card.locator(".bar:visible").count()).toBe(visible);
      // Down 3 hours in the last 40 days: not 100 %.
      expect(await card.getByTestId("uptime-ratio").innerText()).toMatch(/^99\.\d\d % 90-day uptime$/);
      const outage = card.locator(".bar[data-shape=down]");
      expect(await outage.count()).toBe(1);
      // Before the item existed: no data, drawn differently, not as "up".
      expect(await card.locator(".bar[data-shape=none]").count()).toBeGreaterThanOrEqual(49);
      problems.assertNone();
      await page.context().close();
    }
  });

  it("tells each day's story in a tooltip reached by keyboard: date, time in each class, the day's notes", async () => {
    const page = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    await page.goto(`${server.url}/`);
    const card = page.locator(`article[data-item-id="${checkout.id}"]`);
    await card.getByTestId("uptime").waitFor();
    // Tab from the item's link lands on today's bar; arrows walk back through the days.
    await card.locator("h3 a").focus();
    await page.keyboard.press("Tab");
    const today = card.locator(".bar").last();
    expect(await card.locator(".bar:focus").getAttribute("data-date")).toBe(await today.getAttribute("data-date"));
    expect(await card.getByTestId("day-tooltip").innerText()).toContain("Worst: Up");
    for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowLeft");
    const tip = card.getByTestId("day-tooltip");
    const text = await tip.innerText();
    expect(text).toContain("Worst: Down");
    expect(text).toMatch(/Down 3 h/);
    expect(text).toContain("Card payments fail; we are on it.");
    // The day is a calendar day in the page's zone, and says which.
    expect(await card.getByTestId("day-tooltip-zone").innerText()).toBe("Day in UTC");
    const focused = card.locator(".bar:focus");
    expect(await focused.getAttribute("data-shape")).toBe("down");
    expect(await focused.getAttribute("aria-label")).toMatch(/worst: Down; .*Down 3 h.*1 note/);
    await page.screenshot({ path: join(OUT, "uptime-tooltip-tv-dark.png") });
    await page.keyboard.press("Escape");
    expect(await tip.count()).toBe(0);
    await page.context().close();
  });

  it("moves today's bar at once when a status changes, through the live stream", async () => {
    const page = await (await browser.newContext(contextOptions("tv", "light"))).newPage();
    await page.goto(`${server.url}/`);
    const today = page.locator(`article[data-item-id="${search.id}"] .bar`).last();
    await today.waitFor();
    expect(await today.getAttribute("data-shape")).toBe("up");
    const uptimeCalls: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("GetUptime")) uptimeCalls.push(request.url());
    });
    await api.items.updateItem({ itemId: search.id, statusId: statuses.DOWN.id });
    await expect.poll(() => today.getAttribute("data-shape"), { timeout: 5_000 }).toBe("down");
    expect(uptimeCalls).toEqual([]);
    await api.items.updateItem({ itemId: search.id, statusId: statuses.UP.id });
    await page.context().close();
  });

  for (const viewport of ["phone", "tv"] as Array<keyof typeof VIEWPORTS>) {
    for (const scheme of ["light", "dark"] as const) {
      it(`screenshot: home with bars, ${viewport}, ${scheme}`, async () => {
        const page = await (await browser.newContext(contextOptions(viewport, scheme))).newPage();
        await page.goto(`${server.url}/`);
        await page.getByTestId("uptime").first().waitFor();
        await page.screenshot({ path: join(OUT, `uptime-home-${viewport}-${scheme}.png`), fullPage: true });
        await page.context().close();
      });
    }
  }
});
