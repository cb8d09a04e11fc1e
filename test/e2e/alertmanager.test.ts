/**
 * The whole path with the real Alertmanager (Debian's prometheus-alertmanager, configured as the
 * README shows): an alert posted to Alertmanager's API reaches StatusThing's webhook, the item
 * turns DOWN and a wall display in Chromium shows it; resolving the alert brings the tile back.
 * The path's latency is printed (the budget lives in `npm run bench:inlets`, not here).
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems } from "../helpers/browser.js";
import { startAlertmanager, type RunningAlertmanager } from "../helpers/alertmanager.js";
import { addItem, createToken, statusIds } from "../helpers/inlets.js";
import { prepareWebBuild, startWebServer, type WebServer } from "./web-server.js";

describe.skipIf(!browserTestsEnabled())("Alertmanager → StatusThing → /display", { timeout: 180_000 }, () => {
  let server: WebServer | undefined;
  let alertmanager: RunningAlertmanager | undefined;
  let browser: Browser;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    browser = await launchChromium();
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await alertmanager?.stop();
    await server?.stop();
  });

  it("turns the tile DOWN when Alertmanager fires, and back when it resolves", async () => {
    const url = server!.url;
    const S = await statusIds(url);
    const id = await addItem(url, "Checkout API", S.UP!);
    const token = await createToken(url, "alertmanager", { scope: "TOKEN_SCOPE_STATUS" });
    alertmanager = await startAlertmanager(url, token);

    const page: Page = await browser.newPage(contextOptions("tv"));
    const problems = watchPageProblems(page);
    await page.goto(`${url}/display`);
    const tile = page.locator(`article[data-item-id="${id}"]`);
    await expect.poll(() => tile.getAttribute("data-status"), { timeout: 30_000 }).toBe("UP");

    const labels = { alertname: "CheckoutErrors", statusthing_item: "Checkout API", severity: "critical" };
    const startsAt = new Date().toISOString();
    const fired = Date.now();
    await alertmanager.postAlerts([{ labels, annotations: { summary: "Checkout is failing" }, startsAt }]);
    await expect.poll(() => tile.getAttribute("data-status"), { timeout: 60_000, interval: 50 }).toBe("DOWN");
    const downMs = Date.now() - fired;
    expect((await tile.locator(".note").textContent())?.trim()).toBe("Checkout is failing");

    const resolved = Date.now();
    await alertmanager.postAlerts([{ labels, annotations: { summary: "Checkout is failing" }, startsAt, endsAt: new Date(Date.now() - 1000).toISOString() }]);
    await expect.poll(() => tile.getAttribute("data-status"), { timeout: 60_000, interval: 50 }).toBe("UP");
    const upMs = Date.now() - resolved;
    console.log(`Alertmanager → StatusThing → /display: firing shown after ${downMs} ms, resolved after ${upMs} ms (group_wait 1s, group_interval 1s)`);
    // A generous bound: Alertmanager waits group_wait (1 s) and flushes every group_interval (1 s).
    expect(downMs).toBeLessThan(30_000);
    expect(upMs).toBeLessThan(30_000);

    const calls = await fetch(`${url}/statusthing.v1.HooksService/ListHookCalls`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server!.token}` },
      body: JSON.stringify({ hookId: "default" }),
    }).then((r) => r.json() as Promise<{ calls: Array<{ source: string; alerts: Array<{ result: string; firing?: boolean }> }> }>);
    expect(calls.calls.every((c) => c.source === "alertmanager")).toBe(true);
    expect(calls.calls.flatMap((c) => c.alerts.map((a) => a.result))).toContain("changed");
    problems.assertNone();
    await page.close();
  });
});
