import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { APP_PAGE_PATTERNS, isAppPage } from "../../server/http/app-pages.js";

const ROUTES = join(process.cwd(), "web", "src", "routes");

/** Each `+page.svelte` under web/src/routes as a path a browser would ask for ("[id]" filled in). */
function routePaths(dir = ROUTES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return routePaths(join(dir, entry.name));
    if (entry.name !== "+page.svelte") return [];
    const route = relative(ROUTES, dir)
      .split(sep)
      .filter(Boolean)
      .map((part) => (part.startsWith("[") ? "2aB3cD4eF5gH6iJ7kL8mN9oP0qR" : part));
    return [`/${route.join("/")}`];
  });
}

describe("the pages the server answers with 200", () => {
  it("are exactly the web app's routes: each route matches, and each pattern matches a route", () => {
    const paths = routePaths();
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) expect(isAppPage(path), path).toBe(true);
    for (const pattern of APP_PAGE_PATTERNS)
      expect(
        paths.some((path) => pattern.test(path)),
        String(pattern),
      ).toBe(true);
  });

  it("are not anything else", () => {
    for (const path of ["/anything/else", "/admin/nope", "/items", "/items/a/b", "/display/x", "/index.htm"]) expect(isAppPage(path), path).toBe(false);
    for (const path of ["/display/", "/admin/users/", "/items/abc"]) expect(isAppPage(path), path).toBe(true);
  });
});
