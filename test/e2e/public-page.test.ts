import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item, Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems } from "../helpers/browser.js";
import type { ApiClients } from "../helpers/clients.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

describe.skipIf(!browserTestsEnabled())("the public page during an outage", { timeout: 90_000 }, () => {
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

  it("lists problems first and names them in the banner", async () => {
    const page = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    const problems = watchPageProblems(page);
    await page.goto(`${server.url}/`);
    await page.getByTestId("items").waitFor();
    const names = await page.locator("[data-testid=items] h3").allInnerTexts();
    // Worst first: down, unavailable, warning, investigating, observing; then the rest in creation order.
    expect(names.slice(0, 6)).toEqual(["Payments", "File storage", "Public API", "Search", "Email delivery", "Website"]);
    expect(await page.getByTestId("problem-summary").innerText()).toBe("Payments is down; File storage is unavailable; 3 more have problems");
    problems.assertNone();
    await page.context().close();
  });

  it("says since when each status holds, and that a note is older than the status beside it", async () => {
    const search = items.find((i) => i.name === "Search")!;
    const home = await (await browser.newContext(contextOptions("phone", "dark"))).newPage();
    const display = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    await home.goto(`${server.url}/`);
    await display.goto(`${server.url}/display`);
    const card = home.locator(`article[data-item-id="${search.id}"]`);
    const tile = display.locator(`article[data-item-id="${search.id}"]`);
    await card.getByTestId("status-since").waitFor();
    // Never changed since it was added: its status holds since then, exactly, and its note is not older.
    expect(await card.getByTestId("status-since").getAttribute("data-exact")).toBe("true");
    expect(await card.getByTestId("status-since").innerText()).toMatch(/^Investigating since \d{2}:\d{2} \S+ \((just now|\d+ s ago)\)$/);
    expect(await card.locator(".note").getAttribute("data-older-than-status")).toBe("false");
    await tile.locator(".note", { hasText: "time out" }).waitFor();

    // The status changes without a note: the old note now predates it, and says so.
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // timestamps have second precision at worst
    await api.items.updateItem({ itemId: search.id, statusId: statuses.DOWN!.id });
    await card.locator(".note[data-older-than-status=true]").waitFor();
    expect(await card.locator(".note-when").innerText()).toMatch(/before the status changed/);
    expect(await card.getByTestId("status-since").innerText()).toMatch(/^DOWN since /);
    // The display drops the older note rather than put it beside DOWN.
    await tile.locator(".note").waitFor({ state: "detached" });
    expect(await tile.getAttribute("data-status")).toBe("DOWN");

    // A rename is not a change of status.
    const since = await card.getByTestId("status-since").locator("time").getAttribute("datetime");
    await api.items.updateItem({ itemId: search.id, name: "Search (all regions)" });
    await card.locator("h3", { hasText: "Search (all regions)" }).waitFor();
    expect(await card.getByTestId("status-since").locator("time").getAttribute("datetime")).toBe(since);

    // The item page places the change among the notes: above the older one.
    await home.locator(`a[href="/items/${search.id}"]`).click();
    await home.getByTestId("timeline-status-change").waitFor();
    const entries = await home.locator(".timeline > li").allInnerTexts();
    expect(entries[0]).toMatch(/Status changed to DOWN/);
    expect(entries[1]).toMatch(/time out/);
    expect(await home.getByTestId("status-since").locator("time").getAttribute("datetime")).toBe(since);
    await home.context().close();
    await display.context().close();
  });
});
