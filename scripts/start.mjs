// `npm start -- <flags>`: builds the server when dist/ is missing or older than its sources (and the web app
// when build/web is), then runs it in this same process (so signals reach it and flags pass straight through).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureWebBuild, webBuildIsStale } from "./web-build.mjs";

const entry = "dist/server/main.js";
const sources = ["server", "shared", "package.json", "tsconfig.base.json", "tsconfig.build.json"];

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

const stale = !existsSync(entry) || newestMtime(entry) < Math.max(...sources.filter(existsSync).map(newestMtime));
if (stale) {
  process.stderr.write("statusthing: building the server (dist/ is missing or stale)…\n");
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });
}
// The web app (build/web), likewise, when its build tools are installed (they are dev dependencies);
// without them the server serves what was built, or a page saying how to build it.
if (existsSync("node_modules/vite/bin/vite.js") && webBuildIsStale()) {
  process.stderr.write("statusthing: building the web app (build/web is missing or stale)…\n");
  ensureWebBuild();
}
const { main } = await import(new URL(`../${entry}`, import.meta.url).href);
await main(process.argv.slice(2));
