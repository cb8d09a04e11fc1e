/**
 * The admin console's rough edges (#11.8–11.10): buttons that could only fail are disabled with
 * the reason, items move off a status so it can go, and focus lands somewhere useful.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item, Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, launchChromium } from "../helpers/browser.js";
import type { ApiClients } from "../helpers/clients.js";
import { newBrowser, signIn, watchAdminProblems } from "./admin-helpers.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const document: any;

describe.skipIf(!browserTestsEnabled())("admin console polish", { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: WebServer;
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

  it("disables deleting one's own account, with the reason", async () => {
    const { context, page } = await newBrowser(browser, "tv", "light");
    const problems = watchAdminProblems(page);
    await signIn(page, server.url);
    await page.goto(`${server.url}/admin/users`);
    const mine = page.getByRole("button", { name: "Delete admin" });
    await mine.waitFor();
    expect(await mine.isDisabled()).toBe(true);
    const reasonId = await mine.getAttribute("aria-describedby");
    expect(await page.locator(`#${reasonId}`).innerText()).toMatch(/can't delete your own account/);
    problems.assertNone();
    await context.close();
  });

  it("disables deleting a status in use, moves its items to another status, and then it can go", async () => {
    const { context, page } = await newBrowser(browser, "tv", "dark");
    const problems = watchAdminProblems(page);
    await signIn(page, server.url);
    await page.goto(`${server.url}/admin/statuses`);
    // "Monitoring" is used by one item (Email delivery).
    const remove = page.getByRole("button", { name: "Delete Monitoring" });
    await remove.waitFor();
    expect(await remove.isDisabled()).toBe(true);
    expect(await page.locator(`#${await remove.getAttribute("aria-describedby")}`).innerText()).toMatch(/in use: move its items/);

    await page.getByRole("button", { name: "Move its items from Monitoring" }).click();
    await page.getByLabel("Move the items to").selectOption({ label: "UP" });
    await page.getByRole("button", { name: "Move 1 item" }).click();
    await page.getByText("Moved 1 item to “UP”.").waitFor();
    // Focus goes to the now enabled Delete button, ready for the next step.
    await page.waitForFunction(() => document.activeElement?.textContent?.includes("Delete") && !document.activeElement.disabled);
    const email = items.find((i) => i.name === "Email delivery")!;
    expect((await api.items.getItem({ itemId: email.id })).item!.status!.id).toBe(statuses.UP!.id);
    await remove.click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete status" }).click();
    await page.getByText("Deleted “Monitoring”.").waitFor();
    problems.assertNone();
    await context.close();
  });
});
