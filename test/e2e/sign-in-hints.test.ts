/**
 * The sign-in page and the forced password change say what is true (#11.6, #11.7): the
 * "admin / password" hint only while that password is in place, and "an administrator set this
 * password" (not "the default password") for a user whose password an admin chose.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsEnabled, launchChromium } from "../helpers/browser.js";
import { registerAdminToken } from "../helpers/credentials.js";
import { postJson } from "../helpers/clients.js";
import { newBrowser, watchAdminProblems } from "./admin-helpers.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

const HINT = /First time\? The first account is admin/;
const OWNERS_PASSWORD = "the owner's own passphrase";

describe.skipIf(!browserTestsEnabled())("sign-in hints and the forced password change", { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: WebServer;
  beforeAll(async () => {
    prepareWebBuild();
    browser = await launchChromium();
    server = await startWebServer({ firstRun: true });
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
    await browser?.close();
  });

  it("shows admin / password only while it works, and tells the default password from one an admin set", async () => {
    const owner = await newBrowser(browser, "tv", "light");
    const problems = [watchAdminProblems(owner.page)];
    await owner.page.goto(`${server.url}/admin`);
    await owner.page.getByText(HINT).waitFor();
    await owner.page.getByLabel("Username").fill("admin");
    await owner.page.getByLabel("Password").fill("password");
    await owner.page.getByRole("button", { name: "Sign in" }).click();
    await owner.page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await owner.page.getByText("this account still has the default password, which everyone knows").waitFor();
    await owner.page.getByLabel("Current password").fill("password");
    await owner.page.getByLabel("New password", { exact: true }).fill(OWNERS_PASSWORD);
    await owner.page.getByLabel("New password again").fill(OWNERS_PASSWORD);
    await owner.page.getByRole("button", { name: "Change password" }).click();
    await owner.page.getByRole("heading", { name: "Items", exact: true }).waitFor();

    // The owner adds a user with a password of their choosing.
    await registerAdminToken(server.url, OWNERS_PASSWORD);
    const added = await postJson(server.url, "statusthing.v1.UsersService/AddUser", { user: { username: "nora", password: "chosen-for-nora-1" } });
    expect(added.status).toBe(200);

    // A new visitor to the sign-in page: no hint any more.
    const nora = await newBrowser(browser, "phone", "dark");
    problems.push(watchAdminProblems(nora.page));
    await nora.page.goto(`${server.url}/admin`);
    await nora.page.getByRole("heading", { name: "Sign in" }).waitFor();
    await nora.page.locator("form[data-hints=asked]").waitFor();
    expect(await nora.page.getByText(HINT).count()).toBe(0);

    await nora.page.getByLabel("Username").fill("nora");
    await nora.page.getByLabel("Password").fill("chosen-for-nora-1");
    await nora.page.getByRole("button", { name: "Sign in" }).click();
    await nora.page.getByRole("heading", { name: "Choose a new password" }).waitFor();
    await nora.page.getByText("An administrator set this password").waitFor();
    expect(await nora.page.getByText(/default password|everyone knows/).count()).toBe(0);

    for (const p of problems) p.assertNone();
    await owner.context.close();
    await nora.context.close();
  });
});
