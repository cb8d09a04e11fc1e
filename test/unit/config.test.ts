import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, FLAG_OPTIONS, parseCommandLine, USAGE, type Config } from "../../server/config.js";

/** Parses and expects a run command; returns its config. */
function run(argv: string[], env: NodeJS.ProcessEnv = {}): Config {
  const command = parseCommandLine(argv, env);
  if (command.kind !== "run") throw new Error(`expected a run command, got ${command.kind}`);
  return command.config;
}

/** Expects a ConfigError and returns its message. */
function configError(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  let error: unknown;
  try {
    parseCommandLine(argv, env);
  } catch (e) {
    error = e;
  }
  expect(error, `expected a ConfigError for ${JSON.stringify(argv)} ${JSON.stringify(env)}`).toBeInstanceOf(ConfigError);
  return (error as Error).message;
}

/** The auth settings' defaults: public reads, no proxy trusted, no admin password given, no site may frame the pages. */
const AUTH_DEFAULTS = { private: false, trustProxy: 0, adminPassword: undefined, publicUrl: undefined, allowedHosts: [], embedOrigins: [], allowPrivateWebhooks: false };

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("defaults", () => {
  it("listens on 127.0.0.1:9000 with ./statusthing.db, no devmode, log level info, heartbeats every 15 s", () => {
    expect(run([])).toEqual({ apiAddr: "127.0.0.1:9000", db: "./statusthing.db", devmode: false, logLevel: "info", heartbeatMs: 15_000, ...AUTH_DEFAULTS });
  });
});

describe("flags", () => {
  it("reads every flag, in both --flag value and --flag=value forms", () => {
    expect(run(["--api-addr", "0.0.0.0:8080", "--db", "/var/lib/st.db", "--devmode", "--log-level", "debug", "--heartbeat-interval", "5s"])).toEqual({
      apiAddr: "0.0.0.0:8080",
      db: "/var/lib/st.db",
      devmode: true,
      logLevel: "debug",
      heartbeatMs: 5_000,
      ...AUTH_DEFAULTS,
    });
    expect(run(["--api-addr=127.0.0.1:0", "--db=data.db", "--log-level=silent", "--heartbeat-interval=250ms"])).toEqual({
      apiAddr: "127.0.0.1:0",
      db: "data.db",
      devmode: false,
      logLevel: "silent",
      heartbeatMs: 250,
      ...AUTH_DEFAULTS,
    });
  });

  it.each([["127.0.0.1:0"], ["localhost:9000"], [":9000"], ["[::1]:9000"], ["0.0.0.0:65535"]])("accepts the address %s", (addr) => {
    expect(run(["--api-addr", addr]).apiAddr).toBe(addr);
  });

  it.each([["fatal"], ["error"], ["warn"], ["info"], ["debug"], ["trace"], ["silent"]])("accepts log level %s", (level) => {
    expect(run(["--log-level", level]).logLevel).toBe(level);
  });

  it.each([
    ["500ms", 500],
    ["10ms", 10],
    ["15s", 15_000],
    ["1.5s", 1_500],
    ["2", 2_000],
    ["1m", 60_000],
    ["60m", 3_600_000],
  ])("reads the heartbeat interval %s as %d ms", (value, ms) => {
    expect(run(["--heartbeat-interval", value]).heartbeatMs).toBe(ms);
  });
});

describe("environment variables", () => {
  it("reads every STATUSTHING_* variable", () => {
    expect(
      run([], {
        STATUSTHING_API_ADDR: "10.0.0.1:7000",
        STATUSTHING_DB: "/data/env.db",
        STATUSTHING_DEVMODE: "true",
        STATUSTHING_LOG_LEVEL: "warn",
        STATUSTHING_HEARTBEAT_INTERVAL: "30s",
      }),
    ).toEqual({ apiAddr: "10.0.0.1:7000", db: "/data/env.db", devmode: true, logLevel: "warn", heartbeatMs: 30_000, ...AUTH_DEFAULTS });
  });

  it.each([["true"], ["TRUE"], ["1"], ["yes"], ["on"]])("takes STATUSTHING_DEVMODE=%s as on", (value) => {
    expect(run([], { STATUSTHING_DEVMODE: value }).devmode).toBe(true);
  });

  it.each([["false"], ["False"], ["0"], ["no"], ["off"], [""]])("takes STATUSTHING_DEVMODE=%j as off", (value) => {
    expect(run([], { STATUSTHING_DEVMODE: value }).devmode).toBe(false);
  });

  it("reads process.env when no environment is passed", () => {
    vi.stubEnv("STATUSTHING_DB", "/from/process/env.db");
    vi.stubEnv("STATUSTHING_LOG_LEVEL", "error");
    const command = parseCommandLine([]);
    expect(command).toMatchObject({ kind: "run", config: { db: "/from/process/env.db", logLevel: "error" } });
  });

  it("ignores variables without the STATUSTHING_ prefix", () => {
    expect(run([], { DB: "/nope.db", API_ADDR: "1.2.3.4:5", LOG_LEVEL: "trace" })).toEqual(run([]));
  });
});

