/**
 * Every start-up failure of the real CLI ends the same way: one clear line on stderr (what it was
 * doing, and why), no stack trace, exit code 1.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT, spawnServer, type ProcessExit } from "../helpers/server-process.js";

let dir: string;
let occupied: net.Server;
let occupiedPort: number;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-startup-"));
  // Writable by anyone: the permission cases run as an unprivileged user.
  chmodSync(dir, 0o777);
  occupied = net.createServer();
  await new Promise<void>((resolve) => occupied.listen(0, "127.0.0.1", () => resolve()));
  occupiedPort = (occupied.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => occupied?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI to its end; its exit and its stderr. */
async function startFails(args: string[]): Promise<{ exit: ProcessExit; stderr: string }> {
  const proc = spawnServer(args);
  let stderr = "";
  proc.child.stderr!.on("data", (chunk: string) => (stderr += chunk));
  const exit = await proc.exited;
  return { exit, stderr };
}

function expectOneClearLine(result: { exit: ProcessExit; stderr: string }, why: RegExp): void {
  expect(result.exit, result.stderr).toEqual({ code: 1, signal: null });
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^statusthing: /);
  expect(lines[0]).toMatch(why);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

it("a port already in use", async () => {
  const result = await startFails(["--db", join(dir, "a.db"), "--api-addr", `127.0.0.1:${occupiedPort}`]);
  expectOneClearLine(result, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${occupiedPort}: the address is already in use .*EADDRINUSE`));
});

it.each([
  ["an unknown host name", "no-such-host.invalid:9000", /cannot listen on no-such-host\.invalid:9000: unknown host name/],
  ["an address this machine does not have", "192.0.2.1:9000", /cannot listen on 192\.0\.2\.1:9000: this machine has no such address/],
])("%s to listen on", async (_what, addr, why) => {
  expectOneClearLine(await startFails(["--db", join(dir, "b.db"), "--api-addr", addr]), why);
});

it("a database in a folder that does not exist", async () => {
  const result = await startFails(["--db", join(dir, "missing", "x.db"), "--api-addr", "127.0.0.1:0"]);
  expectOneClearLine(result, /cannot open the database .*missing\/x\.db: .*directory does not exist/);
});

it("a database that is not a database", async () => {
  const result = await startFails(["--db", dir, "--api-addr", "127.0.0.1:0"]);
  expectOneClearLine(result, /cannot open the database /);
});

it.each([
  ["nothing listens on its port", "postgres://postgres@127.0.0.1:1/test", /connection refused .*ECONNREFUSED/],
  ["the user is unknown", "postgres://no_such_user_here@127.0.0.1:5432/test", /cannot open the database postgres:\/\/no_such_user_here@127\.0\.0\.1:5432\/test: /],
])("a database URL where %s", async (_what, url, why) => {
  expectOneClearLine(await startFails(["--database-url", url, "--api-addr", "127.0.0.1:0"]), why);
});

it.runIf(process.getuid?.() === 0)(
  "permission denied, for a privileged port and for an unwritable database folder (run as nobody)",
  async () => {
    const locked = join(dir, "locked");
    mkdirSync(locked, { mode: 0o700 });
    const runAsNobody = (args: string[]) =>
      new Promise<{ exit: ProcessExit; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", ...args], { cwd: REPO_ROOT, uid: 65534, gid: 65534, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.once("exit", (code, signal) => resolve({ exit: { code, signal }, stderr }));
      });
    expectOneClearLine(await runAsNobody(["--db", join(dir, "c.db"), "--api-addr", "127.0.0.1:80"]), /cannot listen on 127\.0\.0\.1:80: permission denied .*EACCES/);
    expectOneClearLine(
      await runAsNobody(["--db", join(locked, "x.db"), "--api-addr", "127.0.0.1:0"]),
      /cannot open the database .*locked\/x\.db: (cannot open the database file|permission denied)/,
    );
  },
  60_000,
);
