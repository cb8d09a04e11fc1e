/**
 * The admin console as admins use it, in Debian's Chromium against the real server: the first
 * run, two admins at once, API tokens, and what a visitor who is not signed in can reach.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, launchChromium } from "../helpers/browser.js";
import { TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { newBrowser, signIn, watchAdminProblems } from "./admin-helpers.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const window: any, document: any;

/** Marks the page; the mark survives only if the page is never reloaded. */
const markPage = (page: Page) => page.evaluate(() => ((window as { __noReload?: boolean }).__noReload = true));
const stillMarked = (page: Page) => page.evaluate(() => (window as { __noReload?: boolean }).__noReload === true);

describe.skipIf(!browserTestsEnabled())("the admin console", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    prepareWebBuild();
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
  });

  describe("on a first start", () => {
    let server: WebServer;
    beforeAll(async () => {
      server = await startWebServer({ firstRun: true });
    });
    afterAll(async () => {
      await server?.stop();
      if (server) removeDatabase(server.dbPath);
    });

    it("signs in as admin/password, forces a new password, then each step shows live on / in a second browser", async () => {
      const admin = await newBrowser(browser, "tv", "light");
      const visitor = await newBrowser(browser, "phone", "dark");
      const problems = [watchAdminProblems(admin.page), watchAdminProblems(visitor.page)];
      await visitor.page.goto(`${server.url}/`);
      await visitor.page.locator(".live[data-phase=live]").waitFor();
      await markPage(visitor.page);

      // Sign in with the default password: the password change comes first, nothing else is shown.
      await admin.page.goto(`${server.url}/admin`);
      await admin.page.getByLabel("Username").fill("admin");
      await admin.page.getByLabel("Password").fill("password");
      await admin.page.getByRole("button", { name: "Sign in" }).click();
      await admin.page.getByRole("heading", { name: "Choose a new password" }).waitFor();
      expect(await admin.page.getByRole("navigation", { name: "Admin sections" }).count()).toBe(0);
      // Too short: refused in the browser, beside the field, before any request.
      await admin.page.getByLabel("Current password").fill("password");
      await admin.page.getByLabel("New password", { exact: true }).fill("short");
      await admin.page.getByLabel("New password again").fill("short");
      await admin.page.getByRole("button", { name: "Change password" }).click();
      await admin.page.getByText("At least 10 characters.", { exact: true }).waitFor();
      await admin.page.getByLabel("New password", { exact: true }).fill("a much longer passphrase");
      await admin.page.getByLabel("New password again").fill("a much longer passphrase");
      await admin.page.getByRole("button", { name: "Change password" }).click();
      await admin.page.getByRole("heading", { name: "Items", exact: true }).waitFor();

      // A status, with a color whose preview shows the contrast.
      await admin.page.getByRole("link", { name: "Statuses" }).click();
      await admin.page.getByRole("heading", { name: "Statuses", exact: true }).waitFor();
      const addStatus = admin.page.getByRole("form", { name: "Add a status" });
      await addStatus.getByLabel("Name").fill("Degraded performance");
      await addStatus.getByLabel("Kind").selectOption({ label: "Warning" });
      await addStatus.getByLabel("Color", { exact: true }).fill("#F79009");
      await addStatus.getByText(/text on it: \d+\.\d:1/i).waitFor();
      await addStatus.getByRole("button", { name: "Add status" }).click();
      await admin.page.getByTestId("admin-status").filter({ hasText: "Degraded performance" }).waitFor();
      // The same name again: refused, in words, beside the name.
      await addStatus.getByLabel("Name").fill("degraded PERFORMANCE");
      await addStatus.getByLabel("Kind").selectOption({ label: "Down" });
      await addStatus.getByLabel("Color", { exact: true }).fill("#D92D20");
      await addStatus.getByRole("button", { name: "Add status" }).click();
      await addStatus.getByText("A status with that name already exists.").waitFor();
      // The error is about the name that was sent: editing the name clears it.
      await addStatus.getByLabel("Name").fill("Degraded performance (EU)");
      await addStatus.getByText("A status with that name already exists.").waitFor({ state: "detached" });

      // An item in that status, with a first note: the visitor sees it arrive.
      await admin.page.getByRole("link", { name: "Items" }).click();
      // The Items page, not the Statuses page still on screen (its form has a "Name" field too).
      await admin.page.getByRole("heading", { name: "Items", exact: true }).waitFor();
      await admin.page.getByRole("form", { name: "Add an item" }).waitFor();
      await admin.page.getByLabel("Name").fill("Checkout");
      await admin.page.getByLabel("Status", { exact: true }).selectOption({ label: "Degraded performance — Warning" });
      await admin.page.getByLabel("First note").fill("Card payments are slow; we are looking into it.");
      await admin.page.getByRole("button", { name: "Add item" }).click();
      const card = visitor.page.locator("article", { hasText: "Checkout" });
      await card.locator(".badge", { hasText: "Degraded performance" }).waitFor();
      await card.getByText("Card payments are slow").waitFor();

      // One step from the list: the status changes, and the visitor's page follows.
      await admin.page.getByLabel("Status of Checkout").selectOption({ label: "DOWN" });
      await admin.page.getByText("Status set to “DOWN”.").waitFor();
      await card.locator(".badge", { hasText: "DOWN" }).waitFor();
      expect(await visitor.page.getByTestId("banner").innerText()).toContain("Major outage");

      // A note on the item's page: first in the admin's list, and on the visitor's page.
      await admin.page.getByRole("link", { name: "Edit Checkout" }).click();
      await admin.page.getByLabel("New note").fill("Failing over to the second payment provider.");
      await admin.page.getByRole("button", { name: "Add note" }).click();
      await card.getByText("Failing over to the second payment provider.").waitFor();
      await admin.page.getByTestId("admin-note").first().getByText("Failing over").waitFor();
      expect(await admin.page.getByTestId("admin-note").count()).toBe(2);

      expect(await stillMarked(visitor.page)).toBe(true);
      for (const p of problems) p.assertNone();
      await admin.context.close();
      await visitor.context.close();
    });
  });

  describe("with data and a second admin", () => {
    let server: WebServer;
    let items: Item[];
    beforeAll(async () => {
      server = await startWebServer();
      ({ items } = await seedRealistic(adminClients(server.url)));
    });
    afterAll(async () => {
      await server?.stop();
      if (server) removeDatabase(server.dbPath);
    });

    it("tells an admin whose open form was renamed elsewhere, keeps their typing, and loses nothing", async () => {
      const item = items.find((i) => i.name === "Search")!;
      const first = await newBrowser(browser, "tv", "light");
      const second = await newBrowser(browser, "phone", "dark");
      const problems = [watchAdminProblems(first.page), watchAdminProblems(second.page)];
      await signIn(first.page, server.url);
      await signIn(second.page, server.url);
      await first.page.goto(`${server.url}/admin/items/${item.id}`);
      await second.page.goto(`${server.url}/admin/items/${item.id}`);

      // The second admin starts typing: a new name and a new description, not saved yet.
      await second.page.getByLabel("Name").fill("Search (beta)");
      await second.page.getByLabel("Description").fill("Full-text search, now with typo tolerance");
      // Meanwhile the first renames the item and saves.
      await first.page.getByLabel("Name").fill("Site search");
      await first.page.getByRole("button", { name: "Save changes" }).click();
      await first.page.getByText("Saved.").waitFor();

      // The second is told, and their typing is still there.
      const notice = second.page.getByRole("alert").filter({ hasText: "changed elsewhere" });
      await notice.waitFor();
      expect(await notice.innerText()).toContain("Name is now “Site search”");
      expect(await second.page.getByLabel("Name").inputValue()).toBe("Search (beta)");
      expect(await second.page.getByLabel("Description").inputValue()).toBe("Full-text search, now with typo tolerance");
      // Saving without choosing is refused: nothing is overwritten by accident.
      await second.page.getByRole("button", { name: "Save changes" }).click();
      await second.page.getByText("Choose which version to keep first.").waitFor();
      const api = adminClients(server.url);
      expect((await api.items.getItem({ itemId: item.id })).item!.name).toBe("Site search");

      // They take the other name and keep their description: both edits survive.
      await notice.getByRole("button", { name: "Use their version" }).click();
      expect(await second.page.getByLabel("Name").inputValue()).toBe("Site search");
      await second.page.getByRole("button", { name: "Save changes" }).click();
      await second.page.getByText("Saved.").waitFor();
      const saved = (await api.items.getItem({ itemId: item.id })).item!;
      expect({ name: saved.name, description: saved.description }).toEqual({ name: "Site search", description: "Full-text search, now with typo tolerance" });
      // And the first admin's form, untouched, now shows the description from the second.
      await first.page.getByText(/Changed elsewhere.*Description is now/).waitFor();
      expect(await first.page.getByLabel("Description").inputValue()).toBe("Full-text search, now with typo tolerance");

      for (const p of problems) p.assertNone();
      await first.context.close();
      await second.context.close();
    });

    it("saves a status chosen with the arrow keys once, when the choice settles, not at every status passed", async () => {
      const item = items.find((i) => i.name === "Reporting")!;
      const { context, page } = await newBrowser(browser, "tv", "light");
      const problems = watchAdminProblems(page);
      await signIn(page, server.url);
      const select = page.getByLabel("Status of Reporting");
      // Options read "Name — Kind" when the name does not say the kind.
      const options = (await select.locator("option").allTextContents()).map((text) => text.split(" — ")[0]!);
      const revision = async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { revision: number }).revision;
      const before = await revision();
      await select.focus();
      for (let i = 0; i < 3; i++) await select.press("ArrowDown");
      await page.getByText(`Status set to “${options[3]}”.`).waitFor();
      // One write, with the last status passed.
      expect(await revision()).toBe(before + 1);
      expect((await adminClients(server.url).items.getItem({ itemId: item.id })).item!.status!.name).toBe(options[3]);
      problems.assertNone();
      await context.close();
    });

    it("works from the keyboard: Enter submits, the delete dialog takes focus, Escape cancels and gives focus back", async () => {
      const { context, page } = await newBrowser(browser, "tv", "dark");
      const problems = watchAdminProblems(page);
      await page.goto(`${server.url}/admin`);
      await page.getByLabel("Username").focus();
      await page.keyboard.type("admin");
      await page.keyboard.press("Tab");
      await page.keyboard.type(TEST_ADMIN_PASSWORD);
      await page.keyboard.press("Enter");
      await page.getByRole("navigation", { name: "Admin sections" }).waitFor();

      await page.getByLabel("Name").focus();
      await page.keyboard.type("Keyboard item");
      await page.keyboard.press("Enter");
      await page.getByText("Added “Keyboard item”.").waitFor();

      const remove = page.getByRole("button", { name: "Delete Keyboard item" });
      await remove.focus();
      await page.keyboard.press("Enter");
      const dialog = page.getByRole("dialog", { name: "Delete “Keyboard item”?" });
      await dialog.waitFor();
      expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
      await page.keyboard.press("Escape");
      await dialog.waitFor({ state: "hidden" });
      expect(await remove.evaluate((b) => b === document.activeElement)).toBe(true);
      // Still there: Escape deleted nothing.
      expect(await page.getByTestId("admin-item").filter({ hasText: "Keyboard item" }).count()).toBe(1);
      problems.assertNone();
      await context.close();
    });

    it("creates an API token in the UI whose secret works from a plain fetch with Authorization: Bearer", async () => {
      const { context, page } = await newBrowser(browser, "tv", "dark");
      const problems = watchAdminProblems(page);
      await signIn(page, server.url);
      await page.getByRole("link", { name: "API tokens" }).click();
      await page.getByRole("heading", { name: "API tokens", exact: true }).waitFor();
      await page.getByLabel("Name").fill("deploy script");
      await page.getByRole("button", { name: "Create token" }).click();
      const secret = await page.getByLabel("Your new API token").inputValue();
      expect(secret).toMatch(/^\S{20,}$/);
      await page.getByText(/will not be shown again/i).waitFor();

      const call = (token: string) =>
        fetch(`${server.url}/statusthing.v1.StatusService/AddStatus`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ name: "Added by the deploy script", kind: "STATUS_KIND_OBSERVING", color: "#2E90FA" }),
        });
      const response = await call(secret);
      expect(response.status).toBe(200);
      // The token's last use shows in the list, and revoking it in the UI stops it at once.
      await page.reload();
      const row = page.getByTestId("admin-token").filter({ hasText: "deploy script" });
      await row.waitFor();
      expect(await row.innerText()).not.toMatch(/never used/i);
      await row.getByRole("button", { name: /Revoke/ }).click();
      await page
        .getByRole("dialog")
        .getByRole("button", { name: /Revoke/ })
        .click();
      await row.waitFor({ state: "detached" });
      expect((await call(secret)).status).toBe(401);
      problems.assertNone();
      await context.close();
    });

    it("shows a visitor who is not signed in no admin action, and no admin page gets past the sign-in form", async () => {
      const { context, page } = await newBrowser(browser, "phone", "light");
      const problems = watchAdminProblems(page);
      const item = items[0]!;
      for (const path of ["/", `/items/${item.id}`, "/display"]) {
        await page.goto(server.url + path);
        await page.locator("article").first().waitFor();
        // The uptime day bars are buttons only to open their tooltip (tap and keyboard): not an action.
        expect(await page.locator("button:not(.uptime button), select, input, textarea, form").count(), `controls on ${path}`).toBe(0);
        expect(await page.locator('a[href^="/admin"]').count(), `admin links on ${path}`).toBe(0);
      }
      for (const path of ["/admin", "/admin/statuses", "/admin/users", "/admin/tokens", "/admin/account", `/admin/items/${item.id}`]) {
        await page.goto(server.url + path);
        await page.getByRole("heading", { name: "Sign in" }).waitFor();
        expect(await page.getByRole("navigation", { name: "Admin sections" }).count(), path).toBe(0);
        expect(await page.getByRole("button").allInnerTexts(), path).toEqual(["Sign in"]);
      }
      // And the API refuses the page's own requests without a session.
      const status = await page.evaluate(async (id) => {
        const res = await fetch("/statusthing.v1.ItemsService/DeleteItem", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ itemId: id }),
        });
        return res.status;
      }, item.id);
      expect(status).toBe(401);
      expect((await adminClients(server.url).items.getItem({ itemId: item.id })).item?.id).toBe(item.id);
      problems.assertNone();
      await context.close();
    });

    it("sends a signed-out admin back to the sign-in form, saying why, when the session ends elsewhere", async () => {
      const { context, page } = await newBrowser(browser, "tv", "light");
      await signIn(page, server.url);
      await page.getByRole("link", { name: "Items" }).click();
      // Another tab signs out: this one's cookie is now void.
      await page.evaluate(() => fetch("/statusthing.v1.AuthService/Logout", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }));
      await page.getByLabel(`Status of ${items[1]!.name}`).selectOption({ index: 1 });
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.getByText("Your session has ended").waitFor();
      await context.close();
    });
  });
});
