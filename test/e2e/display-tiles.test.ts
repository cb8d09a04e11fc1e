import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusKind, type Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { browserTestsEnabled, contextOptions, launchChromium, watchPageProblems } from "../helpers/browser.js";
import { adminClients, defaultStatuses, seedMany } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const document: any, getComputedStyle: any;

/** Each tile on the current page: its box, and the text its heading shows. */
function tileBoxes(page: Page) {
  return page.locator("[data-testid=grid] article").evaluateAll((nodes) =>
    nodes.map((node) => {
      const box = node.getBoundingClientRect();
      return { id: node.getAttribute("data-item-id")!, left: box.left, top: box.top, width: box.width, height: box.height, shown: node.querySelector(".name .fit")!.textContent };
    }),
  );
}

/** How many lines the word `word` of the tile heading with this label spans (1 when it is not broken). */
function linesOfWord(page: Page, label: string, word: string) {
  return page.evaluate(
    ([label, word]) => {
      const tile = [...document.querySelectorAll("article")].find((a: { title: string }) => a.title === label);
      const text = tile.querySelector(".name .fit").firstChild;
      const at = text.data.indexOf(word!);
      if (at < 0) return -1;
      const range = document.createRange();
      range.setStart(text, at);
      range.setEnd(text, at + word!.length);
      return new Set([...range.getClientRects()].map((r: { top: number }) => Math.round(r.top))).size;
    },
    [label, word],
  );
}

describe.skipIf(!browserTestsEnabled())("wall display tiles", { timeout: 120_000 }, () => {
  let server: WebServer | undefined;
  let browser: Browser;
  let problems: Item[];

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    const api = adminClients(server.url);
    const { UP } = await defaultStatuses(api);
    // A dark red, so the tile's text is white: the problem ring must not be white on a light page.
    const outage = (await api.statuses.addStatus({ name: "Major outage", color: "#B42318", kind: StatusKind.DOWN })).status!;
    problems = [];
    for (const name of ["Authentication", "Payments gateway europe-west-2", "Payments gateway europe-west-3"]) {
      problems.push((await api.items.addItem({ name, initialStatusId: outage.id })).item!);
    }
    await seedMany(api, 37, UP);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  it("breaks names only between words, and keeps the ends that tell two names apart", async () => {
    // Narrow tiles (a phone held sideways) make the long names overflow.
    const page = await (await browser.newContext({ ...contextOptions("tv", "dark"), viewport: { width: 844, height: 390 } })).newPage();
    const pageProblems = watchPageProblems(page);
    await page.goto(`${server!.url}/display?rotate=0`);
    await page.getByTestId("grid").waitFor();
    expect(await linesOfWord(page, "Authentication", "Authentication")).toBe(1);
    const shown = Object.fromEntries((await tileBoxes(page)).map((t) => [t.id, t.shown!]));
    const [, west2, west3] = problems.map((p) => shown[p.id]!);
    expect(west2).not.toBe(west3);
    expect(west2.endsWith("west\u20112")).toBe(true);
    expect(west3.endsWith("west\u20113")).toBe(true);
    // Hyphenated words stay whole, and every heading fits its tile.
    expect(await linesOfWord(page, problems[1]!.name, "west\u20112")).toBe(1);
    const overflowing = await page.locator(".name .fit").evaluateAll((names) => names.filter((n) => n.scrollWidth > n.clientWidth + 1).length);
    expect(overflowing).toBe(0);
    pageProblems.assertNone();
    await page.context().close();
  });

  it("says so when ?kinds= has a word that is no kind", async () => {
    const page = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    await page.goto(`${server!.url}/display?kinds=down,bogus`);
    await page.getByTestId("grid").waitFor();
    expect(await page.getByTestId("bad-kinds").innerText()).toMatch(/Unknown kind in \?kinds=: bogus\..*Showing Down only/s);
    expect(await page.locator("[data-testid=grid] article").count()).toBe(3);
    await page.context().close();
  });

  it("keeps the problem ring visible on a white-text tile in the light theme", async () => {
    const page = await (await browser.newContext(contextOptions("tv", "light"))).newPage();
    await page.goto(`${server!.url}/display?theme=light`);
    const tile = page.locator(`article[data-item-id="${problems[0]!.id}"]`);
    await tile.waitFor();
    const { color, shadow, background } = await tile.evaluate((node) => {
      const style = getComputedStyle(node);
      return { color: style.color, shadow: style.boxShadow, background: getComputedStyle(document.querySelector("[data-testid=display]")).backgroundColor };
    });
    expect(color).toBe("rgb(255, 255, 255)");
    // The outer ring (the last shadow) is the page's dark text color, not the tile's white.
    const ring = (shadow.match(/rgba?\([^)]*\)/g) ?? []).at(-1);
    expect(ring).toBe("rgb(16, 24, 40)");
    expect(background).toBe("rgb(233, 236, 241)");
    await page.context().close();
  });

  it("pins the problem tiles on every page", async () => {
    // 1280×720 holds 25 tiles: the 3 problems and 22 others a page, so 2 pages.
    const page = await (await browser.newContext({ ...contextOptions("tv", "dark"), viewport: { width: 1280, height: 720 } })).newPage();
    await page.goto(`${server!.url}/display?rotate=3`);
    const grid = page.getByTestId("grid");
    await grid.waitFor();
    const pages = Number(await grid.getAttribute("data-pages"));
    expect(pages).toBeGreaterThanOrEqual(2);
    const seen = new Set<string>();
    for (let turn = 1; turn <= pages; turn++) {
      await page.waitForFunction((n) => document.querySelector("[data-testid=grid]")?.getAttribute("data-page") === String(n), turn, { timeout: 15_000 });
      const ids = (await tileBoxes(page)).map((t) => t.id);
      expect(ids.slice(0, 3)).toEqual(problems.map((p) => p.id));
      for (const id of ids) seen.add(id);
    }
    expect(seen.size).toBe(40);
    await page.context().close();
  });

  it("keeps its page dots from overflowing a phone", async () => {
    const page = await (await browser.newContext(contextOptions("phone", "dark"))).newPage();
    await page.goto(`${server!.url}/display?rotate=0`);
    const grid = page.getByTestId("grid");
    await grid.waitFor();
    expect(Number(await grid.getAttribute("data-pages"))).toBeGreaterThan(4);
    const widest = await page.locator(".bar *").evaluateAll((nodes) => Math.max(...nodes.map((n) => n.getBoundingClientRect().right)));
    expect(widest).toBeLessThanOrEqual(390);
    expect(await page.locator(".pager-text").innerText()).toMatch(/^1\/\d+$/);
    // One dot a page would not fit 200 items' 40 pages: on a phone the count says it instead.
    expect(await page.locator(".pip").evaluateAll((pips) => pips.filter((p) => p.getBoundingClientRect().width > 0).length)).toBe(0);
    await page.context().close();
  });

  it("does not move a tile when the reconnect bar appears", async () => {
    const page = await (await browser.newContext(contextOptions("tv", "dark"))).newPage();
    await page.goto(`${server!.url}/display`);
    await page.getByTestId("grid").waitFor();
    await page.locator(".conn.live-dot").waitFor();
    const before = await tileBoxes(page);
    const dbPath = server!.dbPath;
    await server!.stop();
    server = undefined;
    await page.getByTestId("reconnecting").waitFor();
    expect(await tileBoxes(page)).toEqual(before);
    await page.context().close();
    removeDatabase(dbPath);
  });
});
