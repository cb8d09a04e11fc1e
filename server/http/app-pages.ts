/**
 * The paths the web app has a page for, as patterns over the URL path. The server answers these
 * with `index.html` and 200; any other path still gets `index.html` (the app draws its own "not
 * found" page) but with 404, so that crawlers, monitors and `curl` are not told it exists.
 * Kept in step with `web/src/routes` by a unit test.
 */
export const APP_PAGE_PATTERNS: readonly RegExp[] = [
  /^\/$/,
  /^\/display\/?$/,
  /^\/embed\/?$/,
  /^\/items\/[^/]+\/?$/,
  /^\/incidents\/[^/]+\/?$/,
  /^\/history\/?$/,
  /^\/admin\/?$/,
  /^\/admin\/(account|audit|hooks|incidents|layout|maintenance|settings|statuses|subscribers|tokens|users|webhooks)\/?$/,
  /^\/admin\/items\/[^/]+\/?$/,
  // The links in subscription mail (a POST to the second is the one-click unsubscribe, not a page).
  /^\/subscription\/(confirm|unsubscribe)\/?$/,
];

/** Whether the web app has a page at this (decoded) path. */
export function isAppPage(path: string): boolean {
  return APP_PAGE_PATTERNS.some((pattern) => pattern.test(path));
}
