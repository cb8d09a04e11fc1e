// `npm start -- <flags>`: builds the server when dist/ is missing or older than its sources, then runs it
// in this same process (so signals reach it and flags pass straight through).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

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
const { main } = await import(new URL(`../${entry}`, import.meta.url).href);
await main(process.argv.slice(2));
