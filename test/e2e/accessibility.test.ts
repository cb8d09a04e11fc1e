import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { IncidentImpact } from "../../shared/gen/statusthing/v1/incidents_pb.js";
import { IncidentsService } from "../../shared/gen/statusthing/v1/incidents_service_pb.js";
import type { Item } from "../../shared/gen/statusthing/v1/types_pb.js";
import { createTransport } from "../helpers/clients.js";
import { browserTestsEnabled, contextOptions, launchChromium } from "../helpers/browser.js";
import { axe, serious } from "./axe.js";
import { adminClients, seedRealistic } from "./seed.js";
import { prepareWebBuild, removeDatabase, startWebServer, type WebServer } from "./web-server.js";

// Code inside page.evaluate() runs in the browser; this project compiles without DOM types.
declare const document: any;

describe.skipIf(!browserTestsEnabled())("accessibility (axe-core)", { timeout: 90_000 }, () => {
  let server: WebServer;
  let browser: Browser;
  let items: Item[];
  let incidentId = "";

  beforeAll(async () => {
    prepareWebBuild();
    server = await startWebServer();
    let statuses;
    ({ items, statuses } = await seedRealistic(adminClients(server.url)));
    // An open incident and maintenance under way, so / and /display show theirs too.
    const incidents = createClient(IncidentsService, createTransport("connect-json", server.url));
    incidentId = (await incidents.createIncident({ title: "Payments failing", impact: IncidentImpact.MAJOR, message: "Looking into it.", items: [{ itemId: items[2]!.id }] }))
      .incident!.id;
    await incidents.addIncidentUpdate({ incidentId, message: "Found the cause." });
    await incidents.scheduleMaintenance({
      title: "Storage upgrade",
      startsAt: timestampFromMs(Date.now() - 60_000),
      endsAt: timestampFromMs(Date.now() + 3_600_000),
      itemIds: [items[8]!.id],
      statusId: statuses.maintenance!.id,
    });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (server) removeDatabase(server.dbPath);
  });

  const cases = [
    { path: () => "/", ready: "[data-testid=open-incidents]" },
    { path: () => `/items/${items[1]!.id}`, ready: "article.item" },
    { path: () => "/display", ready: "[data-testid=grid]" },
    { path: () => `/incidents/${incidentId}`, ready: "[data-testid=incident-page]" },
    { path: () => "/history", ready: "[data-testid=history-month] >> nth=0" },
    // Without mail settings these say that email is off; test/e2e/subscriptions.test.ts checks their other states.
    { path: () => "/subscription/confirm?token=t", ready: "[data-testid=subscription-confirm][data-phase=failed]" },
    { path: () => "/subscription/unsubscribe?token=t", ready: "[data-testid=subscription-unsubscribe][data-phase=failed]" },
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
      it(`has no serious violations on ${target.path === cases[1]!.path ? "/items/<id>" : target.path === cases[3]!.path ? "/incidents/<id>" : target.path()} (${scheme})`, async () => {
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
