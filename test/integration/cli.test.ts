import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { killLeftoverServers, REPO_ROOT, spawnServer } from "../helpers/server-process.js";

afterEach(async () => {
  await killLeftoverServers();
});

const packageVersion = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

it("prints its version with --version and exits 0", async () => {
  const proc = spawnServer(["--version"]);
  const exit = await proc.exited;
  expect(proc.output().trim()).toBe(packageVersion);
  expect(exit).toEqual({ code: 0, signal: null });
});

it("prints the usage with --help and exits 0", async () => {
  const proc = spawnServer(["--help"]);
  const exit = await proc.exited;
  expect(proc.output()).toContain("Usage: statusthing");
  expect(proc.output()).toContain("--api-addr");
  expect(exit).toEqual({ code: 0, signal: null });
});

it("refuses a bad flag value with exit code 2, naming the flag, without starting", async () => {
  const proc = spawnServer(["--log-level", "loud", "--api-addr", "127.0.0.1:0"]);
  const exit = await proc.exited;
  expect(exit).toEqual({ code: 2, signal: null });
  expect(proc.output()).toContain("--log-level");
  expect(proc.output()).not.toMatch(/"url"/);
});