describe("a flag beats its environment variable", () => {
  const env = {
    STATUSTHING_API_ADDR: "10.0.0.1:7000",
    STATUSTHING_DB: "/data/env.db",
    STATUSTHING_DEVMODE: "false",
    STATUSTHING_LOG_LEVEL: "warn",
    STATUSTHING_HEARTBEAT_INTERVAL: "30s",
  };

  it("for every flag", () => {
    expect(run(["--api-addr", "127.0.0.1:1234", "--db", "flag.db", "--devmode", "--log-level", "trace", "--heartbeat-interval", "1s"], env)).toEqual({
      apiAddr: "127.0.0.1:1234",
      db: "flag.db",
      devmode: true,
      logLevel: "trace",
      heartbeatMs: 1_000,
      ...AUTH_DEFAULTS,
    });
  });

  it("one flag at a time, the rest from the environment", () => {
    const fromEnv = { apiAddr: "10.0.0.1:7000", db: "/data/env.db", devmode: false, logLevel: "warn", heartbeatMs: 30_000, ...AUTH_DEFAULTS };
    expect(run(["--db", "flag.db"], env)).toEqual({ ...fromEnv, db: "flag.db" });
    expect(run(["--log-level", "fatal"], env)).toEqual({ ...fromEnv, logLevel: "fatal" });
    expect(run(["--heartbeat-interval", "100ms"], env)).toEqual({ ...fromEnv, heartbeatMs: 100 });
  });

  it("even when the variable's value is bad", () => {
    const bad = {
      STATUSTHING_API_ADDR: "nonsense",
      STATUSTHING_LOG_LEVEL: "loud",
      STATUSTHING_DEVMODE: "maybe",
      STATUSTHING_HEARTBEAT_INTERVAL: "often",
    };
    expect(run(["--api-addr", "127.0.0.1:1", "--log-level", "info", "--devmode", "--heartbeat-interval", "15s"], bad)).toEqual({
      apiAddr: "127.0.0.1:1",
      db: "./statusthing.db",
      devmode: true,
      logLevel: "info",
      heartbeatMs: 15_000,
      ...AUTH_DEFAULTS,
    });
  });
});

describe("bad values are a ConfigError naming what is wrong", () => {
  it.each([["9000"], ["localhost"], ["127.0.0.1:"], ["127.0.0.1:99999"], ["127.0.0.1:http"], ["::1:9000"]])("refuses the address %j", (addr) => {
    expect(configError(["--api-addr", addr])).toContain("--api-addr");
    expect(configError([], { STATUSTHING_API_ADDR: addr })).toMatch(/api-addr|API_ADDR/);
  });

  it.each([["verbose"], ["warning"], ["0"]])("refuses the log level %j", (level) => {
    expect(configError(["--log-level", level])).toContain("log-level");
    expect(configError([], { STATUSTHING_LOG_LEVEL: level })).toMatch(/log-level|LOG_LEVEL/);
  });

  it.each([["often"], ["5ms"], ["9ms"], ["61m"], ["2h"], ["-1s"], ["1 s"], [""]])("refuses the heartbeat interval %j", (value) => {
    expect(configError(["--heartbeat-interval", value])).toContain("heartbeat-interval");
    expect(configError([], { STATUSTHING_HEARTBEAT_INTERVAL: value })).toMatch(/heartbeat-interval|HEARTBEAT_INTERVAL/);
  });

  it("refuses an empty database path", () => {
    expect(configError(["--db", ""])).toContain("--db");
    expect(configError(["--db", "   "])).toContain("--db");
  });

  it("refuses a STATUSTHING_DEVMODE that is not a boolean, naming the variable", () => {
    const message = configError([], { STATUSTHING_DEVMODE: "maybe" });
    expect(message).toContain("STATUSTHING_DEVMODE");
    expect(message).toContain("maybe");
  });

  it.each([
    ["an unknown flag", ["--port", "80"]],
    ["an unknown short flag", ["-x"]],
    ["a positional argument", ["serve"]],
    ["a flag without its value", ["--db"]],
    ["a value given to --devmode", ["--devmode=yes"]],
  ])("refuses %s", (_what, argv) => {
    configError(argv);
  });
});

