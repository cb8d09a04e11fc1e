import { fromBinary } from "@bufbuild/protobuf";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchItemsRequestSchema } from "../../shared/gen/statusthing/v1/services_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium } from "../helpers/browser.js";
import { adminClients, defaultStatuses } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const window: any;

const SHOTS = join(process.cwd(), "test-results", "screenshots");

/** The `since_revision` of a WatchItems request as the browser sent it (Connect, binary, one envelope). */
function sinceRevisionOf(body: Buffer | null): bigint {
  if (!body || body.length < 5) throw new Error("no WatchItems request body");
  return fromBinary(WatchItemsRequestSchema, body.subarray(5)).sinceRevision;
}

describe.skipIf(!browserTestsEnabled())("the wall display across a server restart", { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: WebServer | undefined;
  let dbPath: string | undefined;

  beforeAll(async () => {
    prepareWebBuild();
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dbPath) removeDatabase(dbPath);
  });

  it("shows that it is reconnecting, dims when stale, then catches up with every change made meanwhile, without a reload", async () => {
    server = await startWebServer();
    dbPath = server.dbPath;
    const port = server.port;
    let api = adminClients(server.url);
    const { UP, DOWN, WARNING } = await defaultStatuses(api);
    const names = ["Alpha", "Bravo", "Charlie", "Delta"];
    const ids: Record<string, string> = {};
    for (const name of names) ids[name] = (await api.items.addItem({ name, initialStatusId: UP.id })).item!.id;

    const context = await browser.newContext(contextOptions("tv", "dark"));
    const page = await context.newPage();
    await page.clock.install();
    const watchRequests: bigint[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/WatchItems")) watchRequests.push(sinceRevisionOf(request.postDataBuffer()));
    });
    await page.goto(`${server.url}/display`);
    await page.locator(`article[data-item-id="${ids.Delta}"]`).waitFor();
    await page.locator(".conn.live-dot").waitFor();
    await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

    // 1. The server goes away: the display says so, with the time it happened.
    await server.stop();
    server = undefined;
    const banner = page.getByTestId("reconnecting");
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/Reconnecting since \d{2}:\d{2}:\d{2}/);
    expect(await page.locator(".conn.live-dot").count()).toBe(0);
    expect(await page.getByTestId("display").getAttribute("class")).not.toMatch(/\bstale\b/);

    // 2. After 30 s without a connection the tiles are dimmed: they may be out of date.
    await page.clock.runFor(31_000);
    await page.locator("[data-testid=display].stale").waitFor();
    expect(await banner.innerText()).toMatch(/out of date/);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "display-tv-dark-reconnecting.png") });

    // 3. Meanwhile, changes are made (through another server on the same database).
    const other = await startWebServer({ dbPath });
    api = adminClients(other.url);
    await api.items.updateItem({ itemId: ids.Alpha!, statusId: DOWN.id });
    await api.notes.addNote({ itemId: ids.Alpha!, noteText: "Power failure in rack 12" });
    await api.items.updateItem({ itemId: ids.Bravo!, statusId: WARNING.id });
    await api.items.deleteItem({ itemId: ids.Charlie! });
    const echo = (await api.items.addItem({ name: "Echo", initialStatusId: DOWN.id })).item!;
    await other.stop();

    // 4. The server is back where the page expects it: the page resumes and catches up.
    // Within 5 s of the server answering (the backoff is capped at 4 s), not the 30 s it once took.
    server = await startWebServer({ dbPath, port });
    await page.clock.runFor(5_000);
    await page.locator(".conn.live-dot").waitFor({ timeout: 10_000 });
    await page.getByTestId("reconnecting").waitFor({ state: "detached" });
    expect(await page.getByTestId("display").getAttribute("class")).not.toMatch(/\bstale\b/);
    const status = (id: string) => page.locator(`article[data-item-id="${id}"]`).getAttribute("data-status");
    expect(await status(ids.Alpha!)).toBe("DOWN");
    expect(await page.locator(`article[data-item-id="${ids.Alpha}"] .note`).innerText()).toContain("Power failure");
    expect(await status(ids.Bravo!)).toBe("WARNING");
    expect(await status(echo.id)).toBe("DOWN");
    expect(await page.locator(`article[data-item-id="${ids.Charlie}"]`).count()).toBe(0);
    expect(await status(ids.Delta!)).toBe("UP");
    expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);

    // It resumed from the revision it had, rather than starting over with a snapshot.
    expect(watchRequests[0]).toBe(0n);
    expect(watchRequests.at(-1)!).toBeGreaterThan(0n);
    await context.close();
  });
});
