/**
 * The admin console's Hooks page (/admin/hooks): hooks with their severity mappings and last
 * calls, heartbeats with their ping URL shown once. Screenshots at phone and TV size, light and
 * dark (test-results/screenshots/admin-hooks-*.png), no serious axe-core violation, nothing wider
 * than the screen; and made through the page itself: a hook added, a heartbeat set and pinged.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsEnabled, contextOptions, launchChromium, type VIEWPORTS } from "../helpers/browser.js";
import { addItem, alert, alertmanagerPayload, createToken, postHook, statusIds } from "../helpers/inlets.js";
import { rpc } from "../helpers/auth.js";
import { signIn, watchAdminProblems } from "./admin-helpers.js";
import { axe, serious } from "./axe.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

declare const document: any, window: any;

const OUT = join(process.cwd(), "test-results", "screenshots");
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

describe.skipIf(!browserTestsEnabled())("the Hooks admin page", { timeout: 90_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let S: Record<string, string>;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    S = await statusIds(server.url);
    await addItem(server.url, "Checkout API", S.UP!);
    await addItem(server.url, "Search", S.UP!);
    const backup = await addItem(server.url, "Nightly backup", S.UP!);
    const token = await createToken(server.url, "alertmanager", { scope: "TOKEN_SCOPE_STATUS" });
    await postHook(server.url, token, alertmanagerPayload([alert("Checkout API", "critical", true), alert("Search", "warning", true), alert("Billing", "critical", true)]));
    await postHook(server.url, token, alertmanagerPayload([alert("Checkout API", "critical", false)]));
    await rpc(server.url, "statusthing.v1.HooksService/AddHook", {
      name: "grafana",
      labelName: "service",
      severities: [
        { severity: "critical", statusId: S.DOWN },
        { severity: "*", statusId: S.WARNING },
      ],
      notes: false,
    });
    await rpc(server.url, "statusthing.v1.HooksService/SetHeartbeat", {
      itemId: backup,
      intervalSeconds: 86400,
      graceSeconds: 3600,
      lateStatusId: S.DOWN,
      lateNote: "The nightly backup did not report in.",
    });
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  for (const viewport of ["phone", "tv"] as Array<keyof typeof VIEWPORTS>) {
    for (const scheme of ["light", "dark"] as const) {
      it(`looks right, ${viewport}, ${scheme}`, async () => {
        const context = await browser.newContext(contextOptions(viewport, scheme));
        const page = await context.newPage();
        const problems = watchAdminProblems(page);
        await signIn(page, server.url);
        await page.getByRole("link", { name: "Hooks", exact: true }).click();
        await page.locator("[data-testid=hook]").first().waitFor();
        await page.locator("[data-testid=heartbeat]").first().waitFor();
        await page.screenshot({ path: join(OUT, `admin-hooks-${viewport}-${scheme}.png`), fullPage: true });
        expect(serious(await axe(page))).toEqual([]);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        problems.assertNone();
        await context.close();
      });
    }
  }

  it("adds a hook, sets a heartbeat whose URL is shown once and works", async () => {
    const context = await browser.newContext(contextOptions("tv"));
    const page = await context.newPage();
    const problems = watchAdminProblems(page);
    await signIn(page, server.url);
    await page.goto(`${server.url}/admin/hooks`);
    const form = page.getByRole("form", { name: "New hook" });
    await form.getByLabel("Name").fill("prometheus-eu");
    await form.getByLabel("Item label").fill("service");
    await form.getByRole("button", { name: "Add a severity" }).click();
    await form.getByLabel("Severity 1", { exact: true }).fill("page");
    await form.getByLabel("Status for severity 1").selectOption({ label: "DOWN" });
    await form.getByRole("button", { name: "Add hook" }).click();
    await page.getByRole("heading", { name: "prometheus-eu" }).waitFor();
    const hooks = (await rpc(server.url, "statusthing.v1.HooksService/ListHooks", {})).body.hooks as Array<{
      name: string;
      labelName: string;
      severities: Array<{ severity: string; statusId: string }>;
    }>;
    expect(hooks.find((h) => h.name === "prometheus-eu")).toMatchObject({ labelName: "service", severities: [{ severity: "page", statusId: S.DOWN }] });

    const beat = page.getByRole("form", { name: "Set a heartbeat" });
    await beat.getByLabel("Item").selectOption({ label: "Search" });
    await beat.getByLabel("Every (seconds)").fill("60");
    await beat.getByLabel("Grace (seconds)").fill("30");
    await beat.getByRole("button", { name: "Save heartbeat" }).click();
    const urlField = page.getByLabel("Ping URL for Search");
    await urlField.waitFor();
    const pingUrl = await urlField.inputValue();
    expect(pingUrl).toMatch(/\/hooks\/heartbeat\/hb_[a-z2-7]{32}$/);
    const ping = await fetch(pingUrl);
    expect(ping.status).toBe(200);
    problems.assertNone();
    await context.close();
  });
});
