/**
 * The bootstrap and recovery CLI (`statusthing users …` / `statusthing tokens …`) as real
 * processes against the database of a running server: passwords come from stdin, never from
 * arguments, and what the CLI does is what the server then enforces.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, rpc } from "../helpers/auth.js";
import { TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { killLeftoverServers, REPO_ROOT, startServerProcess, stopServerProcess, type ListeningServerProcess } from "../helpers/server-process.js";

const AUTH = "statusthing.v1.AuthService/";

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Every CLI run, for the check that nothing secret is echoed. */
const runs: Array<{ args: readonly string[]; run: CliRun }> = [];

/** Runs `node --import tsx server/main.ts …args` with `stdin` piped in (empty when not given). */
function cli(args: readonly string[], stdin = ""): Promise<CliRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("STATUSTHING_")));
  const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", ...args, "--db", dbPath], { cwd: REPO_ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin.on("error", () => {});
  child.stdin.end(stdin);
  return new Promise((resolve) => {
    child.once("close", (code) => {
      const run = { code, stdout, stderr };
      runs.push({ args, run });
      resolve(run);
    });
  });
}

let dir: string;
let dbPath: string;
let server: ListeningServerProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-cli-users-"));
  dbPath = join(dir, "statusthing.db");
  // The server creates the admin; the CLI then works on the same database while it runs.
  server = await startServerProcess(dbPath);
}, 60_000);
afterAll(async () => {
  if (server) await stopServerProcess(server);
  await killLeftoverServers();
  rmSync(dir, { recursive: true, force: true });
});

const PASSWORDS = {
  alice: "alice-stdin-pass-1",
  aliceReset: "alice-reset-pass-2",
  bobArgv: "bob-argv-pass-1",
  malloryArgv: "mallory-argv-pass-1",
};
/** What went in through stdin (argv values are public anyway: any user of the machine can see them in ps). */
const secrets = new Set<string>([PASSWORDS.alice, PASSWORDS.aliceReset]);

// Each CLI run is a Node process loading the server's modules through tsx (seconds on a busy
// machine), so independent runs go in parallel.

describe("users add", () => {
  it("reads the password from stdin, never from the command line; refuses a duplicate username", async () => {
    const [alice, mallory, bob, duplicate] = await Promise.all([
      cli(["users", "add", "alice", "--first-name", "Alice"], `${PASSWORDS.alice}\r\nsecond line\n`),
      // There is no option that takes a password.
      cli(["users", "add", "mallory", "--password", PASSWORDS.malloryArgv]),
      // A password among the arguments is refused outright, before anything is read or written.
      cli(["users", "add", "bob", PASSWORDS.bobArgv]),
      cli(["users", "add", "ADMIN"], "some-other-pass-1\n"),
    ]);
    expect(alice.code, alice.stderr).toBe(0);
    expect(mallory.code).not.toBe(0);
    expect(mallory.stderr).toMatch(/--password/);
    expect(bob.code).toBe(2);
    expect(bob.stderr).toMatch(/never from arguments/);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toMatch(/already exists/);

    // The first line of stdin is the password.
    const aliceLogin = await login(server.url, "alice", PASSWORDS.alice);
    expect(aliceLogin.code, aliceLogin.text).toBe("ok");
    expect((aliceLogin.body.user as { firstName?: string }).firstName).toBe("Alice");
    expect((await login(server.url, "mallory", PASSWORDS.malloryArgv)).code).toBe("unauthenticated");
    expect((await login(server.url, "bob", PASSWORDS.bobArgv)).code).toBe("unauthenticated");
    const users = await rpc(server.url, "statusthing.v1.UsersService/ListUsers", {});
    const names = (users.body.users as Array<{ username: string }>).map((u) => u.username);
    expect(names.sort()).toEqual(["admin", "alice"]);
  }, 90_000);
});

describe("users reset-password, users list and tokens", () => {
  let secret = "";

  it("reset-password reads stdin, ends the user's sessions and --must-change flags it; tokens create prints only the secret", async () => {
    const before = await login(server.url, "alice", PASSWORDS.alice);
    const cookie = { cookie: before.cookie! };
    expect((await rpc(server.url, `${AUTH}WhoAmI`, {}, cookie)).code).toBe("ok");

    const [reset, created] = await Promise.all([
      cli(["users", "reset-password", "alice", "--must-change"], `${PASSWORDS.aliceReset}\n`),
      cli(["tokens", "create", "admin", "--name", "ci", "--expires-in-days", "7"]),
    ]);
    expect(reset.code, reset.stderr).toBe(0);
    expect((await rpc(server.url, `${AUTH}WhoAmI`, {}, cookie)).code).toBe("unauthenticated");
    expect((await login(server.url, "alice", PASSWORDS.alice)).code).toBe("unauthenticated");
    const after = await login(server.url, "alice", PASSWORDS.aliceReset);
    expect(after.code).toBe("ok");
    expect(after.body.mustChangePassword).toBe(true);

    expect(created.code, created.stderr).toBe(0);
    secret = created.stdout.trim();
    secrets.add(secret);
    expect(secret).toMatch(/^st_\S+$/);
    expect(created.stdout).toBe(`${secret}\n`);
    const add = await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "added by ci" }, { token: secret });
    expect(add.code, add.text).toBe("ok");
  }, 90_000);

  it("users list shows no password; tokens list shows no secret; tokens revoke stops the token", async () => {
    expect(secret).not.toBe("");
    const [list, tokens] = await Promise.all([cli(["users", "list"]), cli(["tokens", "list", "admin"])]);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split("\n");
    expect(lines.find((l) => l.startsWith("admin\t"))).toBeDefined();
    expect(lines.find((l) => l.startsWith("alice\t"))).toMatch(/must-change-password/);
    expect(list.stdout).not.toContain("$argon2");

    expect(tokens.code).toBe(0);
    expect(tokens.stdout).not.toContain(secret);
    const line = tokens.stdout.split("\n").find((l) => l.split("\t")[1] === "ci");
    expect(line).toBeDefined();
    expect(line).toMatch(/last used/);
    const id = line!.split("\t")[0]!;

    const revoked = await cli(["tokens", "revoke", "admin", id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await rpc(server.url, `${AUTH}WhoAmI`, {}, { token: secret })).code).toBe("unauthenticated");
  }, 90_000);
});

it("never echoes a password, and the secret only on the stdout of tokens create", () => {
  expect(runs.length).toBe(9);
  for (const { args, run } of runs) {
    for (const s of secrets) {
      expect(run.stderr.includes(s), `stderr of ${args.join(" ")}`).toBe(false);
      if (!(args[0] === "tokens" && args[1] === "create")) expect(run.stdout.includes(s), `stdout of ${args.join(" ")}`).toBe(false);
    }
  }
  const serverOutput = server.output();
  for (const s of [...secrets, TEST_ADMIN_PASSWORD]) expect(serverOutput.includes(s)).toBe(false);
  expect(serverOutput).not.toContain("$argon2");
});