describe("--help and --version", () => {
  it.each([[["--help"]], [["-h"]], [["--db", "x.db", "--help"]]])("%j asks for help", (argv) => {
    expect(parseCommandLine(argv, {})).toEqual({ kind: "help" });
  });

  it("asks for the version", () => {
    expect(parseCommandLine(["--version"], {})).toEqual({ kind: "version" });
  });

  it("gives help even when the environment holds bad values", () => {
    expect(parseCommandLine(["--help"], { STATUSTHING_LOG_LEVEL: "loud", STATUSTHING_API_ADDR: "x" })).toEqual({ kind: "help" });
    expect(parseCommandLine(["--version"], { STATUSTHING_DEVMODE: "maybe" })).toEqual({ kind: "version" });
  });

  it("documents every flag with its variable and default", () => {
    // Each flag's help is two lines: "  --name  help", then "  env VAR, default D".
    const documented = new Map<string, string>();
    const lines = USAGE.split("\n");
    lines.forEach((line, i) => {
      const flag = /^ {2}--([a-z-]+)\s/.exec(line)?.[1];
      if (flag) documented.set(flag, lines[i + 1] ?? "");
    });
    // Both ways: every flag the parser takes is documented, and every documented flag is taken.
    expect([...documented.keys()].sort()).toEqual(Object.keys(FLAG_OPTIONS).sort());
    for (const [flag, next] of documented) {
      if (flag === "help" || flag === "version") continue;
      expect(next, `--${flag}`).toMatch(/^ +env STATUSTHING_[A-Z_]+, default \S/);
      expect(next, `--${flag}`).toContain(`STATUSTHING_${flag.toUpperCase().replaceAll("-", "_")}`);
    }
    expect(documented.get("api-addr")).toContain("default 127.0.0.1:9000");
    expect(documented.get("heartbeat-interval")).toContain("default 15s");
  });
});

describe("auth settings", () => {
  it("reads --private, --trust-proxy and --admin-password, and their variables", () => {
    expect(run(["--private", "--trust-proxy", "--admin-password", "a-long-password"])).toMatchObject({
      private: true,
      trustProxy: 1,
      adminPassword: "a-long-password",
    });
    expect(run([], { STATUSTHING_PRIVATE: "true", STATUSTHING_TRUST_PROXY: "1", STATUSTHING_ADMIN_PASSWORD: "from-the-environment" })).toMatchObject({
      private: true,
      trustProxy: 1,
      adminPassword: "from-the-environment",
    });
  });

  it("reads --trust-proxy as a number of proxies; alone or true means one", () => {
    expect(run(["--trust-proxy"]).trustProxy).toBe(1);
    expect(run(["--trust-proxy", "--private"]).trustProxy).toBe(1);
    expect(run(["--trust-proxy", "true"]).trustProxy).toBe(1);
    expect(run(["--trust-proxy=2"]).trustProxy).toBe(2);
    expect(run(["--trust-proxy", "0"]).trustProxy).toBe(0);
    expect(run([], { STATUSTHING_TRUST_PROXY: "3" }).trustProxy).toBe(3);
    expect(run([], { STATUSTHING_TRUST_PROXY: "false" }).trustProxy).toBe(0);
    expect(configError(["--trust-proxy=many"])).toMatch(/--trust-proxy/);
    expect(configError(["--trust-proxy=11"])).toMatch(/--trust-proxy/);
    expect(configError([], { STATUSTHING_TRUST_PROXY: "-1" })).toMatch(/STATUSTHING_TRUST_PROXY/);
  });

  it("reads --public-url and --allowed-hosts, and their variables", () => {
    expect(run(["--public-url", "https://status.example.com", "--allowed-hosts", "Status.Example.org, .corp.example,10.0.0.5"])).toMatchObject({
      publicUrl: "https://status.example.com/",
      allowedHosts: ["status.example.org", ".corp.example", "10.0.0.5"],
    });
    expect(run([], { STATUSTHING_PUBLIC_URL: "http://wall.local:9000", STATUSTHING_ALLOWED_HOSTS: "*" })).toMatchObject({
      publicUrl: "http://wall.local:9000/",
      allowedHosts: ["*"],
    });
  });

  it("refuses a --public-url that is not an http(s) URL and an --allowed-hosts entry that is not a name", () => {
    expect(configError(["--public-url", "status.example.com"])).toMatch(/--public-url/);
    expect(configError(["--public-url", "ftp://status.example.com"])).toMatch(/--public-url/);
    expect(configError(["--allowed-hosts", "https://status.example.com"])).toMatch(/--allowed-hosts/);
    expect(configError([], { STATUSTHING_ALLOWED_HOSTS: "a b" })).toMatch(/--allowed-hosts/);
  });

  it("refuses a non-boolean STATUSTHING_PRIVATE", () => {
    expect(configError([], { STATUSTHING_PRIVATE: "perhaps" })).toMatch(/STATUSTHING_PRIVATE/);
  });
});

describe("--embed-origins", () => {
  it("takes a comma-separated list of origins from the flag or its variable", () => {
    expect(run(["--embed-origins", "https://example.com, http://intranet.local:8080"]).embedOrigins).toEqual(["https://example.com", "http://intranet.local:8080"]);
    expect(run([], { STATUSTHING_EMBED_ORIGINS: "https://wiki.example.org/" }).embedOrigins).toEqual(["https://wiki.example.org"]);
    expect(run([]).embedOrigins).toEqual([]);
  });

  it("refuses anything that is not an origin, since each goes into the CSP as it is", () => {
    for (const bad of ["example.com", "https://example.com/path", "javascript:alert(1)", "https://a.com; script-src *", "*"]) {
      expect(() => run(["--embed-origins", bad]), bad).toThrow(/--embed-origins/);
    }
  });
});
