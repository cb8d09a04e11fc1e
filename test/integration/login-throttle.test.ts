/**
 * Failed-login throttling cannot be turned against the owner (#10.4): a stranger's wrong guesses
 * slow down the stranger's address only, waits grow with more failures, and a password reset
 * (the CLI's) lets the owner straight back in.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { login, rpc } from "../helpers/auth.js";
import { TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { killLeftoverServers, REPO_ROOT, startServerProcess, stopServerProcess } from "../helpers/server-process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function start(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

const from = (address: string) => ({ "x-forwarded-for": address });
const retrySeconds = (message: unknown) => Number(/try again in (\d+) s/.exec(String(message))?.[1]);

describe("login throttling", () => {
  it("many bad logins for admin from one address do not stop the right password from another", async () => {
    const server = await start({ app: { trustProxy: true } });
    // Well past every step of the default ladder (5, 10, 20, 40 failures).
    const guesses = await Promise.all(Array.from({ length: 60 }, (_, i) => login(server.url, "admin", `stranger-guess-${i}`, from("198.51.100.7"))));
    const codes = guesses.map((g) => g.code);
    expect(
      codes.every((c) => c === "unauthenticated" || c === "resource_exhausted"),
      codes.join(","),
    ).toBe(true);
    expect(codes.filter((c) => c === "unauthenticated").length).toBeLessThanOrEqual(5);
    // The stranger's address is refused, even with the right password...
    expect((await login(server.url, "admin", TEST_ADMIN_PASSWORD, from("198.51.100.7"))).code).toBe("resource_exhausted");
    // ...the owner, elsewhere, is not.
    const owner = await login(server.url, "admin", TEST_ADMIN_PASSWORD, from("203.0.113.20"));
    expect(owner.code, owner.text).toBe("ok");
  });

  it("makes a guesser wait longer after more failures", async () => {
    // Step 0: 2 failures per 2 s; step 1: 4 failures per 8 s. The server's clock is the test's,
    // so a slow machine (argon2 on every guess) cannot stretch the windows.
    let clock = Date.now();
    const server = await start({
      app: { trustProxy: true, now: () => new Date(clock), auth: { throttle: { perAddressAndUsername: 2, perAddress: 100, windowMs: 2_000, steps: 1 } } },
    });
    const guess = (i: number) => login(server.url, "admin", `slow-guess-${i}`, from("198.51.100.8"));
    expect((await guess(1)).code).toBe("unauthenticated");
    expect((await guess(2)).code).toBe("unauthenticated");
    const first = await guess(3);
    expect(first.code).toBe("resource_exhausted");
    const firstWait = retrySeconds(first.body.message);
    expect(firstWait).toBeLessThanOrEqual(2);

    clock += 2_200;
    expect((await guess(4)).code).toBe("unauthenticated");
    expect((await guess(5)).code).toBe("unauthenticated");
    const second = await guess(6);
    expect(second.code).toBe("resource_exhausted");
    const secondWait = retrySeconds(second.body.message);
    expect(Number(second.headers.get("retry-after"))).toBe(secondWait);
    // The 8 s window opened at the first failure, 2.2 s ago.
    expect(secondWait).toBeGreaterThan(2);
    expect(secondWait).toBeLessThanOrEqual(8);
  });
});

describe("an admin's password reset", () => {
  it("lifts the throttle for that user", async () => {
    const server = await start({ app: { trustProxy: true } });
    const added = await rpc(server.url, "statusthing.v1.UsersService/AddUser", { user: { username: "ivy", password: "ivy-password-1" } });
    expect(added.code, added.text).toBe("ok");
    for (let i = 0; i < 5; i++) expect((await login(server.url, "ivy", `forgotten-${i}`, from("198.51.100.9"))).code).toBe("unauthenticated");
    expect((await login(server.url, "ivy", "ivy-password-1", from("198.51.100.9"))).code).toBe("resource_exhausted");
    const reset = await rpc(server.url, "statusthing.v1.UsersService/UpdateUser", { userId: (added.body.user as { id: string }).id, password: "ivy-new-pass-2" });
    expect(reset.code, reset.text).toBe("ok");
    expect((await login(server.url, "ivy", "ivy-new-pass-2", from("198.51.100.9"))).code).toBe("ok");
  });
});

describe("the CLI's reset-password", () => {
  it("lifts the throttle for that user at once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "statusthing-throttle-cli-"));
    const dbPath = join(dir, "statusthing.db");
    const server = await startServerProcess(dbPath);
    try {
      // The owner forgot the password: five wrong guesses from their own (loopback) address.
      for (let i = 0; i < 5; i++) expect((await login(server.url, "admin", `forgotten-${i}`)).code).toBe("unauthenticated");
      expect((await login(server.url, "admin", TEST_ADMIN_PASSWORD)).code).toBe("resource_exhausted");

      const reset = await runCli(["users", "reset-password", "admin", "--db", dbPath], "recovered-pass-1\n");
      expect(reset.code, reset.stderr).toBe(0);
      const after = await login(server.url, "admin", "recovered-pass-1");
      expect(after.code, after.text).toBe("ok");
    } finally {
      await stopServerProcess(server);
      await killLeftoverServers();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

/** `node --import tsx server/main.ts …args` with `stdin` piped in. */
function runCli(args: readonly string[], stdin: string): Promise<{ code: number | null; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("STATUSTHING_")));
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", ...args], { cwd: REPO_ROOT, env, stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stderr })));
}
