// Prints what each page of the built web app downloads (JavaScript and CSS, gzipped), from the
// Vite manifest of the last `vite build`, and checks /display against its budget (80 KB).
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MANIFEST = join(ROOT, ".svelte-kit", "output", "client", ".vite", "manifest.json");
const WEB = join(ROOT, "build", "web");
const NODES = join(ROOT, ".svelte-kit", "generated", "client-optimized", "nodes");
const DISPLAY_BUDGET_BYTES = 80 * 1024;

/** Gzipped size of one built file, as the server sends it (level 9, like the precompressed .gz). */
function gzippedSize(file) {
  const path = join(WEB, file);
  return existsSync(`${path}.gz`) ? readFileSync(`${path}.gz`).length : gzipSync(readFileSync(path), { level: 9 }).length;
}

/** The files (JS and CSS) a set of manifest entries loads, following static imports. */
function closure(manifest, keys) {
  const files = new Set();
  const seen = new Set();
  const visit = (key) => {
    if (seen.has(key) || !manifest[key]) return;
    seen.add(key);
    const entry = manifest[key];
    files.add(entry.file);
    for (const css of entry.css ?? []) files.add(css);
    for (const next of entry.imports ?? []) visit(next);
  };
  keys.forEach(visit);
  return files;
}

/** Which route each generated node file renders, e.g. "display" for nodes/3.js. */
function routesOfNodes() {
  const routes = new Map();
  for (const name of readdirSync(NODES)) {
    const source = readFileSync(join(NODES, name), "utf8");
    const match = /routes\/(.*?)\+page\.svelte/.exec(source);
    if (match) routes.set(`.svelte-kit/generated/client-optimized/nodes/${name}`, `/${match[1].replace(/\/$/, "")}`);
  }
  return routes;
}

/** Sizes per page; returns the /display total in bytes. */
export function reportSizes(log = console.log) {
  const manifest = JSON.parse(readFileSync(MANIFEST, "utf8"));
  const entries = Object.keys(manifest).filter((key) => manifest[key].isEntry && !key.includes("/nodes/"));
  const layout = ".svelte-kit/generated/client-optimized/nodes/0.js";
  let display = 0;
  log("web app: what each page downloads (gzipped)");
  for (const [node, route] of routesOfNodes()) {
    let js = 0;
    let css = 0;
    for (const file of closure(manifest, [...entries, layout, node])) {
      if (file.endsWith(".css")) css += gzippedSize(file);
      else js += gzippedSize(file);
    }
    const total = js + css;
    if (route === "/display") display = total;
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    log(`  ${route.padEnd(14)} JS ${kb(js).padStart(8)}  CSS ${kb(css).padStart(7)}  total ${kb(total).padStart(8)}`);
  }
  const verdict = display <= DISPLAY_BUDGET_BYTES ? "within" : "OVER";
  log(`  /display JS+CSS ${(display / 1024).toFixed(1)} KB gzipped: ${verdict} the ${DISPLAY_BUDGET_BYTES / 1024} KB budget`);
  return display;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) reportSizes();
