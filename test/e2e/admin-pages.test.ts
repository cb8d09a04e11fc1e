/**
 * Every admin page at phone and TV size, light and dark: a screenshot saved as a test artifact
 * (test-results/screenshots/admin-*.png, looked at by people), no serious axe-core violation
 * (labels on every control, contrast, focus order), and nothing wider than the screen.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, type VIEWPORTS } from "../helpers/browser.js";
import { signIn, watchAdminProblems } from "./admin-helpers.js";
import { axe, serious } from "./axe.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const document: any, window: any;

const OUT = join(process.cwd(), "test-results", "screenshots");

/** How far the page is wider than the window, in CSS pixels (0 when it fits). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

describe.skipIf(!browserTestsEnabled())("admin pages, phone and TV, light and dark", { timeout: 60_000 }, () => {
  let server: WebServer;
  let firstRun: WebServer;
  let browser: Browser;
  let items: Item[];

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    firstRun = await startWebServer({ firstRun: true });
    ({ items } = await seedRealistic(adminClients(server.url)));
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of [server, firstRun]) {
      await s?.stop();
      if (s) removeDatabase(s.dbPath);
    }
  });

  const pages = [
    { name: "items", path: () => "/admin", ready: "[data-testid=admin-items]" },
    { name: "item", path: () => `/admin/items/${items[2]!.id}`, ready: "[data-testid=admin-note]" },
    { name: "statuses", path: () => "/admin/statuses", ready: "[data-testid=admin-status]" },
    { name: "users", path: () => "/admin/users", ready: "[data-testid=admin-user]" },
    { name: "tokens", path: () => "/admin/tokens", ready: "[data-testid=admin-token]" },
    { name: "audit", path: () => "/admin/audit", ready: "[data-testid=audit-event]" },
    { name: "webhooks", path: () => "/admin/webhooks", ready: "#webhook-new-url" },
    { name: "account", path: () => "/admin/account", ready: "#password-current" },
  ];

  for (const viewport of ["phone", "tv"] as Array<keyof typeof VIEWPORTS>) {
    for (const scheme of ["light", "dark"] as const) {
      it(`signed out and first run, ${viewport}, ${scheme}`, async () => {
        const context = await browser.newContext(contextOptions(viewport, scheme));
        const page = await context.newPage();
        const problems = watchAdminProblems(page);
        await page.goto(`${firstRun.url}/admin`);
        await page.getByRole("heading", { name: "Sign in" }).waitFor();
        // A failed sign-in, so the screenshot shows how an error looks.
        await page.getByLabel("Username").fill("admin");
        await page.getByLabel("Password").fill("not the password");
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByText("Wrong username or password.").waitFor();
        await page.screenshot({ path: join(OUT, `admin-sign-in-${viewport}-${scheme}.png`), fullPage: true });
        expect(serious(await axe(page))).toEqual([]);
        expect(await overflow(page)).toBeLessThanOrEqual(0);

        await page.getByLabel("Password").fill("password");
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.getByRole("heading", { name: "Choose a new password" }).waitFor();
        await page.screenshot({ path: join(OUT, `admin-first-password-${viewport}-${scheme}.png`), fullPage: true });
        expect(serious(await axe(page))).toEqual([]);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        problems.assertNone();
        await context.close();
      });

      it(`every signed-in page, ${viewport}, ${scheme}`, async () => {
        const context = await browser.newContext(contextOptions(viewport, scheme));
        const page = await context.newPage();
        const problems = watchAdminProblems(page);
        await signIn(page, server.url);
        for (const target of pages) {
          await page.goto(server.url + target.path());
          await page.locator(target.ready).first().waitFor();
          await page.screenshot({ path: join(OUT, `admin-${target.name}-${viewport}-${scheme}.png`), fullPage: true });
          expect(serious(await axe(page)), target.name).toEqual([]);
          expect(await overflow(page), `${target.name} is wider than the ${viewport} screen`).toBeLessThanOrEqual(0);
        }
        problems.assertNone();
        await context.close();
      });
    }
  }
});
