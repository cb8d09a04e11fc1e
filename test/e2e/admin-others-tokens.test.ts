/**
 * The admin console's tokens page lists other users' tokens with their owner, and revokes one
 * (#11.10): the token stops working at once.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseOwnPassword, mustLogin, rpc } from "../helpers/auth.js";
import { browserTestsEnabled, launchChromium } from "../helpers/browser.js";
import { newBrowser, signIn, watchAdminProblems } from "./admin-helpers.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

describe.skipIf(!browserTestsEnabled())("other users' API tokens in the admin console", { timeout: 90_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let bobToken: string;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    browser = await launchChromium();
    const added = await rpc(server.url, "statusthing.v1.UsersService/AddUser", { user: { username: "bob", password: "bob-password-1" } }, { token: server.token });
    expect(added.code, added.text).toBe("ok");
    await chooseOwnPassword(server.url, "bob", "bob-password-1");
    const cookie = await mustLogin(server.url, "bob", "bob-password-1");
    const created = await rpc(server.url, "statusthing.v1.AuthService/CreateApiToken", { name: "bob's monitor" }, { cookie });
    expect(created.code, created.text).toBe("ok");
    bobToken = created.body.secret as string;
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("shows another user's token with its owner, and revokes it", async () => {
    const { page } = await newBrowser(browser, "phone", "dark");
    const problems = watchAdminProblems(page);
    await signIn(page, server.url);
    await page.goto(`${server.url}/admin/tokens`);
    const row = page.getByTestId("other-token").filter({ hasText: "bob's monitor" });
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain("bob");
    // Not among the signed-in user's own tokens.
    expect(await page.getByTestId("admin-token").filter({ hasText: "bob's monitor" }).count()).toBe(0);

    await row.getByRole("button", { name: /Revoke/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
    await page.getByText("Revoked “bob's monitor”.").waitFor();
    await row.waitFor({ state: "detached" });
    const after = await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "after revoke" }, { token: bobToken });
    expect(after.code).toBe("unauthenticated");
    problems.assertNone();
  });
});
