/**
 * Email subscriptions in the browser (#18), against a real SMTP server in the test process: a
 * visitor subscribes from an item page, confirms from the link in the mail that arrives, gets a
 * mail when the item's status changes, unsubscribes with one click from that mail's link, and gets
 * no more. Also: choosing items on `/` (grouped as on the page), a bad address and a throttled
 * repeat told in words, the admin console's counts, search, live list and removal, and no
 * Subscribe button at all on a server without mail settings. Screenshots (phone and TV, light
 * and dark) of the dialog, the confirm page and /admin/subscribers go to /tmp/hR-shots/.
 */
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, type Client } from "@connectrpc/connect";
import { GroupsService } from "../../shared/gen/statusthing/v1/groups_pb.js";
import { SubscriptionsService } from "../../shared/gen/statusthing/v1/subscriptions_pb.js";
import type { Item, Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, VIEWPORTS } from "../helpers/browser.js";
import { createTransport, type ApiClients } from "../helpers/clients.js";
import { SmtpReceiver, type ReceivedMail } from "../helpers/smtp-receiver.js";
import { eventually } from "../helpers/webhook-receiver.js";
import { newBrowser, signIn, watchAdminProblems } from "./admin-helpers.js";
import { axe, serious } from "./axe.js";
import { adminClients, defaultStatuses } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const requestAnimationFrame: (callback: () => void) => number;

const SHOTS = "/tmp/hR-shots";

/** A port that was free a moment ago: the server's --public-url must name its own port. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** The first link in a mail's text to `path` (e.g. "/subscription/confirm"). */
function linkIn(mail: ReceivedMail, path: string): string {
  const found = new RegExp(`https?://[^\\s<>"]+${path.replace(/\//g, "\\/")}\\?token=[^\\s<>")\\]]+`).exec(mail.text);
  if (!found) throw new Error(`no ${path} link in the mail "${mail.subject}":\n${mail.text}`);
  return found[0];
}

/** Takes the page's screenshot at phone and TV size, light and dark, as `<name>-<viewport>-<scheme>.png`. */
async function shoot(page: Page, name: string, ready: () => Promise<unknown>): Promise<void> {
  for (const viewport of ["phone", "tv"] as const) {
    for (const colorScheme of ["light", "dark"] as const) {
      await page.setViewportSize(VIEWPORTS[viewport]);
      await page.emulateMedia({ colorScheme });
      await ready();
      // Two frames, so the new colors and size are painted before the picture is taken.
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => done(undefined)))));
      // The whole page on a phone, but not under a modal dialog: its backdrop covers only the screen.
      await page.screenshot({ path: `${SHOTS}/${name}-${viewport}-${colorScheme}.png`, fullPage: viewport === "phone" && !name.startsWith("dialog") });
    }
  }
}

