// Prints what each page of the built web app downloads (JavaScript and CSS, gzipped), from the
// Vite manifest of the last `vite build`, and checks /display against its budget (80 KB).
//
// One measure, shared with `npm run bench:e2e` (pageDownloads): a page's budget is its FIRST PAINT,
// what the browser fetches before the page can show anything, which is
//   - SvelteKit's entry (start, app), the root layout, the page's own node, and the root error
//     page (SvelteKit's client fetches +error.svelte when it starts, in case it needs it),
//   - and every file those import statically (index.html modulepreloads them).
// Files loaded later through import() (the Markdown renderer, time travel, the wall's incident
// strip, Connect's error parser, a page's own lazy parts) are LAZY: listed apart, not in the budget.
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const DISPLAY_BUDGET_BYTES = 80 * 1024;
const NODES = ".svelte-kit/generated/client-optimized/nodes";
const LAYOUT = `${NODES}/0.js`;
const ERROR_PAGE = `${NODES}/1.js`;

/** Gzipped size of one built file, as the server sends it (level 9, like the precompressed .gz). */
function gzippedSize(root, file) {
  const path = join(root, "build", "web", file);
  return existsSync(`${path}.gz`) ? readFileSync(`${path}.gz`).length : gzipSync(readFileSync(path), { level: 9 }).length;
}

/** The files (JS and CSS) a set of manifest entries loads, following static imports only. */
function staticClosure(manifest, keys, seen = new Set()) {
  const files = new Map();
  const visited = [];
  const visit = (key) => {
    if (seen.has(key) || !manifest[key]) return;
    seen.add(key);
    visited.push(key);
    const entry = manifest[key];
    files.set(entry.file, entry.src ?? entry.name ?? key);
    for (const css of entry.css ?? []) files.set(css, `${entry.src ?? entry.name ?? key} (CSS)`);
    for (const next of entry.imports ?? []) visit(next);
  };
  keys.forEach(visit);
  return { files, visited };
}

/** Which route each generated node file renders, e.g. "/display" for nodes/3.js. */
function routesOfNodes(root) {
  const routes = new Map();
  for (const name of readdirSync(join(root, NODES))) {
    const source = readFileSync(join(root, NODES, name), "utf8");
    const match = /routes\/(.*?)\+page\.svelte/.exec(source);
    if (match) routes.set(`${NODES}/${name}`, `/${match[1].replace(/\/$/, "")}`);
  }
  return routes;
}

/**
 * What `route` (e.g. "/display") downloads, from the last build: `firstPaint`, the files it needs
 * before it shows anything (the budget), and `lazy`, those it may fetch later by import(). Each
 * file (as served under build/web) with what it was built from and its gzipped size in bytes. Throws when there is no such route in the build.
 */
export function pageDownloads(route, root = ROOT) {
  const manifest = JSON.parse(readFileSync(join(root, ".svelte-kit", "output", "client", ".vite", "manifest.json"), "utf8"));
  const node = [...routesOfNodes(root)].find(([, r]) => r === route)?.[0];
  if (!node) throw new Error(`no page ${route} in the last build`);
  const entries = Object.keys(manifest).filter((key) => manifest[key].isEntry && !key.includes("/nodes/"));
  const first = staticClosure(manifest, [...entries, LAYOUT, ERROR_PAGE, node]);
  // Lazy: whatever a dynamic import() of anything loaded may bring, transitively, that the first paint
  // did not; other pages (SvelteKit's router imports each page's node) are not this page's.
  const lazy = new Map();
  const seen = new Set(first.visited);
  const queue = [...first.visited];
  while (queue.length) {
    for (const next of (manifest[queue.shift()]?.dynamicImports ?? []).filter((key) => !key.startsWith(`${NODES}/`))) {
      const more = staticClosure(manifest, [next], seen);
      for (const [file, source] of more.files) if (!first.files.has(file)) lazy.set(file, source);
      queue.push(...more.visited);
    }
  }
  const sized = (files) => [...files].map(([file, source]) => ({ file, source, gz: gzippedSize(root, file) }));
  return { firstPaint: sized(first.files), lazy: sized(lazy) };
}

/** JS and CSS bytes of a list of files from pageDownloads. */
export function totals(files) {
  const sum = (list) => list.reduce((total, f) => total + f.gz, 0);
  return { js: sum(files.filter((f) => !f.file.endsWith(".css"))), css: sum(files.filter((f) => f.file.endsWith(".css"))) };
}

/** Prints first paint per page, and the lazy files of /display; returns the /display first paint in bytes. */
export function reportSizes(log = console.log, root = ROOT) {
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  let display = 0;
  log("web app: what each page downloads before it shows anything (first paint, gzipped)");
  for (const route of [...routesOfNodes(root).values()].sort()) {
    const { js, css } = totals(pageDownloads(route, root).firstPaint);
    if (route === "/display") display = js + css;
    log(`  ${route.padEnd(26)} JS ${kb(js).padStart(8)}  CSS ${kb(css).padStart(7)}  total ${kb(js + css).padStart(8)}`);
  }
  const lazy = totals(pageDownloads("/display", root).lazy);
  log(`  /display may load later (lazy, not in the budget): ${kb(lazy.js + lazy.css)}`);
  const verdict = display <= DISPLAY_BUDGET_BYTES ? "within" : "OVER";
  log(`  /display first paint ${kb(display)} gzipped: ${verdict} the ${DISPLAY_BUDGET_BYTES / 1024} KB budget`);
  return display;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) reportSizes();
