import { expect, it } from "vitest";
import { ConfigError, parseCommandLine, USAGE, type Config } from "../../server/config.js";

function run(argv: string[], env: NodeJS.ProcessEnv = {}): Config {
  const command = parseCommandLine(argv, env);
  if (command.kind !== "run") throw new Error(`expected a run command, got ${command.kind}`);
  return command.config;
}

it("leaves connection limits to the server's defaults unless set, and lists them in --help", () => {
  expect(run([])).toMatchObject({ headerTimeoutMs: undefined, requestTimeoutMs: undefined, idleTimeoutMs: undefined });
  for (const text of [
    "--header-timeout",
    "STATUSTHING_HEADER_TIMEOUT",
    "default 10s",
    "--request-timeout",
    "STATUSTHING_REQUEST_TIMEOUT",
    "default 30s",
    "--idle-timeout",
    "STATUSTHING_IDLE_TIMEOUT",
    "default 60s",
  ]) {
    expect(USAGE).toContain(text);
  }
});

it("reads the timeouts from flags and from their variables, a flag winning", () => {
  expect(run(["--header-timeout", "5s", "--request-timeout=1m", "--idle-timeout", "90s"])).toMatchObject({
    headerTimeoutMs: 5_000,
    requestTimeoutMs: 60_000,
    idleTimeoutMs: 90_000,
  });
  const env = { STATUSTHING_HEADER_TIMEOUT: "2s", STATUSTHING_REQUEST_TIMEOUT: "20s", STATUSTHING_IDLE_TIMEOUT: "500ms" };
  expect(run([], env)).toMatchObject({ headerTimeoutMs: 2_000, requestTimeoutMs: 20_000, idleTimeoutMs: 500 });
  expect(run(["--idle-timeout", "2m"], env).idleTimeoutMs).toBe(120_000);
});

it.each([
  [["--header-timeout", "soon"], /--header-timeout: want a duration/],
  [["--request-timeout", "0"], /--request-timeout: must be between/],
  [["--idle-timeout", "90m"], /--idle-timeout: must be between/],
  [["--header-timeout", "40s"], /--header-timeout: must not be longer than --request-timeout/],
  [["--header-timeout", "5s", "--request-timeout", "2s"], /must not be longer than --request-timeout/],
])("refuses %j", (argv, message) => {
  expect(() => run(argv)).toThrow(ConfigError);
  expect(() => run(argv)).toThrow(message);
});

it("reads --max-watchers-per-client and STATUSTHING_MAX_WATCHERS_PER_CLIENT; default 500", () => {
  expect(run([]).maxWatchersPerClient).toBeUndefined();
  expect(USAGE).toMatch(/--max-watchers-per-client[\s\S]*STATUSTHING_MAX_WATCHERS_PER_CLIENT, default 500/);
  expect(run(["--max-watchers-per-client", "2000"]).maxWatchersPerClient).toBe(2_000);
  expect(run([], { STATUSTHING_MAX_WATCHERS_PER_CLIENT: "50" }).maxWatchersPerClient).toBe(50);
  for (const bad of ["0", "-1", "many", "1.5"]) {
    expect(() => run([`--max-watchers-per-client=${bad}`])).toThrow(/--max-watchers-per-client: want a whole number/);
  }
});
