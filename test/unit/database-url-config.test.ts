import { describe, expect, it } from "vitest";
import { ConfigError, parseCommandLine, USAGE } from "../../server/config.js";
import { describeStore } from "../../server/store/open-store.js";

function databaseUrl(argv: string[], env: NodeJS.ProcessEnv = {}): string | undefined {
  const command = parseCommandLine(argv, env);
  if (command.kind !== "run") throw new Error(`expected a run command, got ${command.kind}`);
  return command.config.databaseUrl;
}

describe("--database-url", () => {
  it("is unset by default: SQLite at --db", () => {
    expect(databaseUrl([])).toBeUndefined();
    expect(databaseUrl([], { STATUSTHING_DATABASE_URL: "" })).toBeUndefined();
  });

  it("reads the flag and STATUSTHING_DATABASE_URL; the flag wins", () => {
    const env = { STATUSTHING_DATABASE_URL: "postgres://env@db:5432/st" };
    expect(databaseUrl([], env)).toBe("postgres://env@db:5432/st");
    expect(databaseUrl(["--database-url", "postgresql://flag:pw@db/st?sslmode=require"], env)).toBe("postgresql://flag:pw@db/st?sslmode=require");
  });

  it.each([["mysql://db/st"], ["not a url"], ["/var/lib/statusthing.db"]])("refuses %j without echoing it", (value) => {
    let error: unknown;
    try {
      parseCommandLine(["--database-url", value], {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^--database-url: want/);
  });

  it("is documented with its variable", () => {
    expect(USAGE).toContain("--database-url");
    expect(USAGE).toContain("STATUSTHING_DATABASE_URL");
  });

  it("is logged without its password", () => {
    expect(describeStore({ db: "x.db", databaseUrl: "postgres://st:s3cret@db:5432/st" })).toBe("postgres://st:***@db:5432/st");
    expect(describeStore({ db: "x.db", databaseUrl: undefined })).toBe("x.db");
  });
});
