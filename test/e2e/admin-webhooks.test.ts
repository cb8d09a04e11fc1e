/**
 * The admin console's webhooks page (#18): add a webhook (its secret shown once), send a test,
 * see a failing one say so with its failed deliveries, and retry it, against a real receiver.
 * Screenshots in light and dark, TV and phone (artifacts/webhooks-*.png).
 */
import { mkdirSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { browserTestsEnabled, launchChromium } from "../helpers/browser.js";
import { eventually, WebhookReceiver } from "../helpers/webhook-receiver.js";
import { newBrowser, signIn, watchAdminProblems } from "./admin-helpers.js";
import { axe, serious } from "./axe.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

describe.skipIf(!browserTestsEnabled())("webhooks in the admin console", { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    prepareWebBuild();
    receiver = await new WebhookReceiver().listen();
    server = await startWebServer({ app: { allowPrivateWebhooks: true, webhookDelivery: { retryDelayMs: () => 60_000, pollMs: 200 } } });
    browser = await launchChromium();
    mkdirSync("artifacts", { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.close();
    if (server) removeDatabase(server.dbPath);
  });

  it("adds a webhook, shows its secret once, tests it, shows a failing one and retries it", async () => {
    const { page } = await newBrowser(browser, "tv", "light");
    const problems = watchAdminProblems(page);
    await signIn(page, server.url);
    await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Webhooks" }).click();
    await page.getByRole("heading", { name: "Webhooks", level: 1 }).waitFor();
    await page.getByText("No webhooks yet.").waitFor();

    await page.getByLabel("URL").fill(receiver.url);
    await page.getByLabel("Description (optional)").fill("Ops chat");
    await page.getByLabel("Status changed").check();
    await page.getByRole("button", { name: "Add webhook" }).click();
    const secretField = page.getByLabel("Signing secret");
    await secretField.waitFor();
    const secret = await secretField.inputValue();
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets = [secret];
    await page.getByRole("button", { name: "I have saved it" }).click();
    await expect(secretField.count()).resolves.toBe(0);

    const card = page.getByTestId("webhook").filter({ hasText: "Ops chat" });
    await card.getByTestId("webhook-state").filter({ hasText: "Delivering" }).waitFor();
    await card.getByRole("button", { name: /Send test/ }).click();
    await page.getByText("Test sent to “Ops chat”: HTTP 204.").waitFor();
    expect(receiver.types()).toEqual(["ping"]);

    // The receiver goes down; a status change then fails, and the page says so on its own.
    receiver.mode = "fail";
    const statuses = (await rpc(server.url, "statusthing.v1.StatusService/ListStatus")).body.statuses as Array<{ id: string; name: string }>;
    const item = await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "Payments" }, { token: server.token });
    await rpc(
      server.url,
      "statusthing.v1.ItemsService/UpdateItem",
      { itemId: (item.body.item as { id: string }).id, statusId: statuses.find((s) => s.name === "DOWN")!.id },
      { token: server.token },
    );
    await card.getByTestId("webhook-state").filter({ hasText: "Failing since" }).waitFor({ timeout: 30_000 });
    await card.getByRole("button", { name: /Deliveries/ }).click();
    await card.getByTestId("delivery").filter({ hasText: "HTTP 503" }).first().waitFor();
    expect(serious(await axe(page))).toEqual([]);
    await page.screenshot({ path: "artifacts/webhooks-tv-light.png", fullPage: true });

    const { page: phone } = await newBrowser(browser, "phone", "dark");
    await signIn(phone, server.url);
    await phone.goto(`${server.url}/admin/webhooks`);
    await phone.getByTestId("webhook-state").filter({ hasText: "Failing since" }).waitFor();
    expect(serious(await axe(phone))).toEqual([]);
    await phone.screenshot({ path: "artifacts/webhooks-phone-dark.png", fullPage: true });

    receiver.mode = "ok";
    await card.getByRole("button", { name: "Retry now" }).click();
    await eventually(() => receiver.types().includes("item.status_changed"), "the held event after Retry now");
    await card.getByTestId("webhook-state").filter({ hasText: "Delivering" }).waitFor({ timeout: 30_000 });
    const delivered = card.getByTestId("delivery").filter({ hasText: "item.status_changed" }).filter({ hasText: "HTTP 204" });
    await delivered.first().waitFor({ timeout: 30_000 });

    // Live: a change's delivery shows in the open list within a couple of seconds, without a reload.
    const before = await delivered.count();
    const received = receiver.accepted.length;
    await rpc(
      server.url,
      "statusthing.v1.ItemsService/UpdateItem",
      { itemId: (item.body.item as { id: string }).id, statusId: statuses.find((s) => s.name === "UP")!.id },
      { token: server.token },
    );
    await eventually(() => receiver.accepted.length > received, "the new status change at the receiver", 5_000);
    await eventually(async () => (await delivered.count()) > before, "the delivery on the page, without a reload", 2_500);
    expect(receiver.badSignatures).toEqual([]);
    problems.assertNone();
  });
});
