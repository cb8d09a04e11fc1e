import type { Browser } from "playwright-core";
import { TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { afterAll, beforeAll, describe, it } from "vitest";
import { browserTestsEnabled, contextOptions, launchChromium } from "../helpers/browser.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

describe.skipIf(!browserTestsEnabled())("a --private server, to a browser that is not signed in", { timeout: 90_000 }, () => {
  let server: WebServer;
  let browser: Browser;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer({ private: true });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("says the page is private instead of pretending the server is unreachable", async () => {
    const page = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    await page.goto(`${server.url}/`);
    await page.getByText("This status page is private").waitFor();
    await page.goto(`${server.url}/display`);
    await page.getByTestId("reconnecting").getByText("This status page is private").waitFor();
  });

  it("links to the sign-in form, after which the same browser sees the page live", async () => {
    const page = await (await browser.newContext(contextOptions("phone", "dark"))).newPage();
    await page.goto(`${server.url}/`);
    await page.getByRole("link", { name: "sign in" }).click();
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(TEST_ADMIN_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("navigation", { name: "Admin sections" }).waitFor();
    await page.getByRole("link", { name: /Public page/ }).click();
    await page.locator(".live[data-phase=live]").waitFor();
    await page.getByTestId("banner").waitFor();
  });
});
