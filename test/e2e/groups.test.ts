/**
 * Groups and order in the browser (#15): reordering in the admin console by drag and drop and by
 * keyboard moves cards and tiles live on another browser's / and /display; a 60-item page in six
 * groups at phone and TV size, light and dark (screenshots to look at), with collapsed groups
 * opening on a problem and a filter box.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupsService } from "../../shared/gen/statusthing/v1/groups_pb.js";
import type { Group, Item, Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems, type VIEWPORTS } from "../helpers/browser.js";
import { createTransport, type ApiClients } from "../helpers/clients.js";
import { pollUntil } from "../helpers/watch.js";
import { newBrowser, signIn, watchAdminProblems } from "./admin-helpers.js";
import { axe, serious } from "./axe.js";
import { adminClients, defaultStatuses } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const document: any;

const OUT = join(process.cwd(), "test-results", "screenshots");
const REGIONS = ["EU region", "US region", "Asia Pacific", "Payments", "Internal tools", "Customer-facing APIs and gateways"];

/** The item ids of one group on `/`, in the order shown. */
async function idsOnHome(page: Page, groupId: string): Promise<string[]> {
  return page.locator(`section[data-group-id="${groupId}"] article[data-item-id]`).evaluateAll((els) => els.map((el) => el.getAttribute("data-item-id") ?? ""));
}
/** The tiles' item ids on /display, in grid order. */
async function idsOnDisplay(page: Page): Promise<string[]> {
  return page.locator("[data-testid=grid] article[data-item-id]").evaluateAll((els) => els.map((el) => el.getAttribute("data-item-id") ?? ""));
}

