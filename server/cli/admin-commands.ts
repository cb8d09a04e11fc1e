import { parseArgs } from "node:util";
import type { Principal } from "../auth/principal.js";
import type { UserRecord } from "../domain.js";
import { commandInvalid, DomainError } from "../errors.js";
import { AuthService } from "../service/auth.js";
import { UsersService } from "../service/users.js";
import { ROLES, type Role } from "../auth/permissions.js";
import { createLogger } from "../logger.js";
import { openStore } from "../store/open-store.js";
import { SqliteStore } from "../store/sqlite/sqlite-store.js";
import { parseDatabaseUrl } from "../config.js";
import { readPassword } from "./read-password.js";
import type { AuditActor } from "../store/audit-context.js";

export const ADMIN_USAGE = `Bootstrap and recovery, working on the database directly (the server may be running):

  statusthing users add <username> [--first-name F] [--last-name L] [--email E] [--role admin|editor|viewer (default admin)]
  statusthing users reset-password <username> [--must-change]
  statusthing users list
  statusthing tokens create <username> --name <name> [--expires-in-days N]
  statusthing tokens list <username>
  statusthing tokens revoke <username> <token-id>

Each takes --db <file> (default ./statusthing.db, or STATUSTHING_DB), or --database-url
postgres://… (or STATUSTHING_DATABASE_URL) like the server. Passwords are read from
a prompt, or from the first line of stdin when it is not a terminal; never from arguments.
"tokens create" prints only the secret, so TOKEN=$(statusthing tokens create ...) works.
`;

/** Whether argv asks for an admin command rather than the server. */
export function isAdminCommand(argv: readonly string[]): boolean {
  return argv[0] === "users" || argv[0] === "tokens";
}

function fail(message: string): never {
  throw commandInvalid(message);
}

/**
 * Runs `users …` or `tokens …`; returns the process exit code. Its writes are audited with the
 * actor "cli" and the command's two words (what the CLI writes goes through the services).
 */
export function runAdminCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const command = argv.slice(0, 2).join(" ");
  const audit: AuditActor = {
    actor: "cli",
    actorId: "",
    procedure: `cli ${command}`,
    objectType: argv[0] === "tokens" ? "api_token" : "user",
    objectId: "",
    clientAddress: "",
    // Only the command: passwords never come as arguments, and nothing else is needed to tell what ran.
    summary: command,
  };
  return runCommand(argv, env, audit);
}

