/**
 * Writes the README's screenshots: docs/screenshot-status-page.png (`/` on a laptop, light) and
 * docs/screenshot-display.png (`/display` on a TV, dark), from a throwaway server with sample data.
 *
 *   node --import tsx scripts/readme-screenshots.ts
 */
import { join } from "node:path";
import { launchChromium } from "../test/helpers/browser.js";
import { adminClients, seedRealistic } from "../test/e2e/seed.js";
import { prepareWebBuild, removeDatabase, startWebServer } from "../test/e2e/web-server.js";
import { ROOT } from "./web-build.mjs";

prepareWebBuild();
const server = await startWebServer();
const browser = await launchChromium();
try {
  await seedRealistic(adminClients(server.url));
  const shots = [
    { path: "/", file: "screenshot-status-page.png", viewport: { width: 1000, height: 1000 }, colorScheme: "light" as const, ready: "[data-testid=items]" },
    { path: "/display?title=Example%20Inc.", file: "screenshot-display.png", viewport: { width: 1280, height: 720 }, colorScheme: "dark" as const, ready: "[data-testid=grid]" },
  ];
  for (const shot of shots) {
    const context = await browser.newContext({ viewport: shot.viewport, colorScheme: shot.colorScheme, reducedMotion: "reduce" });
    const page = await context.newPage();
    await page.goto(server.url + shot.path);
    await page.locator(shot.ready).waitFor();
    await page.locator("[data-phase=live], .live-dot").first().waitFor();
    await page.screenshot({ path: join(ROOT, "docs", shot.file) });
    await context.close();
    process.stderr.write(`wrote docs/${shot.file}\n`);
  }
} finally {
  await browser.close();
  await server.stop();
  removeDatabase(server.dbPath);
}
