import { spawnSync } from "node:child_process";
import { join } from "node:path";

const built = new Set<string>();

/**
 * Builds a checkout's server as `npm start` runs it (tsc into dist/), once per bench, and returns
 * the entry to run: what is measured is the shipped code. Under tsx every function is also given
 * its name by a call that puts it in dictionary mode, and tsx's loader adds a thread and its
 * memory: CPU and RSS that users never pay.
 */
export function buildServer(dir: string): string {
  if (!built.has(dir)) {
    process.stderr.write(`bench: ${dir}: building the server (tsc -p tsconfig.build.json)\n`);
    const result = spawnSync(process.execPath, [join(dir, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: dir,
      stdio: ["ignore", "inherit", "inherit"],
    });
    if (result.status !== 0) throw new Error(`building the server in ${dir} failed`);
    built.add(dir);
  }
  return join(dir, "dist/server/main.js");
}