async function runCommand(argv: readonly string[], env: NodeJS.ProcessEnv, audit: AuditActor): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      db: { type: "string" },
      "database-url": { type: "string" },
      "first-name": { type: "string" },
      "last-name": { type: "string" },
      email: { type: "string" },
      "must-change": { type: "boolean" },
      role: { type: "string" },
      name: { type: "string" },
      "expires-in-days": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(ADMIN_USAGE);
    return 0;
  }
  const [group, action, ...rest] = positionals;
  // Extra words are refused: a password typed as one is in the shell history, and must not be used.
  const arity: Record<string, number> = {
    "users add": 1,
    "users reset-password": 1,
    "users list": 0,
    "tokens create": 1,
    "tokens list": 1,
    "tokens revoke": 2,
  };
  const expected = arity[`${group} ${action}`];
  if (expected !== undefined && rest.length > expected) {
    process.stderr.write(`statusthing: unexpected ${JSON.stringify(rest.slice(expected).join(" "))}: passwords are read from a prompt or stdin, never from arguments\n`);
    return 2;
  }
  const db = values.db ?? env.STATUSTHING_DB ?? "./statusthing.db";
  const store = await openStore({ db, databaseUrl: parseDatabaseUrl(values["database-url"] ?? env.STATUSTHING_DATABASE_URL) });
  // A mistyped --db would otherwise quietly make a new database beside the real one.
  if (store instanceof SqliteStore && store.created) process.stderr.write(`statusthing: created a new database at ${db}\n`);
  const now = () => new Date();
  const users = new UsersService({ store, now });
  const auth = new AuthService({ store, now, log: createLogger("silent") });
  // The CLI works through the services, as the RPCs do, so it keeps their rules; it acts as the
  // user it names (whoever can run it can read the database anyway).
  const userNamed = (username: string | undefined) => users.getByUsername(username ?? fail("name the user"));
  const actingAs = (user: UserRecord): Principal => ({ user, via: "token" });
  try {
    switch (`${group} ${action}`) {
      case "users add": {
        const username = rest[0] ?? fail("name the user: users add <username>");
        const role = values.role ?? "admin";
        if (!(ROLES as readonly string[]).includes(role)) fail("--role: want admin, editor or viewer");
        const password = await readPassword(`Password for ${username}`);
        const user = await users.add(
          {
            role: role as Role,
            username,
            password,
            firstName: values["first-name"] ?? "",
            lastName: values["last-name"] ?? "",
            email: values.email ?? "",
            avatarUrl: "",
          },
          {},
          audit,
        );
        process.stderr.write(`added user ${user.username} (${user.id}), role ${role}\n`);
        return 0;
      }
      case "users reset-password": {
        const user = await userNamed(rest[0]);
        const password = await readPassword(`New password for ${user.username}`);
        // A reset is for recovery: whoever had the old password is logged out everywhere, and the
        // owner may sign in at once, however many wrong guesses came before.
        await users.resetPassword(user, password, { mustChangePassword: values["must-change"] ?? false }, audit);
        process.stderr.write(`password of ${user.username} reset; their sessions and API tokens are ended and failed logins forgotten\n`);
        return 0;
      }
      case "users list": {
        for (const u of await users.list()) {
          const name = [u.firstName, u.lastName].filter(Boolean).join(" ");
          process.stdout.write(
            [u.username, name || "-", u.email || "-", u.lastLogin?.toISOString() ?? "never", u.mustChangePassword ? "must-change-password" : ""].join("\t").trimEnd() + "\n",
          );
        }
        return 0;
      }
      case "tokens create": {
        const user = await userNamed(rest[0]);
        const days = values["expires-in-days"];
        if (days !== undefined && !/^\d{1,5}$/.test(days)) fail("--expires-in-days: want a whole number of days");
        const expiresAt = days === undefined ? undefined : new Date(Date.now() + Number(days) * 86_400_000);
        const { token, secret } = await auth.createApiToken(actingAs(user), values.name ?? fail("--name: name the token"), expiresAt, {}, audit);
        process.stderr.write(
          `created token ${token.id} "${token.name}" for ${user.username}${expiresAt ? `, expires ${expiresAt.toISOString()}` : ""}; the secret is shown once:\n`,
        );
        process.stdout.write(`${secret}\n`);
        return 0;
      }
      case "tokens list": {
        const user = await userNamed(rest[0]);
        for (const { token: t } of await auth.listApiTokens(actingAs(user))) {
          process.stdout.write(
            [
              t.id,
              t.name,
              `created ${t.created.toISOString()}`,
              t.expiresAt ? `expires ${t.expiresAt.toISOString()}` : "never expires",
              t.lastUsed ? `last used ${t.lastUsed.toISOString()}` : "never used",
            ].join("\t") + "\n",
          );
        }
        return 0;
      }
      case "tokens revoke": {
        const user = await userNamed(rest[0]);
        await auth.revokeApiToken(actingAs(user), rest[1] ?? fail("name the token: tokens revoke <username> <token-id>"), "", audit);
        process.stderr.write(`revoked\n`);
        return 0;
      }
      default:
        process.stderr.write(`statusthing: unknown command ${JSON.stringify(positionals.join(" "))}\n\n${ADMIN_USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof DomainError || (error instanceof Error && error.message === "the passwords differ")) {
      process.stderr.write(`statusthing: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}
