/**
 * The start-up holds (server/start-up-memory.ts) in a process of their own, as main.ts runs them:
 * TurboFan optimizes nothing while the server starts, hot code again once `endStartUp` is
 * called, and a choice the user made with node flags is left alone.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const MODULE = pathToFileURL(join(import.meta.dirname, "../../server/start-up-memory.ts")).href;

/** Runs a hot function before and after `endStartUp`; says whether TurboFan had optimized it each time. */
const SCRIPT = `
import { endStartUp } from ${JSON.stringify(MODULE)};
const status = new Function("f", "return %GetOptimizationStatus(f)");
const TURBOFANNED = 1 << 6;
function hot(values) {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * 2;
  return sum;
}
const values = Array.from({ length: 100 }, (_, i) => i);
/** Calls it until optimized (the compile runs on another thread), or gives up. */
async function optimized() {
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 2_000; i++) hot(values);
    if (status(hot) & TURBOFANNED) return true;
    await new Promise((done) => setTimeout(done, 5));
  }
  return false;
}
const during = await optimized();
endStartUp();
process.stdout.write(JSON.stringify({ during, after: await optimized() }));
`;

describe("start-up holds", () => {
  const dir = mkdtempSync(join(tmpdir(), "start-up-memory-"));
  const script = join(dir, "hot.mjs");
  writeFileSync(script, SCRIPT);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (...nodeFlags: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, ["--import", "tsx", "--allow-natives-syntax", ...nodeFlags, script], { encoding: "utf8", env: { ...process.env, NODE_OPTIONS: "" } }),
    ) as {
      during: boolean;
      after: boolean;
    };

  it("keeps TurboFan off while the server starts and on once it listens", () => {
    expect(run()).toEqual({ during: false, after: true });
  }, 60_000);

  it("leaves TurboFan as the user set it", () => {
    expect(run("--no-opt")).toEqual({ during: false, after: false });
    expect(run("--turbofan")).toEqual({ during: true, after: true });
  }, 60_000);
});
