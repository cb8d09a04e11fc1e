import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient, type Client } from "@connectrpc/connect";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IncidentImpact } from "../../shared/gen/statusthing/v1/incidents_pb.js";
import { IncidentsService } from "../../shared/gen/statusthing/v1/incidents_service_pb.js";
import type { Item, Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems, type VIEWPORTS } from "../helpers/browser.js";
import { createTransport } from "../helpers/clients.js";
import { newBrowser, signIn, watchAdminProblems } from "./admin-helpers.js";
import { axe, serious } from "./axe.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const window: any, document: any;

/** Screenshots are test artifacts: written here, never committed (test-results/ is ignored). */
const OUT = join(process.cwd(), "test-results", "screenshots");
const HOUR = 3_600_000;

async function markPage(page: Page): Promise<void> {
  await page.evaluate(() => (window.__noReload = true));
}
async function stillMarked(page: Page): Promise<boolean> {
  return page.evaluate(() => window.__noReload === true);
}

describe.skipIf(!browserTestsEnabled())("incidents and maintenance on the pages", { timeout: 120_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let items: Item[];
  let statuses: Record<string, Status>;
  let incidents: Client<typeof IncidentsService>;
  const item = (name: string) => items.find((i) => i.name === name)!;

  beforeAll(async () => {
    prepareWebBuild();
    // A page zone far from the browser's (UTC in these tests), so windows show in both.
    server = await startWebServer({ timeZone: "Asia/Tokyo" });
    ({ items, statuses } = await seedRealistic(adminClients(server.url)));
    incidents = createClient(IncidentsService, createTransport("connect-json", server.url));
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("an admin declares an incident from the console; / and /display show it live; resolving restores the tiles", async () => {
    const website = item("Website");
    const dashboard = item("Dashboard");
    const home = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    const display = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    const visitorProblems = [watchPageProblems(home), watchPageProblems(display)];
    await home.goto(`${server.url}/`);
    await display.goto(`${server.url}/display`);
    await home.locator(".live[data-phase=live]").waitFor();
    await display.getByTestId("grid").waitFor();
    const websiteTile = `[data-testid=grid] article[data-item-id="${website.id}"]`;
    expect(await display.locator(websiteTile).getAttribute("data-status")).toBe("UP");
    await markPage(home);
    await markPage(display);

    // The admin picks the items, sets their status and writes the first message: one form, one submit.
    const { page: admin } = await newBrowser(browser, "tv", "light");
    const adminProblems = watchAdminProblems(admin);
    await signIn(admin, server.url);
    await admin.getByRole("link", { name: "Incidents" }).click();
    const form = admin.getByTestId("declare-incident");
    await form.getByLabel("Title").fill("Checkout pages fail to load");
    await form.getByLabel("Impact").selectOption({ label: "Major impact" });
    await form.getByRole("checkbox", { name: /^Website/ }).check();
    await form.getByLabel("Status for Website").selectOption({ label: "DOWN" });
    await form.getByRole("checkbox", { name: /^Dashboard/ }).check();
    await form.getByLabel("Status for Dashboard").selectOption({ label: "WARNING" });
    await form.getByLabel("First message").fill("The load balancer drops requests to checkout. We are on it.");
    await form.getByRole("button", { name: "Declare incident" }).click();
    await admin.getByTestId("incidents-status").getByText("Declared").waitFor();

    // The visitor's page: the incident at the top, the tiles changed, the banner naming the items.
    const card = home.getByTestId("open-incidents").getByTestId("incident");
    await card.getByRole("heading", { name: "Checkout pages fail to load" }).waitFor();
    expect(await card.getByTestId("impact").innerText()).toBe("Major impact");
    expect(await card.getByTestId("incident-state").innerText()).toBe("Investigating");
    expect(await card.getByTestId("incident-items").innerText()).toMatch(/Website, Dashboard/);
    expect(await card.getByTestId("incident-latest").innerText()).toContain("load balancer");
    await home.locator(`article[data-item-id="${website.id}"] .badge`, { hasText: "DOWN" }).waitFor();
    expect(await home.getByTestId("problem-summary").innerText()).toMatch(/(Website and Payments|Payments and Website) are down/);
    // Every time a visitor sees says its zone.
    expect(await card.locator(".when time").innerText()).toMatch(/UTC|GMT/);

    // The wall: a strip across the top, and the tiles.
    await display.getByTestId("display-incident").getByText("Checkout pages fail to load").waitFor();
    await display.waitForFunction((id) => document.querySelector(`[data-testid=grid] article[data-item-id="${id}"]`)?.getAttribute("data-status") === "DOWN", website.id);
    await display.waitForFunction((id) => document.querySelector(`[data-testid=grid] article[data-item-id="${id}"]`)?.getAttribute("data-status") === "WARNING", dashboard.id);

    // An update, from the console.
    const adminCard = admin.getByTestId("admin-incident");
    await adminCard.getByTestId("incident-update-form").getByLabel("State").selectOption({ label: "Monitoring" });
    await adminCard.getByTestId("incident-update-form").getByLabel("Message").fill("A fix is **deployed**; watching error rates. <script>x</script>");
    await adminCard.getByRole("button", { name: "Post update" }).click();
    await card.getByTestId("incident-state").getByText("Monitoring").waitFor();
    expect(await card.getByTestId("incident-latest").innerText()).toContain("fix is deployed");
    // Updates are Markdown, rendered as notes are: emphasis kept, raw HTML shown as text.
    await card.getByTestId("incident-latest").locator("strong", { hasText: "deployed" }).waitFor();
    expect(await card.getByTestId("incident-latest").locator("script").count()).toBe(0);
    expect(await card.getByTestId("incident-latest").innerText()).toContain("<script>x</script>");
    await card.getByText("All updates (2)").click();
    expect(await card.getByTestId("incident-update").count()).toBe(2);

    // Resolve: the incident leaves the page and each item goes back to what it was.
    await adminCard.getByText("Resolve", { exact: true }).click();
    await adminCard.getByLabel("Final message").fill("Checkout works again for everyone.");
    await adminCard.getByRole("button", { name: "Resolve incident" }).click();
    await admin.getByTestId("incidents-status").getByText("Resolved").waitFor();
    await home.getByTestId("open-incidents").waitFor({ state: "detached" });
    await home.locator(`article[data-item-id="${website.id}"] .badge`, { hasText: "UP" }).waitFor();
    await display.waitForFunction((id) => document.querySelector(`[data-testid=grid] article[data-item-id="${id}"]`)?.getAttribute("data-status") === "UP", website.id);
    await display.waitForFunction((id) => document.querySelector(`[data-testid=grid] article[data-item-id="${id}"]`)?.getAttribute("data-status") === "UP", dashboard.id);
    await display.getByTestId("display-notices").waitFor({ state: "detached" });
    expect(await stillMarked(home)).toBe(true);
    expect(await stillMarked(display)).toBe(true);

    // The permalink keeps the whole story.
    const { incidents: resolved } = await incidents.listIncidents({});
    const id = resolved.find((i) => i.title === "Checkout pages fail to load")!.id;
    await home.goto(`${server.url}/incidents/${id}`);
    await home.getByTestId("incident-page").waitFor();
    expect(await home.getByTestId("incident-state").innerText()).toBe("Resolved");
    expect(await home.getByTestId("incident-update").count()).toBe(3);
    expect(await home.getByTestId("incident-update").first().innerText()).toContain("works again");

    for (const p of visitorProblems) p.assertNone();
    adminProblems.assertNone();
  });

  it("shows maintenance under way as maintenance, in the reader's zone and the page's, on / and /display", async () => {
    const storage = item("File storage");
    const reporting = item("Reporting");
    const home = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    const display = await (await browser.newContext(contextOptions("tv", "light"))).newPage();
    await home.goto(`${server.url}/`);
    await display.goto(`${server.url}/display?theme=light`);
    await home.locator(".live[data-phase=live]").waitFor();
    await display.getByTestId("grid").waitFor();

    const now = Date.now();
    const { maintenance } = await incidents.scheduleMaintenance({
      title: "Storage cluster upgrade",
      message: "Uploads may be slow.",
      startsAt: timestampFromMs(now - 60_000),
      endsAt: timestampFromMs(now + 2 * HOUR),
      itemIds: [storage.id, reporting.id],
      statusId: statuses.maintenance!.id,
    });
    const card = home.getByTestId("maintenance-list").getByTestId("maintenance");
    await card.getByText("Storage cluster upgrade").waitFor();
    await card.getByTestId("maintenance-phase").getByText("In progress").waitFor();
    // The browser runs in UTC; the page's zone is Tokyo: both named.
    const times = await card.getByTestId("maintenance-times").innerText();
    expect(times).toMatch(/UTC/);
    expect(times).toMatch(/GMT\+9|JST/);
    // Maintenance is maintenance, not a problem, in the banner's words.
    await home.waitForFunction(() => /File storage and Reporting are under maintenance/.test(document.querySelector("[data-testid=problem-summary]")?.textContent ?? ""));
    await display.getByTestId("display-maintenance").getByText("Storage cluster upgrade").waitFor();
    // Its tiles show the maintenance status, without the ring that marks a problem.
    const tile = display.locator(`[data-testid=grid] article[data-item-id="${reporting.id}"]`);
    await display.waitForFunction((id) => document.querySelector(`[data-testid=grid] article[data-item-id="${id}"]`)?.getAttribute("data-status") === "Maintenance", reporting.id);
    expect(await tile.getAttribute("class")).not.toMatch(/\bproblem\b/);

    // Cancelled from the console: it goes, and the items go back.
    const { page: admin } = await newBrowser(browser, "phone", "dark");
    await signIn(admin, server.url);
    await admin.goto(`${server.url}/admin/maintenance`);
    const row = admin.locator(`[data-maintenance-id="${maintenance!.id}"]`);
    await row.getByRole("button", { name: "Cancel…" }).click();
    await admin.getByRole("button", { name: "Cancel maintenance" }).click();
    await admin.getByTestId("maintenance-status").getByText("Cancelled").waitFor();
    await home.getByTestId("maintenance-list").waitFor({ state: "detached" });
    await display.getByTestId("display-notices").waitFor({ state: "detached" });
    await home.locator(`article[data-item-id="${reporting.id}"] .badge`, { hasText: "UP" }).waitFor();
  });

  it("schedules maintenance from the console, with errors beside the fields", async () => {
    const { page: admin } = await newBrowser(browser, "tv", "light");
    const problems = watchAdminProblems(admin);
    await signIn(admin, server.url);
    await admin.goto(`${server.url}/admin/maintenance`);
    const form = admin.locator("section.schedule").getByTestId("maintenance-form");
    await form.getByRole("button", { name: "Schedule maintenance" }).click();
    // Refused in the browser, each problem beside its field, focus on the first.
    expect(await form.locator(".field-error").count()).toBeGreaterThanOrEqual(4);
    expect(await admin.evaluate(() => document.activeElement?.getAttribute("aria-describedby") ?? document.activeElement?.id)).toMatch(/mw-title/);

    await form.getByLabel("Title").fill("Database failover drill");
    const start = new Date(Date.now() + 24 * HOUR);
    const local = (d: Date) => d.toISOString().slice(0, 16); // the browser runs in UTC
    await form.getByLabel(/^Starts/).fill(local(start));
    await form.getByLabel(/^Ends/).fill(local(new Date(start.getTime() + HOUR)));
    await form.getByLabel("Status", { exact: true }).selectOption({ label: "Maintenance — Unavailable" });
    await form.getByRole("checkbox", { name: /^Payments/ }).check();
    await form.getByRole("button", { name: "Schedule maintenance" }).click();
    await admin.getByTestId("maintenance-status").getByText("Scheduled “Database failover drill”").waitFor();
    const row = admin.getByTestId("admin-maintenance").filter({ hasText: "Database failover drill" });
    await row.waitFor();

    // Edited: the new title shows in the list (and on the public page, live).
    await row.getByText("Edit", { exact: true }).click();
    await row.getByLabel("Title").fill("Database failover drill (rescheduled)");
    await row.getByRole("button", { name: "Save changes" }).click();
    await admin.getByTestId("admin-maintenance").getByRole("heading", { name: "Database failover drill (rescheduled)" }).waitFor();
    problems.assertNone();
  });

  it("starts an incident from the items list with the items found there picked", async () => {
    const { page: admin } = await newBrowser(browser, "tv", "dark");
    const problems = watchAdminProblems(admin);
    await signIn(admin, server.url);
    await admin.getByTestId("item-search").fill("pay");
    await admin.getByRole("link", { name: "Declare an incident for this item" }).click();
    const form = admin.getByTestId("declare-incident");
    await form.getByRole("checkbox", { name: /^Payments/ }).waitFor();
    expect(await form.getByRole("checkbox", { name: /^Payments/ }).isChecked()).toBe(true);
    expect(await form.getByRole("checkbox", { name: /^Website/ }).isChecked()).toBe(false);
    expect(await form.locator("legend").innerText()).toContain("1 picked");
    // Refused in the browser: the problems beside their fields, the focus on the first.
    await form.getByRole("button", { name: "Declare incident" }).click();
    expect(await form.locator("#declare-title-error").innerText()).toBe("Required.");
    expect(await form.locator("#declare-message-error").innerText()).toBe("Required.");
    expect(await admin.evaluate(() => document.activeElement?.id)).toBe("declare-title");
    problems.assertNone();
    await admin.context().close();
  });

  it("deletes an incident declared by mistake, after asking", async () => {
    const { incident } = await incidents.createIncident({ title: "Declared by mistake", impact: IncidentImpact.NONE, message: "Oops." });
    const home = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    await home.goto(`${server.url}/`);
    await home.getByTestId("open-incidents").getByText("Declared by mistake").waitFor();
    const { page: admin } = await newBrowser(browser, "phone", "light");
    await signIn(admin, server.url);
    await admin.goto(`${server.url}/admin/incidents`);
    const row = admin.locator(`[data-testid=admin-incident][data-incident-id="${incident!.id}"]`);
    await row.getByRole("button", { name: "Delete…" }).click();
    await admin.getByRole("button", { name: "Delete incident" }).click();
    await admin.getByTestId("incidents-status").getByText("Deleted “Declared by mistake”").waitFor();
    await row.waitFor({ state: "detached" });
    await home.getByTestId("open-incidents").waitFor({ state: "detached" });
    await home.goto(`${server.url}/incidents/${incident!.id}`);
    await home.getByRole("heading", { name: "No such incident" }).waitFor();
    await home.context().close();
    await admin.context().close();
  });

  it("passes axe on /, /incidents/<id>, /history, /display and the admin pages with an incident and maintenance open", async () => {
    const { incident } = await incidents.createIncident({
      title: "Search is slow",
      impact: IncidentImpact.MINOR,
      message: "Queries take seconds; looking into it.",
      items: [{ itemId: item("Search").id, statusId: statuses.WARNING!.id }],
    });
    await incidents.scheduleMaintenance({
      title: "Mail relay swap",
      startsAt: timestampFromMs(Date.now() - 60_000),
      endsAt: timestampFromMs(Date.now() + HOUR),
      itemIds: [item("Email delivery").id],
      statusId: statuses.maintenance!.id,
    });
    const cases = [
      { path: "/", ready: "[data-testid=open-incidents]", viewport: "phone" as const },
      { path: `/incidents/${incident!.id}`, ready: "[data-testid=incident-page]", viewport: "phone" as const },
      { path: "/history", ready: "[data-testid=history-month]", viewport: "phone" as const },
      { path: "/display", ready: "[data-testid=display-notices]", viewport: "tv" as const },
    ];
    for (const scheme of ["light", "dark"] as const) {
      for (const target of cases) {
        const page = await (await browser.newContext(contextOptions(target.viewport, scheme))).newPage();
        await page.goto(server.url + target.path);
        await page.locator(target.ready).first().waitFor();
        const violations = serious(await axe(page));
        expect(violations, `${target.path} ${scheme}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
        await page.context().close();
      }
      const { page: admin } = await newBrowser(browser, "phone", scheme);
      await signIn(admin, server.url);
      for (const [path, ready] of [
        ["/admin/incidents", "[data-testid=admin-incident]"],
        ["/admin/maintenance", "[data-testid=admin-maintenance]"],
      ] as const) {
        await admin.goto(server.url + path);
        await admin.locator(ready).first().waitFor();
        const violations = serious(await axe(admin));
        expect(violations, `${path} ${scheme}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
      }
      await admin.context().close();
    }
  });

  // Looked at by a person after each change; written to test-results/screenshots.
  for (const viewport of ["phone", "tv"] as Array<keyof typeof VIEWPORTS>) {
    for (const scheme of ["light", "dark"] as const) {
      it(`screenshots with an incident and maintenance: ${viewport}, ${scheme}`, async () => {
        const open = await incidents.listIncidents({});
        if (!open.incidents.some((i) => i.title === "Search is slow" && !i.resolvedAt)) {
          await incidents.createIncident({ title: "Search is slow", impact: IncidentImpact.MINOR, message: "Queries take seconds.", items: [{ itemId: item("Search").id }] });
        }
        const context = await browser.newContext(contextOptions(viewport, scheme));
        const page = await context.newPage();
        const problems = watchPageProblems(page);
        for (const [name, path, ready] of [
          ["incidents-home", "/", "[data-testid=open-incidents]"],
          ["incidents-display", `/display?theme=${scheme}`, "[data-testid=display-notices]"],
          ["incidents-history", "/history", "[data-testid=history-month]"],
        ] as const) {
          await page.goto(server.url + path);
          await page.locator(ready).first().waitFor();
          await page.screenshot({ path: join(OUT, `${name}-${viewport}-${scheme}.png`), fullPage: name !== "incidents-display" });
        }
        problems.assertNone();
        const admin = await context.newPage();
        await signIn(admin, server.url);
        for (const [name, path] of [
          ["admin-incidents", "/admin/incidents"],
          ["admin-maintenance", "/admin/maintenance"],
        ] as const) {
          await admin.goto(server.url + path);
          await admin.locator("h1").first().waitFor();
          await admin.locator("[data-testid=admin-incident], [data-testid=admin-maintenance]").first().waitFor();
          await admin.screenshot({ path: join(OUT, `${name}-${viewport}-${scheme}.png`), fullPage: true });
        }
        await context.close();
      });
    }
  }
});
