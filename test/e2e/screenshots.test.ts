import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems, type VIEWPORTS } from "../helpers/browser.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

/** Screenshots are test artifacts: written here, never committed (test-results/ is ignored). */
const OUT = join(process.cwd(), "test-results", "screenshots");

describe.skipIf(!browserTestsEnabled())("screenshots of every page, light and dark, phone and TV", { timeout: 60_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let items: Item[];

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    ({ items } = await seedRealistic(adminClients(server.url)));
    browser = await launchChromium();
    mkdirSync(OUT, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  const pages = [
    { name: "home", path: (_scheme: string) => "/", ready: "[data-testid=items]" },
    { name: "item", path: (_scheme: string) => `/items/${items[2]!.id}`, ready: "article.item" },
    // The display is dark unless asked otherwise; ?theme= rather than the browser's scheme decides.
    { name: "display", path: (scheme: string) => `/display?theme=${scheme}`, ready: "[data-testid=grid]" },
  ];
  for (const viewport of ["phone", "tv"] as Array<keyof typeof VIEWPORTS>) {
    for (const scheme of ["light", "dark"] as const) {
      for (const target of pages) {
        it(`${target.name}, ${viewport}, ${scheme}`, async () => {
          const context = await browser.newContext(contextOptions(viewport, scheme));
          const page = await context.newPage();
          const problems = watchPageProblems(page);
          await page.goto(server.url + target.path(scheme));
          await page.waitForSelector(target.ready);
          const file = join(OUT, `${target.name}-${viewport}-${scheme}.png`);
          await page.screenshot({ path: file, fullPage: target.name !== "display" });
          problems.assertNone();
          expect(await page.title()).not.toBe("");
          await context.close();
        });
      }
    }
  }
});
