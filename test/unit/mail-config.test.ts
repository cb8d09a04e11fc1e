/** The email flags (#18 part 3): --smtp-url needs --mail-from and --public-url, and no message repeats its password. */
import { describe, expect, it } from "vitest";
import { ConfigError, parseCommandLine, USAGE } from "../../server/config.js";

const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const command = parseCommandLine(argv, env);
  if (command.kind !== "run") throw new Error("not a run");
  return command.config;
};
const refusal = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    parseCommandLine(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error("accepted");
};

describe("email flags", () => {
  it("are off by default and listed in --help", () => {
    expect(run([]).mail).toBeUndefined();
    expect(USAGE).toContain("--smtp-url");
    expect(USAGE).toContain("STATUSTHING_MAIL_FROM");
  });

  it("take the URL and the sender from flags or the environment", () => {
    const config = run(["--public-url", "https://status.example.com", "--mail-from", "Status <status@example.com>"], {
      STATUSTHING_SMTP_URL: "smtps://user:p%40ss@mail.example.com:465",
    });
    expect(config.mail).toEqual({ smtpUrl: "smtps://user:p%40ss@mail.example.com:465", from: "Status <status@example.com>" });
    expect(run(["--smtp-url", "smtp://mail.example.com", "--mail-from", "s@example.com", "--public-url", "https://s.example.com"]).mail?.from).toBe("s@example.com");
  });

  it("refuses --smtp-url without --mail-from or --public-url, and bad values, never echoing the password", () => {
    const url = "smtp://user:hunter2@mail.example.com:587";
    expect(refusal(["--smtp-url", url, "--public-url", "https://s.example.com"])).toContain("--mail-from");
    expect(refusal(["--smtp-url", url, "--mail-from", "s@example.com"])).toContain("--public-url");
    expect(refusal(["--smtp-url", "http://user:hunter2@mail.example.com", "--mail-from", "s@example.com", "--public-url", "https://s.example.com"])).toContain("smtp://");
    for (const from of ["Status <s@example.com>\r\nBcc: x@example.com", "a@example.com, b@example.com", "no-address"]) {
      expect(refusal(["--smtp-url", url, "--mail-from", from, "--public-url", "https://s.example.com"])).toContain("--mail-from");
    }
    for (const argv of [
      ["--smtp-url", url, "--public-url", "https://s.example.com"],
      ["--smtp-url", url, "--mail-from", "s@example.com"],
      ["--smtp-url", "smtp://user:hunter2@mail.example.com/path", "--mail-from", "s@example.com", "--public-url", "https://s.example.com"],
    ]) {
      expect(refusal(argv)).not.toContain("hunter2");
    }
  });
});
