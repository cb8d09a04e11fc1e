/**
 * End-to-end benchmark: how long from an API write to the changed tile on `/display`, in headless
 * Chromium, against the real server (a child process, temp database, 50 items). Also what
 * `/display` downloads: JavaScript + CSS, gzipped.
 *
 *   npm run bench:e2e -- [--changes 50] [--items 50] [--warmup 5] [--pause 40]
 *
 * Timing: the page records, with a MutationObserver, the moment the tile's `data-status` changes
 * (performance.timeOrigin + performance.now(), the same wall clock the bench reads before it
 * sends the write). Progress goes to stderr; a Markdown report and the budget verdicts to stdout;
 * the numbers to .bench/e2e.json. A missed budget is reported as MISSED and makes the exit code 1.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { ensureWebBuild, ROOT } from "../../scripts/web-build.mjs";
import { DISPLAY_BUDGET_BYTES, pageDownloads, totals } from "../../scripts/web-size.mjs";
import { contextOptions, launchChromium } from "../helpers/browser.js";
import { createClients, createTransport } from "../helpers/clients.js";
import { registerAdminToken } from "../helpers/credentials.js";
import { buildServer } from "./build-server.js";

const BUDGET = { p95Ms: 100, displayKb: DISPLAY_BUDGET_BYTES / 1024 } as const;
const ADMIN_PASSWORD = "bench-admin-password-1";

const { values: args } = parseArgs({
  options: {
    changes: { type: "string", default: "50" },
    items: { type: "string", default: "50" },
    warmup: { type: "string", default: "5" },
    pause: { type: "string", default: "40" },
  },
});
const CHANGES = Number(args.changes);
const ITEMS = Number(args.items);
const WARMUP = Number(args.warmup);
const PAUSE_MS = Number(args.pause);

const log = (message: string) => process.stderr.write(`bench:e2e: ${message}\n`);
const now = () => performance.timeOrigin + performance.now();

/** Starts `statusthing` as `npm start` runs it (the tsc build) on a free port; resolves with its URL. */
async function startServer(dbPath: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [buildServer(ROOT), "--db", dbPath, "--api-addr", "127.0.0.1:0", "--log-level", "info"], {
    cwd: ROOT,
    env: { ...process.env, STATUSTHING_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening`)));
    lines.on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as { url?: string };
        if (parsed.url) resolve(parsed.url);
      } catch {
        // not a log line
      }
    });
  });
  return { child, url };
}

/**
 * Page-side code, as source text (a bundler's helpers in a compiled function would not exist in
 * the page): a promise, on window, for the moment the tile shows the new status. It evaluates to
 * undefined, so that arming it does not wait for it.
 */
function armObserver(id: string, status: string): string {
  return `window.__changed = new Promise((resolve) => {
    const selector = ${JSON.stringify(`article[data-item-id="${id}"]`)};
    const done = () => {
      if (document.querySelector(selector)?.getAttribute("data-status") !== ${JSON.stringify(status)}) return false;
      resolve(performance.timeOrigin + performance.now());
      return true;
    };
    if (done()) return;
    const observer = new MutationObserver(() => done() && observer.disconnect());
    observer.observe(document.querySelector("[data-testid=grid]"), { subtree: true, childList: true, attributes: true, attributeFilter: ["data-status"] });
  });
  undefined`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  if (ensureWebBuild(ROOT, ["ignore", "ignore", "inherit"])) log("built the web app");
  const dir = mkdtempSync(join(tmpdir(), "statusthing-bench-e2e-"));
  const { child, url } = await startServer(join(dir, "bench.db"));
  const browser = await launchChromium();
  try {
    await registerAdminToken(url, ADMIN_PASSWORD);
    const api = createClients(createTransport("connect-binary", url));
    const { statuses } = await api.statuses.listStatus({});
    const cycle = ["DOWN", "WARNING", "UP"].map((name) => statuses.find((s) => s.name === name)!);
    const items = [];
    for (let i = 1; i <= ITEMS; i++) items.push((await api.items.addItem({ name: `Service ${String(i).padStart(2, "0")}`, initialStatusId: cycle[2]!.id })).item!);
    log(`seeded ${ITEMS} items; opening /display`);

    const context = await browser.newContext(contextOptions("tv", "dark"));
    const page = await context.newPage();
    // When the first tile appeared, on the page's own clock (that of its resource timings).
    await page.addInitScript(`new MutationObserver((_, observer) => {
      if (document.querySelector("[data-testid=grid] article")) { window.__boardAt = performance.now(); observer.disconnect(); }
    }).observe(document, { subtree: true, childList: true });`);
    // What the browser fetched, and when, to check the one measure (scripts/web-size.mjs) against.
    const downloads: Array<{ path: string; bytes: number }> = [];
    page.on("response", (response) => {
      const type = response.headers()["content-type"] ?? "";
      if (/javascript|css/.test(type)) downloads.push({ path: new URL(response.url()).pathname, bytes: Number(response.headers()["content-length"] ?? 0) });
    });
    await page.goto(`${url}/display?rotate=0`);
    await page
      .locator("[data-testid=grid] article")
      .nth(ITEMS - 1)
      .waitFor();
    // Which files the page had asked for before its first tile appeared.
    const askedBeforeBoard = new Set(
      (await page.evaluate(`performance.getEntriesByType("resource").filter((e) => e.startTime < window.__boardAt).map((e) => new URL(e.name).pathname.slice(1))`)) as string[],
    );
    await page.locator(".conn.live-dot").waitFor();
    log(`measuring ${CHANGES} changes after ${WARMUP} to warm up`);

    const latencies: number[] = [];
    const state = new Map(items.map((item) => [item.id, 2]));
    for (let n = 0; n < WARMUP + CHANGES; n++) {
      const item = items[n % items.length]!;
      const next = (state.get(item.id)! + 1) % cycle.length;
      state.set(item.id, next);
      const status = cycle[next]!;
      // 1. Arm the observer in the page; 2. write; 3. collect the time the DOM changed.
      await page.evaluate(armObserver(item.id, status.name));
      const sent = now();
      await api.items.updateItem({ itemId: item.id, statusId: status.id });
      const changed = (await Promise.race([
        page.evaluate("window.__changed"),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`change ${n} (${item.name} → ${status.name}) never reached the page`)), 10_000)),
      ])) as number;
      if (n >= WARMUP) latencies.push(changed - sent);
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }

    // The budget is the one measure `npm run build:web` prints (scripts/web-size.mjs): /display's
    // first paint from the build's manifest. What the browser fetched is checked against it: every
    // first-paint file, and the lazy ones apart (before or after the board showed), not in the budget.
    const { firstPaint, lazy } = pageDownloads("/display", ROOT);
    const { js, css } = totals(firstPaint);
    const fetched = new Map(downloads.map((d) => [d.path.replace(/^\//, ""), d]));
    const lazyFetched = lazy.filter((f) => fetched.has(f.file)).map((f) => ({ ...f, beforeBoard: askedBeforeBoard.has(f.file) }));
    const notFetched = firstPaint.filter((f) => !fetched.has(f.file));
    const known = new Set([...firstPaint, ...lazy].map((f) => f.file));
    const unknown = [...fetched.keys()].filter((file) => !known.has(file));
    const lazyBytes = totals(lazyFetched);
    const transferred = downloads.reduce((sum, d) => sum + d.bytes, 0);

    const sorted = [...latencies].sort((a, b) => a - b);
    const stats = {
      changes: sorted.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      max: sorted.at(-1)!,
      mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    };
    const ms = (x: number) => `${x.toFixed(1)} ms`;
    const kb = (x: number) => `${(x / 1024).toFixed(1)} KB`;
    const verdict = (ok: boolean) => (ok ? "met" : "MISSED");
    console.log(`## bench:e2e — API write → changed DOM on /display (headless Chromium, ${ITEMS} items)\n`);
    console.log("| changes | p50 | p95 | p99 | max | mean |\n|---|---|---|---|---|---|");
    console.log(`| ${stats.changes} | ${ms(stats.p50)} | ${ms(stats.p95)} | ${ms(stats.p99)} | ${ms(stats.max)} | ${ms(stats.mean)} |\n`);
    console.log(`/display first paint: ${firstPaint.length} JS/CSS files, JS ${kb(js)} + CSS ${kb(css)} = ${kb(js + css)} gzipped (the budget; as \`npm run build:web\` prints)`);
    console.log(
      `/display lazy, fetched during the run (not in the budget): ${lazyFetched.length} files, ${kb(lazyBytes.js + lazyBytes.css)} gzipped${lazyFetched.length ? `: ${lazyFetched.map((f) => `${f.source} ${kb(f.gz)}${f.beforeBoard ? " (asked for before the first tile showed)" : ""}`).join(", ")}` : ""}`,
    );
    console.log(`Everything fetched: ${kb(transferred)} as sent over the wire (brotli)\n`);
    if (notFetched.length) console.log(`- note: first-paint files the browser did not fetch: ${notFetched.map((f) => f.source).join(", ")}`);
    if (unknown.length) console.log(`- note: fetched files the build's manifest does not list for /display: ${unknown.join(", ")}`);
    console.log(`- p95 write → DOM ≤ ${BUDGET.p95Ms} ms: ${verdict(stats.p95 <= BUDGET.p95Ms)} (${ms(stats.p95)})`);
    console.log(`- /display JS + CSS ≤ ${BUDGET.displayKb} KB gzipped: ${verdict(js + css <= BUDGET.displayKb * 1024)} (${kb(js + css)})`);
    // The budgets live here, not in tests: a missed one is the run's exit code.
    if (stats.p95 > BUDGET.p95Ms || js + css > BUDGET.displayKb * 1024) process.exitCode = 1;
    mkdirSync(join(ROOT, ".bench"), { recursive: true });
    writeFileSync(
      join(ROOT, ".bench", "e2e.json"),
      `${JSON.stringify({ at: new Date().toISOString(), items: ITEMS, latencyMs: stats, latencies, display: { jsGzipBytes: js, cssGzipBytes: css, transferredBytes: transferred, firstPaint, lazyFetched }, budget: BUDGET }, null, 2)}\n`,
    );
    await context.close();
  } finally {
    await browser.close();
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