describe.skipIf(!browserTestsEnabled())("groups and order in the browser", { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let api: ApiClients;
  let groupsApi: Client<typeof GroupsService>;
  let statuses: Record<"UP" | "DOWN" | "WARNING", Status>;
  const groups: Group[] = [];
  const items: Item[] = [];

  /** The ids of a group's items in the server's order. */
  const serverOrder = async (groupId: string) => (await api.items.listItems({})).items.filter((i) => i.groupId === groupId).map((i) => i.id);

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    api = adminClients(server.url);
    groupsApi = createClient(GroupsService, createTransport("connect-json", server.url));
    statuses = await defaultStatuses(api);
    for (const [g, region] of REGIONS.entries()) {
      const group = (await groupsApi.addGroup({ name: region, description: g === 0 ? "Frankfurt and Dublin" : "", collapsed: g >= 3 })).group!;
      groups.push(group);
      for (let i = 0; i < 10; i++) {
        // Long names that differ only in the middle or at the end: the wall must tell them apart.
        const name =
          g === 5
            ? `Payments gateway ${["us-west-2", "us-east-1", "eu-central-1", "ap-south-1", "sa-east-1"][i % 5]} ${i < 5 ? "primary" : "replica"}`
            : `${region} service ${i + 1}`;
        const { item } = await api.items.addItem({ name, initialStatusId: statuses.UP.id });
        await groupsApi.moveItem({ itemId: item!.id, groupId: group.id, position: 10 });
        items.push(item!);
      }
    }
    // A problem inside a collapsed group: the group opens by itself.
    await api.items.updateItem({ itemId: items[35]!.id, statusId: statuses.DOWN.id });
    await api.items.updateItem({ itemId: items[12]!.id, statusId: statuses.WARNING.id });
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("reorders by keyboard and by drag and drop in the admin console; / and /display follow live", async () => {
    const eu = groups[0]!;
    const { page: admin } = await newBrowser(browser, "tv", "light");
    const adminProblems = watchAdminProblems(admin);
    const home = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    const display = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    const problems = [watchPageProblems(home), watchPageProblems(display)];
    await home.goto(`${server.url}/`);
    await display.goto(`${server.url}/display`);
    await home.locator(`section[data-group-id="${eu.id}"] article`).first().waitFor();
    await display.locator("[data-testid=grid]").waitFor();
    const before = await serverOrder(eu.id);
    expect(await idsOnHome(home, eu.id)).toEqual(before);

    await signIn(admin, server.url);
    await admin.getByRole("link", { name: "Page layout" }).click();
    const first = admin.locator(`[data-testid=arrange-item][data-item-id="${before[0]}"]`);
    await first.waitFor();

    // Keyboard: focus "Move … down" on the first EU item and press Enter twice; focus stays on it.
    const firstName = items.find((i) => i.id === before[0])!.name;
    await admin.getByRole("button", { name: `Move ${firstName} down` }).focus();
    await admin.keyboard.press("Enter");
    await pollUntil(async () => (await serverOrder(eu.id))[1] === before[0], 20_000, "the first move");
    await pollUntil(async () => (await admin.evaluate(() => document.activeElement?.id)) === `down-${before[0]}`, 20_000, "focus to stay on the moved row's button");
    await admin.keyboard.press("Enter");
    await pollUntil(async () => (await serverOrder(eu.id))[2] === before[0], 20_000, "the second move");
    await admin
      .getByTestId("layout-said")
      .filter({ hasText: `Moved “${firstName}” to position 3 of 10 in EU region.` })
      .waitFor();
    const afterKeys = [before[1], before[2], before[0], ...before.slice(3)];
    expect(await serverOrder(eu.id)).toEqual(afterKeys);
    // Live on the other browser's pages, without a reload.
    await pollUntil(async () => JSON.stringify(await idsOnHome(home, eu.id)) === JSON.stringify(afterKeys), 20_000, "/ to reorder");
    await pollUntil(async () => (await idsOnDisplay(display)).indexOf(before[0]!) > (await idsOnDisplay(display)).indexOf(before[2]!), 20_000, "/display to reorder");

    // Drag and drop: the last EU item onto the upper half of the first row: it becomes first.
    const last = before[9]!;
    // Both rows in view before the drag starts (the admin nav may take two lines): a drag that has to scroll drops nowhere.
    await admin.locator(`[data-testid=arrange-item][data-item-id="${afterKeys[0]}"]`).evaluate((row) => row.scrollIntoView({ block: "start" }));
    await admin.locator(`[data-testid=arrange-item][data-item-id="${last}"]`).dragTo(admin.locator(`[data-testid=arrange-item][data-item-id="${afterKeys[0]}"]`), {
      targetPosition: { x: 40, y: 3 },
    });
    const afterDrag = [last, ...afterKeys.filter((id) => id !== last)];
    await pollUntil(async () => JSON.stringify(await serverOrder(eu.id)) === JSON.stringify(afterDrag), 20_000, "the drop to move the item");
    await pollUntil(async () => JSON.stringify(await idsOnHome(home, eu.id)) === JSON.stringify(afterDrag), 20_000, "/ to follow the drop");
    await pollUntil(async () => (await idsOnDisplay(display)).indexOf(last) < (await idsOnDisplay(display)).indexOf(afterKeys[0]!), 20_000, "/display to follow the drop");

    // A group moved by keyboard: US region goes first, on / too.
    const us = groups[1]!;
    await admin.getByRole("button", { name: "Move group US region up" }).click();
    await pollUntil(async () => (await groupsApi.listGroups({})).groups[0]?.id === us.id, 20_000, "the group move");
    await pollUntil(async () => (await home.locator("section[data-group-id]").first().getAttribute("data-group-id")) === us.id, 20_000, "/ to show US region first");
    await admin.screenshot({ path: join(OUT, "admin-layout-tv-light.png"), fullPage: true });
    expect(serious(await axe(admin)), "axe on /admin/layout").toEqual([]);
    adminProblems.assertNone();
    for (const p of problems) p.assertNone();
    // Put the groups back for the next test.
    await groupsApi.moveGroup({ groupId: eu.id, position: 0 });
  });

  for (const viewport of ["phone", "tv"] as Array<keyof typeof VIEWPORTS>) {
    for (const scheme of ["light", "dark"] as const) {
      it(`a 60-item page in six groups, ${viewport}, ${scheme}: / and /display`, async () => {
        const context = await browser.newContext(contextOptions(viewport, scheme));
        const page = await context.newPage();
        const problems = watchPageProblems(page);
        await page.goto(`${server.url}/`);
        await page.locator("section[data-group-id]").first().waitFor();
        expect(await page.locator("section[data-group-id]").count()).toBe(6);
        // Collapsed groups stay closed, but the one with an item down opened by itself.
        const collapsedDown = groups[3]!;
        expect(await page.locator(`section[data-group-id="${collapsedDown.id}"]`).getAttribute("data-open")).toBe("true");
        expect(await page.locator(`section[data-group-id="${groups[4]!.id}"]`).getAttribute("data-open")).toBe("false");
        expect(await page.locator(`section[data-group-id="${collapsedDown.id}"] [data-testid=group-worst]`).innerText()).toContain("DOWN");
        expect(await page.locator(`section[data-group-id="${groups[1]!.id}"] [data-testid=group-worst]`).innerText()).toContain("WARNING");
        await page.screenshot({ path: join(OUT, `groups-home-${viewport}-${scheme}.png`), fullPage: true });
        // The visitor opens a closed group with the keyboard.
        await page.locator(`section[data-group-id="${groups[4]!.id}"] button[aria-expanded]`).focus();
        await page.keyboard.press("Enter");
        expect(await page.locator(`section[data-group-id="${groups[4]!.id}"]`).getAttribute("data-open")).toBe("true");
        // The filter: more than 20 items, so it is there; it finds items inside closed groups too.
        await page.getByLabel("Filter systems").fill("internal service 1");
        await page.getByTestId("filter-count").filter({ hasText: "2 of 60 shown" }).waitFor();
        expect(await page.locator("article[data-item-id]:visible").count()).toBe(2);
        await page.getByLabel("Filter systems").fill("");
        expect(serious(await axe(page)), "axe on / with groups").toEqual([]);

        await page.goto(`${server.url}/display?theme=${scheme}`);
        await page.locator("[data-testid=grid]").waitFor();
        await page.waitForTimeout(300); // let fitName settle the names after the grid's first layout
        await page.screenshot({ path: join(OUT, `groups-display-${viewport}-${scheme}.png`) });
        // Each tile says its group; a group's tiles are together (problems, pinned first, aside).
        const tileGroups = await page.locator("[data-testid=grid] article").evaluateAll((els) => els.map((el) => el.querySelector("[data-testid=tile-group]")?.textContent ?? ""));
        expect(tileGroups.every((g) => REGIONS.includes(g))).toBe(true);
        const calm = await page
          .locator("[data-testid=grid] article:not(.problem)")
          .evaluateAll((els) => els.map((el) => el.querySelector("[data-testid=tile-group]")?.textContent ?? ""));
        const runs = calm.filter((g, i, all) => i === 0 || all[i - 1] !== g);
        expect(new Set(runs).size).toBe(runs.length);
        expect(serious(await axe(page)), "axe on /display with groups").toEqual([]);
        // Names on the wall: cut between words only, never two the same.
        const shown = await page.locator("[data-testid=grid] .fit").allInnerTexts();
        const names = items.map((i) => i.name);
        expect(new Set(shown).size).toBe(shown.length);
        for (const text of shown) {
          const words = text
            .split(/\s|…/)
            .filter(Boolean)
            .map((w) => w.replace(/\u2011/g, "-"));
          expect(
            words.every((w) => names.some((n) => n.split(" ").includes(w))),
            text,
          ).toBe(true);
        }
        // ...and none clipped at a tile's edge: every name's text is as wide as its box at most.
        const clipped = await page
          .locator("[data-testid=grid] .fit")
          .evaluateAll((els) => els.filter((el) => el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1).map((el) => el.textContent));
        expect(clipped).toEqual([]);
        problems.assertNone();
        await context.close();
      });
    }
  }
});
