// Whether build/web is missing or older than its sources, and how to (re)build it: used by
// `npm start` (scripts/start.mjs) and by the end-to-end tests, so both serve a current web app.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The built app's entry; its age is the build's age. */
const BUILT_INDEX = join("build", "web", "index.html");
/** Everything the web build reads. */
const SOURCES = ["web", "shared", "vite.config.ts", "package.json"];
/** Held while a build runs, so concurrent callers (parallel test files) build once. */
const LOCK = join("build", ".web-build.lock");
const LOCK_STALE_MS = 5 * 60_000;

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** True when build/web is missing or older than any of its sources. */
export function webBuildIsStale(root = ROOT) {
  const index = join(root, BUILT_INDEX);
  if (!existsSync(index)) return true;
  const sources = SOURCES.map((s) => join(root, s)).filter(existsSync);
  return statSync(index).mtimeMs < Math.max(...sources.map(newestMtime));
}

/** Runs `vite build` (SvelteKit + adapter-static into build/web), then prints the sizes. */
export function buildWeb(root = ROOT, stdio = "inherit") {
  // A production build whoever asks: under vitest NODE_ENV is "test", which would build Svelte's dev runtime.
  const env = { ...process.env, NODE_ENV: "production" };
  execFileSync(process.execPath, [join(root, "node_modules", "vite", "bin", "vite.js"), "build", "--logLevel", "warn"], { cwd: root, stdio, env });
  execFileSync(process.execPath, [join(root, "scripts", "web-size.mjs")], { cwd: root, stdio, env });
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds the web app if it is stale, once even when several processes ask at the same time:
 * the first takes a lock directory and builds; the others wait for it, then look again.
 */
export function ensureWebBuild(root = ROOT, stdio = "inherit") {
  const lock = join(root, LOCK);
  for (;;) {
    if (!webBuildIsStale(root)) return false;
    mkdirSync(join(root, "build"), { recursive: true });
    try {
      mkdirSync(lock);
    } catch {
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      else sleep(250);
      continue;
    }
    try {
      if (!webBuildIsStale(root)) return false;
      buildWeb(root, stdio);
      return true;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}
