import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContextOptions, type Page } from "playwright-core";

/** Debian's Chromium; no browser download works here (see ARCHITECTURE.md, stack facts). */
export const CHROMIUM_PATH = process.env.STATUSTHING_CHROMIUM ?? "/usr/bin/chromium";

/** Flags for a quiet, headless, sandbox-less Chromium in a container. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Whether Chromium is installed. */
export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Whether to run browser tests: always in CI (where a missing Chromium must fail the run, not
 * skip it), elsewhere only when Chromium is installed.
 */
export function browserTestsEnabled(): boolean {
  return chromiumInstalled() || process.env.CI === "true" || process.env.CI === "1";
}

/** Starts headless Chromium; fails with the install command when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!chromiumInstalled()) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: apt-get update && apt-get install -y chromium (or set STATUSTHING_CHROMIUM)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/** Screen sizes the pages are checked at. */
export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  tv: { width: 1920, height: 1080 },
} as const;

/** Context options for a viewport and color scheme. */
export function contextOptions(viewport: keyof typeof VIEWPORTS, colorScheme: "light" | "dark" = "light"): BrowserContextOptions {
  return { viewport: VIEWPORTS[viewport], colorScheme, deviceScaleFactor: 1, reducedMotion: "reduce" };
}

/** What went wrong in a page: uncaught errors, console errors and CSP violations. */
export interface PageProblems {
  errors: string[];
  /** Throws if anything went wrong. */
  assertNone(): void;
}

/** Collects a page's errors and CSP violations from now on (CSP violations are console errors). */
export function watchPageProblems(page: Page): PageProblems {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  return {
    errors,
    assertNone() {
      if (errors.length) throw new Error(`problems in the page:\n${errors.join("\n")}`);
    },
  };
}
