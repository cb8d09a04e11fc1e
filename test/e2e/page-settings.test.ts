/**
 * Page settings end to end (#15): an admin renames the page, sets an accent and uploads a logo
 * in /admin/settings with the keyboard; `/` and `/display`, open in other browsers, follow live
 * without a reload. Refusals show beside their fields. Screenshots of the branded pages (phone
 * and TV, light and dark) land in test-results/screenshots; axe checks the settings page.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems, type PageProblems } from "../helpers/browser.js";
import { newBrowser, signIn, watchAdminProblems } from "./admin-helpers.js";
import { axe, serious } from "./axe.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const window: any, document: any, getComputedStyle: any;

const OUT = join(process.cwd(), "test-results", "screenshots");
const ACCENT = "#C2410C";
/** A 24x24 orange PNG (a real image: Chromium must draw it). */
const LOGO_PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAABgAAAAYCAIAAABvFaqvAAAAH0lEQVR4nGM45MhDFcQwatCoQaMGjRo0atCoQQNvEACXsGHfUjuExwAAAABJRU5ErkJggg==", "base64");

async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => (window.__noReload = true));
}
async function stillMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => window.__noReload === true);
}

describe.skipIf(!browserTestsEnabled())("page settings in the browser", { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    await seedRealistic(adminClients(server.url));
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("an admin renames the page, sets the accent and uploads a logo with the keyboard; / and /display follow live", async () => {
    const home = await (await browser.newContext(contextOptions("phone", "dark"))).newPage();
    const display = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    const problems: PageProblems[] = [watchPageProblems(home), watchPageProblems(display)];
    await home.goto(`${server.url}/`);
    await display.goto(`${server.url}/display`);
    await home.locator("[data-testid=items]").waitFor();
    await display.locator("[data-testid=grid]").waitFor();
    expect(await home.getByTestId("page-name").innerText()).toBe("Status");
    await markPage(home);
    await markPage(display);

    const { page: admin } = await newBrowser(browser, "tv", "light");
    const adminProblems = watchAdminProblems(admin);
    await signIn(admin, server.url);
    await admin.getByRole("link", { name: "Settings", exact: true }).click();
    const name = admin.getByLabel("Page name");
    await name.waitFor();

    // Keyboard only: type, tab between fields, Enter submits.
    await name.focus();
    await admin.keyboard.type("Acme Cloud");
    await admin.keyboard.press("Tab");
    await admin.keyboard.type("Everything Acme runs, live.");
    await admin.locator("#settings-logo").setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: LOGO_PNG });
    await admin.getByTestId("settings-logo-preview").locator("img").waitFor();
    await admin.locator("#settings-accentColor").fill(ACCENT);
    await admin.locator("#settings-accentColor").press("Enter");
    await admin.getByTestId("settings-saved").waitFor();

    // The public page, live: name, description, logo, title, accent and theme-color.
    await home.waitForFunction(() => document.querySelector("[data-testid=page-name]")?.textContent?.includes("Acme Cloud"));
    expect(await home.getByTestId("page-description").innerText()).toBe("Everything Acme runs, live.");
    await home.waitForFunction(() => document.querySelector("[data-testid=page-logo]")?.naturalWidth > 0);
    await home.waitForFunction(() => document.title.includes("Acme Cloud"));
    expect(await home.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--accent").trim())).toBe(ACCENT);
    expect(await home.evaluate(() => document.querySelector('meta[name="theme-color"]')?.getAttribute("content"))).toBe(ACCENT);
    // The wall display, live.
    await display.waitForFunction(() => document.querySelector("[data-testid=display-title]")?.textContent?.includes("Acme Cloud"));
    await display.waitForFunction(() => document.title.startsWith("Acme Cloud"));
    expect(await stillMarked(home)).toBe(true);
    expect(await stillMarked(display)).toBe(true);

    // Links saved elsewhere (a script) appear at the bottom of the open page too.
    await fetch(`${server.url}/statusthing.v1.SettingsService/UpdateSettings`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ homeUrl: "https://acme.example", supportUrl: "mailto:help@acme.example" }),
    });
    await home.getByTestId("support-link").waitFor();
    expect(await home.getByTestId("home-link").getAttribute("href")).toBe("https://acme.example/");
    expect(await home.getByTestId("support-link").getAttribute("href")).toBe("mailto:help@acme.example");

    // Refusals beside their fields: a faint accent (caught before sending), a file that is no image (the server's word).
    await admin.locator("#settings-accentColor").fill("#FFFF00");
    await admin.getByRole("button", { name: "Save settings" }).click();
    expect(await admin.locator("#settings-accentColor-error").innerText()).toMatch(/faint/i);
    expect(await admin.evaluate(() => document.activeElement?.id)).toBe("settings-accentColor");
    await admin.locator("#settings-accentColor").fill(ACCENT);
    await admin.locator("#settings-logo").setInputFiles({ name: "evil.png", mimeType: "image/png", buffer: Buffer.from("<svg><script>alert(1)</script></svg>") });
    await admin.getByText("New: evil.png").waitFor();
    // The browser cannot draw it as a PNG: the preview says so instead of a broken icon.
    await admin.getByTestId("settings-logo-preview").getByText("No preview").waitFor();
    await admin.getByRole("button", { name: "Save settings" }).click();
    await admin.locator("#settings-logo-error").waitFor();
    expect(await admin.locator("#settings-logo-error").innerText()).toMatch(/SVG|image/);
    // Nothing was lost: the public page still shows the saved logo and name.
    expect(await home.getByTestId("page-name").innerText()).toContain("Acme Cloud");

    const violations = serious(await axe(admin));
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
    await admin.screenshot({ path: join(OUT, "settings-admin-tv-light.png"), fullPage: true });
    for (const p of problems) p.assertNone();
    adminProblems.assertNone();
  });

  for (const scheme of ["light", "dark"] as const) {
    it(`screenshots of the branded pages, phone and TV, ${scheme}`, async () => {
      for (const [viewport, path, ready, file] of [
        ["phone", "/", "[data-testid=items]", "home"],
        ["tv", "/", "[data-testid=items]", "home"],
        ["tv", `/display?theme=${scheme}`, "[data-testid=grid]", "display"],
        ["phone", `/display?theme=${scheme}`, "[data-testid=grid]", "display"],
      ] as const) {
        const context = await browser.newContext(contextOptions(viewport, scheme));
        const page = await context.newPage();
        const problems = watchPageProblems(page);
        await page.goto(server.url + path);
        await page.locator(ready).waitFor();
        await page.waitForFunction(() => document.title.includes("Acme Cloud"));
        await page.screenshot({ path: join(OUT, `settings-${file}-${viewport}-${scheme}.png`), fullPage: file === "home" });
        if (file === "home") {
          const violations = serious(await axe(page));
          expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
        }
        problems.assertNone();
        await context.close();
      }
      const { page: admin } = await newBrowser(browser, "phone", scheme);
      await signIn(admin, server.url);
      await admin.goto(`${server.url}/admin/settings`);
      await admin.getByLabel("Page name").waitFor();
      await admin.screenshot({ path: join(OUT, `settings-admin-phone-${scheme}.png`), fullPage: true });
      const violations = serious(await axe(admin));
      expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
      await admin.context().close();
    });
  }
});