describe.skipIf(!browserTestsEnabled())("email subscriptions in the browser", { timeout: 180_000 }, () => {
  let receiver: SmtpReceiver;
  let server: WebServer;
  let browser: Browser;
  let api: ApiClients;
  let subscriptions: Client<typeof SubscriptionsService>;
  let statuses: Record<"UP" | "DOWN" | "WARNING", Status>;
  let payments: Item;
  let website: Item;
  let search: Item;
  // bob hears of every change (the whole page, confirmed before the tests): once bob has a mail
  // about a change, the mail worker is past it, and whoever got no mail about it gets none.
  const bob = "bob@example.test";

  beforeAll(async () => {
    prepareWebBuild();
    mkdirSync(SHOTS, { recursive: true });
    receiver = await SmtpReceiver.start();
    const port = await freePort();
    server = await startWebServer({
      port,
      app: {
        publicUrl: `http://127.0.0.1:${port}`,
        mail: { smtpUrl: receiver.url, from: "Example status <status@example.test>" },
        mailDelivery: { pollMs: 200, clientThrottle: { perClient: 50, windowMs: 600_000 } },
      },
    });
    api = adminClients(server.url);
    const transport = createTransport("connect-json", server.url);
    subscriptions = createClient(SubscriptionsService, transport);
    statuses = await defaultStatuses(api);
    const add = async (name: string, description: string) => (await api.items.addItem({ name, description, initialStatusId: statuses.UP.id })).item!;
    website = await add("Website", "www.example.com");
    payments = await add("Payments", "Card and SEPA payments");
    search = await add("Search", "Full-text search");
    const api2 = await add("Public API", "REST endpoints");
    // A group, so the dialog's checkboxes are grouped as the page is.
    const groups = createClient(GroupsService, transport);
    const backend = (await groups.addGroup({ name: "Backend" })).group!;
    await groups.moveItem({ itemId: search.id, groupId: backend.id });
    await groups.moveItem({ itemId: api2.id, groupId: backend.id });
    await subscriptions.subscribe({ email: bob });
    await subscriptions.confirmSubscription({ token: tokenOf(linkIn(await receiver.waitFor((m) => m.envelopeTo.includes(bob)), "/subscription/confirm")) });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  const setStatus = (item: Item, status: Status) => api.items.updateItem({ itemId: item.id, statusId: status.id });
  const mailsTo = (address: string) => receiver.to(address);
  const tokenOf = (link: string) => new URL(link).searchParams.get("token")!;
  /**
   * Changes an item's status, and waits until bob has the mail about it, and a moment more: the
   * mails about one change are queued together but sent one by one, in no set order between
   * addresses, so another address's mail may come just after bob's.
   */
  async function changeAndWait(item: Item, status: Status): Promise<ReceivedMail> {
    const before = mailsTo(bob).length;
    await setStatus(item, status);
    const mail = await receiver.waitFor((m) => m.envelopeTo.includes(bob) && mailsTo(bob).indexOf(m) >= before && `${m.subject}\n${m.text}`.includes(item.name), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    return mail;
  }

  it("subscribes from an item page, confirms from the mail, gets a status mail, unsubscribes with one click, then gets none", async () => {
    const { page } = await newBrowser(browser, "tv", "light");
    const problems = watchAdminProblems(page);
    const alice = "alice@example.test";
    await page.goto(`${server.url}/items/${payments.id}`);
    await page.getByRole("heading", { name: "Payments", level: 1 }).waitFor();
    await page.getByTestId("subscribe-button").click();
    // The dialog's name is its heading: "Get updates by email", then "Check your inbox to confirm".
    const dialog = page.getByTestId("subscribe-dialog");
    await page.getByRole("dialog", { name: "Get updates by email" }).waitFor();
    // On an item page the item comes first, and is chosen.
    await expect(dialog.getByLabel("This item: Payments").isChecked()).resolves.toBe(true);
    await dialog.getByLabel("Email address").fill(alice);
    await dialog.getByRole("button", { name: "Subscribe" }).click();
    await page.getByRole("heading", { name: "Check your inbox to confirm" }).waitFor();
    expect(serious(await axe(page))).toEqual([]);

    const confirmation = await receiver.waitFor((m) => m.envelopeTo.includes(alice));
    const confirmLink = linkIn(confirmation, "/subscription/confirm");
    expect(confirmLink.startsWith(`${server.url}/subscription/confirm?token=`)).toBe(true);
    // Not confirmed yet: a change mails bob, not alice.
    await changeAndWait(payments, statuses.WARNING);

    // Opening the link (a GET) is not what confirms: the page does, with a POST.
    await page.goto(confirmLink);
    const confirmed = page.getByTestId("subscription-confirm");
    await confirmed.and(page.locator("[data-phase=confirmed]")).waitFor();
    await page.getByRole("heading", { name: "You are subscribed" }).waitFor();
    await expect(page.getByTestId("subscribed-items").innerText()).resolves.toBe("Payments");
    expect(serious(await axe(page))).toEqual([]);
    expect(mailsTo(alice)).toHaveLength(1);

    // Another item changes: no mail (alice chose Payments only). Payments changes: a mail about it.
    await changeAndWait(website, statuses.DOWN);
    expect(mailsTo(alice)).toHaveLength(1);
    await setStatus(payments, statuses.DOWN);
    const statusMail = await receiver.waitFor((m) => m.envelopeTo.includes(alice) && m !== confirmation, 20_000);
    expect(`${statusMail.subject}\n${statusMail.text}`).toContain("Payments");
    expect(`${statusMail.subject}\n${statusMail.text}`).not.toContain("Website");
    const unsubscribeLink = linkIn(statusMail, "/subscription/unsubscribe");

    // One click from the mail.
    await page.goto(unsubscribeLink);
    await page.getByTestId("subscription-unsubscribe").and(page.locator("[data-phase=unsubscribed]")).waitFor();
    await page.getByRole("heading", { name: "You are unsubscribed" }).waitFor();
    await page.getByTestId("subscribe-button").filter({ hasText: "Subscribe again" }).waitFor();
    expect(serious(await axe(page))).toEqual([]);

    // Another change: bob hears of it; alice, unsubscribed, does not.
    await changeAndWait(payments, statuses.UP);
    expect(mailsTo(alice)).toHaveLength(2);
    problems.assertNone();
  });

  it("chooses items on / grouped as on the page, says when an address is bad and when to try again", async () => {
    const { page } = await newBrowser(browser, "phone", "dark");
    const problems = watchAdminProblems(page);
    await page.goto(`${server.url}/`);
    await page.getByTestId("items").waitFor();
    await page.getByTestId("subscribe-button").click();
    const dialog = page.getByTestId("subscribe-dialog");
    await expect(dialog.getByLabel("The whole page").isChecked()).resolves.toBe(true);
    await dialog.getByLabel("Chosen systems").check();
    const choices = dialog.getByTestId("subscribe-choices");
    await expect(choices.getByRole("group", { name: "Backend" }).getByRole("checkbox").allInnerTexts()).resolves.toHaveLength(2);
    await expect(choices.getByRole("group", { name: "Backend" }).getByLabel("Search").count()).resolves.toBe(1);

    // Nothing chosen: said beside the choice, nothing sent.
    await dialog.getByLabel("Email address").fill("carol@example.test");
    await dialog.getByRole("button", { name: "Subscribe" }).click();
    await dialog.getByText("Choose at least one system, or the whole page.").waitFor();

    // A bad address: the server's field error, beside the field, the field marked invalid.
    await choices.getByLabel("Search").check();
    await choices.getByLabel("Website").check();
    await dialog.getByLabel("Email address").fill("carol at example");
    await dialog.getByRole("button", { name: "Subscribe" }).click();
    await dialog.getByTestId("subscribe-email-error").waitFor();
    await expect(dialog.getByLabel("Email address").getAttribute("aria-invalid")).resolves.toBe("true");
    expect(serious(await axe(page))).toEqual([]);

    await dialog.getByLabel("Email address").fill("carol@example.test");
    await dialog.getByRole("button", { name: "Subscribe" }).click();
    await dialog.getByRole("heading", { name: "Check your inbox to confirm" }).waitFor();
    const mail = await receiver.waitFor((m) => m.envelopeTo.includes("carol@example.test"));
    await subscriptions.confirmSubscription({ token: tokenOf(linkIn(mail, "/subscription/confirm")) });

    // The same address again at once: the server throttles it and says when; the dialog says so.
    await dialog.getByRole("button", { name: "Use another address" }).click();
    await dialog.getByRole("button", { name: "Subscribe" }).click();
    await dialog
      .getByRole("alert")
      .filter({ hasText: /Too many requests\. Try again in \d+ (seconds|minutes|hours)\./ })
      .waitFor();
    await shoot(page, "dialog-throttled", () => dialog.waitFor());
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog.isVisible()).resolves.toBe(false);
    problems.assertNone();
  });

  it("shows the admin the counts, searches, follows changes, and removes an address", async () => {
    const { page } = await newBrowser(browser, "tv", "light");
    const problems = watchAdminProblems(page);
    await signIn(page, server.url);
    await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Subscribers" }).click();
    await page.getByRole("heading", { name: "Subscribers", level: 1 }).waitFor();
    const counts = page.getByTestId("subscriber-counts");
    // bob and carol confirmed; alice unsubscribed (gone).
    await counts.filter({ hasText: "2 confirmed subscribers" }).waitFor();
    await counts.filter({ hasText: "0 waiting for confirmation" }).waitFor();
    const row = (email: string) => page.getByTestId("subscriber").filter({ hasText: email });
    await expect(row("carol@example.test").innerText()).resolves.toMatch(/Website, Search|Search, Website/);
    await expect(row("bob@example.test").innerText()).resolves.toContain("The whole page");

    // Someone subscribes meanwhile: the page shows it without a reload (it asks every 5 s).
    await subscriptions.subscribe({ email: "dave@example.test", itemIds: [payments.id] });
    await row("dave@example.test").getByTestId("subscriber-state").filter({ hasText: "Pending" }).waitFor({ timeout: 15_000 });
    await counts.filter({ hasText: "1 waiting for confirmation" }).waitFor();

    await page.getByLabel("Search addresses").fill("CAROL");
    await eventually(async () => (await page.getByTestId("subscriber").count()) === 1, "the search to keep carol only", 10_000);
    await page.getByLabel("Search addresses").fill("");
    await row("bob@example.test").waitFor();
    expect(serious(await axe(page))).toEqual([]);
    await shoot(page, "admin-subscribers", () => row("bob@example.test").waitFor());
    await page.setViewportSize(VIEWPORTS.tv);
    await page.emulateMedia({ colorScheme: "light" });

    await row("carol@example.test").getByRole("button", { name: "Remove carol@example.test" }).click();
    const confirm = page.getByRole("dialog", { name: "Remove carol@example.test?" });
    await confirm.waitFor();
    expect(serious(await axe(page))).toEqual([]);
    await confirm.getByRole("button", { name: "Remove subscriber" }).click();
    await page.getByText("Removed carol@example.test.").waitFor();
    await expect(row("carol@example.test").count()).resolves.toBe(0);
    await counts.filter({ hasText: "1 confirmed subscriber" }).waitFor();
    const left = (await subscriptions.listSubscribers({})).subscribers.map((s) => s.email);
    expect(left).not.toContain("carol@example.test");
    problems.assertNone();
  });

  it("takes the screenshots of the dialog and the confirm page", async () => {
    const page = await (await browser.newContext(contextOptions("tv", "light"))).newPage();
    await page.goto(`${server.url}/`);
    await page.getByTestId("items").waitFor();
    await page.getByTestId("subscribe-button").click();
    const dialog = page.getByTestId("subscribe-dialog");
    await dialog.getByLabel("Chosen systems").check();
    await dialog.getByTestId("subscribe-choices").getByLabel("Payments").check();
    await dialog.getByLabel("Email address").fill("erin@example.test");
    await shoot(page, "dialog", () => dialog.waitFor());
    await dialog.getByRole("button", { name: "Subscribe" }).click();
    await dialog.getByRole("heading", { name: "Check your inbox to confirm" }).waitFor();
    await shoot(page, "dialog-sent", () => dialog.waitFor());
    const mail = await receiver.waitFor((m) => m.envelopeTo.includes("erin@example.test"));
    await page.goto(linkIn(mail, "/subscription/confirm"));
    await page.getByRole("heading", { name: "You are subscribed" }).waitFor();
    await shoot(page, "confirm", () => page.getByTestId("subscribed-items").waitFor());
    // The same link again: used up, and the page offers to subscribe again.
    await page.reload();
    await page.getByRole("heading", { name: "This link no longer works" }).waitFor();
    await page.getByTestId("subscribe-button").filter({ hasText: "Subscribe again" }).waitFor();
    expect(serious(await axe(page))).toEqual([]);
    await shoot(page, "confirm-expired", () => page.getByTestId("subscription-problem").waitFor());
  });
});

describe.skipIf(!browserTestsEnabled())("a page without mail settings", { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let item: Item;

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    const api = adminClients(server.url);
    item = (await api.items.addItem({ name: "Website", initialStatusId: (await defaultStatuses(api)).UP.id })).item!;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("shows no Subscribe button, and the admin page says how to turn email on", async () => {
    const { page } = await newBrowser(browser, "tv", "light");
    const problems = watchAdminProblems(page);
    for (const path of ["/", `/items/${item.id}`]) {
      const answered = page.waitForResponse((response) => response.url().endsWith("/statusthing.v1.SubscriptionsService/GetSubscribeOptions"));
      await page.goto(server.url + path);
      await answered;
      await page.getByText("Website").first().waitFor();
      await expect(page.getByTestId("subscribe-button").count()).resolves.toBe(0);
    }
    await page.goto(`${server.url}/subscription/confirm?token=abc`);
    await page.getByRole("heading", { name: "Email updates are off" }).waitFor();
    await expect(page.getByTestId("subscribe-button").count()).resolves.toBe(0);

    await signIn(page, server.url);
    await page.goto(`${server.url}/admin/subscribers`);
    await page.getByTestId("subscribers-off").waitFor();
    problems.assertNone();
  });
});

describe.skipIf(!browserTestsEnabled())("a --private page's mail links", { timeout: 120_000 }, () => {
  let receiver: SmtpReceiver;
  let server: WebServer;
  let browser: Browser;

  beforeAll(async () => {
    prepareWebBuild();
    receiver = await SmtpReceiver.start();
    const port = await freePort();
    server = await startWebServer({
      port,
      private: true,
      app: { publicUrl: `http://127.0.0.1:${port}`, mail: { smtpUrl: receiver.url, from: "status@example.test" }, mailDelivery: { pollMs: 200 } },
    });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await receiver?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("confirms for someone not signed in, saying how many items without naming them", async () => {
    const api = adminClients(server.url);
    const item = (await api.items.addItem({ name: "Internal wiki", initialStatusId: (await defaultStatuses(api)).UP.id })).item!;
    // With --private only a signed-in user may subscribe (here the admin's token); the link works for anyone.
    await createClient(SubscriptionsService, createTransport("connect-json", server.url)).subscribe({ email: "frank@example.test", itemIds: [item.id] });
    const mail = await receiver.waitFor((m) => m.envelopeTo.includes("frank@example.test"));
    const { page } = await newBrowser(browser, "phone", "light");
    const problems = watchAdminProblems(page);
    await page.goto(linkIn(mail, "/subscription/confirm"));
    await page.getByRole("heading", { name: "You are subscribed" }).waitFor();
    await page.getByText("1 system of this page (sign in to see which).").waitFor();
    await expect(page.getByText("Internal wiki").count()).resolves.toBe(0);
    problems.assertNone();
  });
});
