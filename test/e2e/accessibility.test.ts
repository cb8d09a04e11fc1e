import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium } from "../helpers/browser.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const window: any, document: any;

/** axe-core's browser build, injected into the page under test. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown; failureSummary?: string }>;
}

/** Runs axe-core (WCAG 2.x A and AA rules and best practices) on the page; returns the violations. */
async function axe(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run(context: unknown, options: object): Promise<{ violations: Violation[] }> } }).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })) }));
  });
}

const serious = (violations: Violation[]) => violations.filter((v) => v.impact === "serious" || v.impact === "critical");

describe.skipIf(!browserTestsEnabled())("accessibility (axe-core)", { timeout: 90_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let items: Item[];

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    ({ items } = await seedRealistic(adminClients(server.url)));
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  const cases = [
    { path: () => "/", ready: "[data-testid=items]" },
    { path: () => `/items/${items[1]!.id}`, ready: "article.item" },
    { path: () => "/display", ready: "[data-testid=grid]" },
  ];
  it("notices a violation when there is one (the check itself works)", async () => {
    const page = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    await page.goto(`${server.url}/`);
    await page.locator("[data-testid=items]").waitFor();
    await page.evaluate(() => document.querySelector("main")!.append(Object.assign(document.createElement("img"), { src: "data:," })));
    expect(serious(await axe(page)).map((v) => v.id)).toContain("image-alt");
    await page.context().close();
  });

  for (const scheme of ["light", "dark"] as const) {
    for (const target of cases) {
      it(`has no serious violations on ${target.path === cases[1]!.path ? "/items/<id>" : target.path()} (${scheme})`, async () => {
        const page = await (await browser.newContext(contextOptions(target.ready.includes("grid") ? "tv" : "phone", scheme))).newPage();
        await page.goto(server.url + target.path());
        await page.locator(target.ready).waitFor();
        const violations = await axe(page);
        expect(serious(violations), JSON.stringify(serious(violations), null, 2)).toEqual([]);
        if (violations.length) console.log(`${target.ready} ${scheme}: minor`, JSON.stringify(violations.map((v) => [v.id, v.impact, v.nodes.length])));
        await page.context().close();
      });
    }
  }
});
