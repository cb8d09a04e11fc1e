/**
 * The admin console's rough edges (#11.8–11.10): buttons that could only fail are disabled with
 * the reason, items move off a status so it can go, and focus lands somewhere useful.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusKind, type Item, type Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, launchChromium } from "../helpers/browser.js";
import type { ApiClients } from "../helpers/clients.js";
import { newBrowser, signIn, watchAdminProblems } from "./admin-helpers.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const document: any, getComputedStyle: any;

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

  /** The focused element, described: its id, or its tag and text. */
  const focused = (page: import("playwright-core").Page) =>
    page.evaluate(() => {
      const el = document.activeElement;
      return el?.id || `${el?.tagName.toLowerCase()}: ${(el?.textContent ?? "").trim().slice(0, 40)}`;
    });

  it("puts focus somewhere sensible after each note action, and Ctrl+Enter saves a note", async () => {
    const { context, page } = await newBrowser(browser, "tv", "light");
    const problems = watchAdminProblems(page);
    await signIn(page, server.url);
    const website = items.find((i) => i.name === "Website")!;
    await page.goto(`${server.url}/admin/items/${website.id}`);
    const field = page.locator("#new-note");
    await field.fill("Deploying a fix.");
    // The button is disabled while the note is sent, which would drop focus to <body>.
    await page.getByRole("button", { name: "Add note" }).click();
    await page.locator("[data-testid=admin-note]", { hasText: "Deploying a fix." }).waitFor();
    expect(await field.inputValue()).toBe("");
    expect(await focused(page)).toBe("new-note");

    const note = page.locator("[data-testid=admin-note]", { hasText: "Deploying a fix." });
    await note.getByRole("button", { name: "Edit note" }).click();
    expect(await focused(page)).toMatch(/^note-/);
    await page.keyboard.press("End");
    await page.keyboard.type(" Done.");
    await page.keyboard.press("Control+Enter");
    const edited = page.locator("[data-testid=admin-note]", { hasText: "Deploying a fix. Done." });
    await edited.getByRole("button", { name: "Edit note" }).waitFor();
    expect(await focused(page)).toMatch(/^note-edit-button-/);

    await edited.getByRole("button", { name: "Delete note" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete note" }).click();
    await edited.waitFor({ state: "detached" });
    expect(await focused(page)).toBe("notes-title");
    problems.assertNone();
    await context.close();
  });

  it("asks before leaving unsaved edits, and not once they are saved", async () => {
    const { context, page } = await newBrowser(browser, "tv", "dark");
    await signIn(page, server.url);
    const dashboard = items.find((i) => i.name === "Dashboard")!;
    await page.goto(`${server.url}/admin/items/${dashboard.id}`);
    await page.getByLabel("Name").first().fill("Dashboard (new)");
    const questions: string[] = [];
    page.once("dialog", (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole("link", { name: "← All items" }).click();
    await page.waitForFunction(() => true);
    expect(questions[0]).toMatch(/not saved/);
    expect(page.url()).toContain(`/admin/items/${dashboard.id}`);
    await page.getByRole("button", { name: "Save" }).first().click();
    await page.locator("h1", { hasText: "Dashboard (new)" }).waitFor();
    await page.getByRole("link", { name: "← All items" }).click();
    await page.getByTestId("admin-items").waitFor();
    expect(questions).toHaveLength(1);
    await context.close();
  });

  it("finds an item by search, reaches the add form at once, clears a fixed error, and focuses sensibly on delete", async () => {
    const { context, page } = await newBrowser(browser, "tv", "light");
    const problems = watchAdminProblems(page);
    await signIn(page, server.url);
    await page.getByTestId("item-search").fill("pay");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=admin-item]").length === 1);
    await page.getByTestId("item-search").fill("");
    await page.getByRole("link", { name: "Add an item" }).click();
    expect(await focused(page)).toBe("add-item-name");

    // A refused duplicate name: the banner goes as soon as the name is changed.
    await page.locator("#add-item-name").fill("Reporting");
    await page.getByRole("button", { name: "Add item" }).click();
    const banner = page.locator("form[aria-labelledby=add-item-title] [role=alert].shown");
    await banner.waitFor();
    await page.locator("#add-item-name").fill("Reporting 2");
    await banner.waitFor({ state: "detached" });

    // The same on the users page: a taken username's banner goes once the username is edited.
    await page.goto(`${server.url}/admin/users`);
    await page.locator("#user-new-username").fill("admin");
    await page.locator("#user-new-password").fill("a-long-password-1");
    await page.getByRole("button", { name: "Add user" }).click();
    const userBanner = page.locator("form[aria-labelledby=user-new-title] [role=alert].shown");
    await userBanner.waitFor();
    await page.locator("#user-new-username").fill("admin2");
    await userBanner.waitFor({ state: "detached" });
    await page.goto(`${server.url}/admin`);
    await page.getByRole("button", { name: "Delete Reporting" }).waitFor();

    // Deleting an item: focus goes to the list's heading, not to <body>.
    await page.getByRole("button", { name: "Delete Reporting" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete item" }).click();
    await page.getByText("Deleted “Reporting”.").waitFor();
    expect(await focused(page)).toBe("items-heading");
    problems.assertNone();
    await context.close();
  });

  it("gives a status select room for its longest choice, and keeps the header short on a phone", async () => {
    await api.statuses.addStatus({ name: "Degraded performance", color: "#F79009", kind: StatusKind.WARNING });
    const tv = await newBrowser(browser, "tv", "light");
    await signIn(tv.page, server.url);
    const select = tv.page.locator("[data-testid=admin-item] select").first();
    await select.waitFor();
    await tv.page.locator("option", { hasText: "Degraded performance — Warning" }).first().waitFor({ state: "attached" });
    const { width, needed } = await select.evaluate((el) => {
      const probe = document.createElement("span");
      probe.style.font = getComputedStyle(el).font;
      probe.style.whiteSpace = "nowrap";
      probe.textContent = "Degraded performance — Warning";
      document.body.append(probe);
      const needed = probe.getBoundingClientRect().width;
      probe.remove();
      return { width: el.clientWidth, needed };
    });
    expect(width).toBeGreaterThan(needed);
    await tv.context.close();

    const phone = await newBrowser(browser, "phone", "light");
    await signIn(phone.page, server.url);
    const header = await phone.page.locator(".admin header").evaluate((h) => h.getBoundingClientRect().height);
    expect(header).toBeLessThan(160);
    await phone.context.close();
  });

  it("refreshes a token's 'Last used' without a reload", async () => {
    const call = (procedure: string, token: string, body: object = {}) =>
      fetch(`${server.url}/statusthing.v1.AuthService/${procedure}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }).then((res) => res.json() as Promise<{ secret?: string }>);
    const { secret } = await call("CreateApiToken", server.token, { name: "nightly job" });
    const { context, page } = await newBrowser(browser, "tv", "light");
    await signIn(page, server.url);
    await page.goto(`${server.url}/admin/tokens`);
    const row = page.locator("[data-testid=admin-token]", { hasText: "nightly job" });
    await row.waitFor();
    expect(await row.locator("td[data-label='Last used']").innerText()).toBe("Never used");
    await call("WhoAmI", secret!);
    // Coming back to the tab refetches (a timer does too, every 30 s).
    await page.evaluate(() => document.dispatchEvent(new Event("visibilitychange")));
    await row.locator("td[data-label='Last used'] time").waitFor({ timeout: 10_000 });
    await context.close();
  });
});
