/**
 * `/embed` in an <iframe> on another site: shown, live, when that site's origin is in
 * --embed-origins; refused by the browser otherwise (the CSP's frame-ancestors).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Frame } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson } from "../helpers/clients.js";
import { browserTestsEnabled, contextOptions, launchChromium } from "../helpers/browser.js";
import { sleep } from "../helpers/auth.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

/** Another site: one page that frames whatever `frame` is set to. */
async function startHostSite(): Promise<{ origin: string; frame: string; close(): Promise<void> }> {
  const host = {
    origin: "",
    frame: "about:blank",
    close: () => new Promise<void>((r) => site.close(() => r())),
  };
  const site = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>Host</title><h1>Our wiki</h1><iframe title="status" src="${host.frame}" width="600" height="200"></iframe>`);
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
  host.origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  return host;
}

async function embeddedFrame(page: import("playwright-core").Page): Promise<Frame> {
  await page.locator("iframe").waitFor();
  for (let i = 0; i < 100; i++) {
    const frame = page.frames().find((f) => f !== page.mainFrame());
    if (frame) return frame;
    await sleep(50);
  }
  throw new Error("no frame");
}

describe.skipIf(!browserTestsEnabled())("the embeddable banner", { timeout: 90_000 }, () => {
  let allowed: WebServer;
  let refused: WebServer;
  let browser: Browser;
  let hostForAllowed: Awaited<ReturnType<typeof startHostSite>>;
  let hostForRefused: Awaited<ReturnType<typeof startHostSite>>;

  beforeAll(async () => {
    prepareWebBuild();
    // The host site's origin must be known before the server that names it starts.
    hostForAllowed = await startHostSite();
    allowed = await startWebServer({ embedOrigins: [hostForAllowed.origin] });
    hostForAllowed.frame = `${allowed.url}/embed`;
    hostForRefused = await startHostSite();
    refused = await startWebServer();
    hostForRefused.frame = `${refused.url}/embed`;
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await hostForAllowed?.close();
    await hostForRefused?.close();
    for (const server of [allowed, refused]) {
      await server?.stop();
      if (server) removeDatabase(server.dbPath);
    }
  });

  it("shows the live banner inside a frame on an allowed site", async () => {
    const res = await fetch(`${allowed.url}/embed`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain(`frame-ancestors ${hostForAllowed.origin}`);
    expect(res.headers.get("x-frame-options")).toBeNull();
    // Every other page stays unframeable.
    expect((await fetch(`${allowed.url}/`)).headers.get("x-frame-options")).toBe("DENY");

    const page = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    await page.goto(hostForAllowed.origin);
    const frame = await embeddedFrame(page);
    await frame.getByTestId("banner").getByText("No systems listed yet").waitFor();
    const statuses = await postJson(allowed.url, "statusthing.v1.StatusService/ListStatus", { kinds: ["STATUS_KIND_DOWN"] });
    const down = (statuses.body.statuses as Array<{ id: string }>)[0]!.id;
    await postJson(allowed.url, "statusthing.v1.ItemsService/AddItem", { name: "Payments", initial_status_id: down });
    await frame.getByTestId("banner").getByText("Major outage").waitFor();
    await frame.getByTestId("banner").getByText("Payments is down").waitFor();
    await expect(frame.getByRole("link", { name: "View the full status page" }).getAttribute("target")).resolves.toBe("_blank");
  });

  it("is refused by the browser on a site that --embed-origins does not name", async () => {
    const res = await fetch(`${refused.url}/embed`);
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    const page = await (await browser.newContext(contextOptions("phone", "light"))).newPage();
    await page.goto(hostForRefused.origin);
    const frame = await embeddedFrame(page);
    await sleep(1_500);
    expect(await frame.getByTestId("banner").count()).toBe(0);
  });
});
