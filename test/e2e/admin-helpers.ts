import type { Browser, BrowserContext, Page } from "playwright-core";
import { contextOptions, watchPageProblems, type PageProblems, type VIEWPORTS } from "../helpers/browser.js";
import { TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";

/**
 * Problems in an admin page, less the browser's own console line for an HTTP error answer: the
 * console shows "Failed to load resource: … 401" for the sign-in check of a signed-out browser and
 * "… 409" for a refused duplicate name. Those are the API answering as designed; the page shows
 * them in words, which the tests check. Everything else (page errors, CSP violations) still counts.
 */
export function watchAdminProblems(page: Page): PageProblems {
  const all = watchPageProblems(page);
  return {
    errors: all.errors,
    assertNone() {
      const real = all.errors.filter((e) => !/Failed to load resource: the server responded with a status of 4\d\d/.test(e));
      if (real.length) throw new Error(`problems in the page:\n${real.join("\n")}`);
    },
  };
}

/** A new browser context (its own cookies) at a viewport and color scheme. */
export async function newBrowser(browser: Browser, viewport: keyof typeof VIEWPORTS = "tv", scheme: "light" | "dark" = "light"): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext(contextOptions(viewport, scheme));
  return { context, page: await context.newPage() };
}

/** Signs in through the form at /admin; waits for the console. */
export async function signIn(page: Page, baseUrl: string, password = TEST_ADMIN_PASSWORD, username = "admin"): Promise<void> {
  await page.goto(`${baseUrl}/admin`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Admin sections" }).waitFor();
}
