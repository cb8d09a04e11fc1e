import { parseArgs } from "node:util";
import type { LevelWithSilent } from "pino";
import { LOG_LEVELS } from "./logger.js";
import { parseAddress } from "./http/serve.js";
import { DEFAULT_CONNECTION_LIMITS } from "./http/connection-limits.js";
import { DEFAULT_MAX_WATCHERS_PER_CLIENT } from "./live/watcher-quota.js";
import { isTimeZone } from "../shared/history/zoned-days.js";

/** The server's settings, validated, with defaults applied. */
export interface Config {
  apiAddr: string;
  db: string;
  /** A postgres:// URL: keep everything in PostgreSQL (several replicas may share it) instead of `db`. */
  databaseUrl: string | undefined;
  devmode: boolean;
  logLevel: LevelWithSilent;
  /** Milliseconds between heartbeats on watch streams. */
  heartbeatMs: number;
  /** Reads need a login too. */
  private: boolean;
  /** How many reverse proxies in front to believe X-Forwarded-For/-Proto/-Host from (0: none). */
  trustProxy: number;
  /** The initial admin's password, used only when the database has no users. */
  adminPassword: string | undefined;
  /** Origins whose pages may show `/embed` in a frame; empty: none may. */
  embedOrigins: string[];
  /** Connection time limits; undefined: the server's defaults (see ConnectionLimits). */
  headerTimeoutMs: number | undefined;
  requestTimeoutMs: number | undefined;
  idleTimeoutMs: number | undefined;
  /** Watch streams one client address may hold; undefined: the server's default. */
  maxWatchersPerClient: number | undefined;
  /** The URL people reach the server at; its host name is allowed in `Host`. */
  publicUrl: string | undefined;
  /** More host names allowed in `Host` (`.example.com` for a domain and its subdomains, `*` for any). */
  allowedHosts: string[];
  /** The Bearer token that lets clients other than loopback read `/metrics`; undefined: loopback only. */
  metricsToken: string | undefined;
  /** Days the audit log keeps each event; undefined: the app's default (365). */
  auditDays: number | undefined;
  /** The IANA time zone whose calendar days the uptime history counts in; undefined: UTC. */
  timeZone: string | undefined;
  /** Webhooks may reach loopback, private and link-local addresses (SSRF guard off). */
  allowPrivateWebhooks: boolean;
  /** Email subscriptions: the SMTP server (`smtp://user:pass@host:587`, `smtps://…`) and the From address; undefined: no email. */
  mail: { smtpUrl: string; from: string } | undefined;
}

const seconds = (ms: number) => `${ms / 1_000}s`;

/** Each flag, its environment variable, default and help text: the one list `--help` prints. */
const FLAGS = {
  "api-addr": { env: "STATUSTHING_API_ADDR", default: "127.0.0.1:9000", help: "address to listen on, host:port (every protocol, one port)" },
  db: { env: "STATUSTHING_DB", default: "./statusthing.db", help: "SQLite database file (created if missing)" },
  "database-url": {
    env: "STATUSTHING_DATABASE_URL",
    default: "(none: SQLite at --db)",
    help: "postgres://user:password@host:5432/database: PostgreSQL instead of SQLite, shared by replicas",
  },
  devmode: { env: "STATUSTHING_DEVMODE", default: "false", help: "development mode: gRPC server reflection for buf curl, grpcurl, Postman" },
  "log-level": { env: "STATUSTHING_LOG_LEVEL", default: "info", help: `log level: ${LOG_LEVELS.join(", ")}` },
  private: { env: "STATUSTHING_PRIVATE", default: "false", help: "reads (the page, the API, watch streams) need a login too" },
  "trust-proxy": {
    env: "STATUSTHING_TRUST_PROXY",
    default: "false",
    help: "behind N reverse proxies (--trust-proxy alone or true: 1): client address from X-Forwarded-For counted N from the right; trust -Proto, -Host",
  },
  "admin-password": {
    env: "STATUSTHING_ADMIN_PASSWORD",
    default: "(none: admin/password, to be changed at first login)",
    help: "the admin's password on first start (prefer the variable: flags show in ps)",
  },
  "embed-origins": {
    env: "STATUSTHING_EMBED_ORIGINS",
    default: "(none: no site may frame the pages)",
    help: "comma-separated origins (https://example.com) whose pages may show /embed in an <iframe>",
  },
  "public-url": { env: "STATUSTHING_PUBLIC_URL", default: "(none)", help: "the URL people reach the server at, e.g. https://status.example.com: its host name may sign in" },
  "allowed-hosts": {
    env: "STATUSTHING_ALLOWED_HOSTS",
    default: "(none: IPs, localhost, the --api-addr host)",
    help: "more host names that may sign in, comma-separated (.example.com: with subdomains; *: any)",
  },
  "metrics-token": {
    env: "STATUSTHING_METRICS_TOKEN",
    default: "(none: /metrics for loopback clients only)",
    help: "clients other than loopback may read /metrics with 'Authorization: Bearer <this>' (prefer the variable)",
  },
  "audit-days": { env: "STATUSTHING_AUDIT_DAYS", default: "365", help: "days the audit log keeps each write (1-36500)" },
  "allow-private-webhooks": {
    env: "STATUSTHING_ALLOW_PRIVATE_WEBHOOKS",
    default: "false",
    help: "webhooks may POST to loopback, private and link-local addresses (off: refused, against SSRF)",
  },
  "smtp-url": {
    env: "STATUSTHING_SMTP_URL",
    default: "(none: no email subscriptions)",
    help: "send subscription mail through this SMTP server: smtp://user:pass@host:587 (STARTTLS) or smtps://…:465; needs --mail-from and --public-url (prefer the variable)",
  },
  "mail-from": { env: "STATUSTHING_MAIL_FROM", default: "(none)", help: 'the From of subscription mail, e.g. "Status <status@example.com>"' },
  "time-zone": { env: "STATUSTHING_TIME_ZONE", default: "UTC", help: "IANA time zone (e.g. Europe/Berlin) whose calendar days the uptime bars count" },
  "heartbeat-interval": { env: "STATUSTHING_HEARTBEAT_INTERVAL", default: "15s", help: "time between heartbeats on watch streams (e.g. 15s, 500ms, 1m)" },
  "header-timeout": {
    env: "STATUSTHING_HEADER_TIMEOUT",
    default: seconds(DEFAULT_CONNECTION_LIMITS.headersMs),
    help: "a new connection's first bytes, and an HTTP/1.1 request's headers, must arrive within this",
  },
  "request-timeout": {
    env: "STATUSTHING_REQUEST_TIMEOUT",
    default: seconds(DEFAULT_CONNECTION_LIMITS.requestMs),
    help: "a whole request (headers and body) must arrive within this; streams' responses are not cut",
  },
  "idle-timeout": {
    env: "STATUSTHING_IDLE_TIMEOUT",
    default: seconds(DEFAULT_CONNECTION_LIMITS.idleMs),
    help: "an HTTP/2 connection without an open stream for this long is closed",
  },
  "max-watchers-per-client": {
    env: "STATUSTHING_MAX_WATCHERS_PER_CLIENT",
    default: String(DEFAULT_MAX_WATCHERS_PER_CLIENT),
    help: "watch streams (WatchItems and /ws together) one client address may hold at once",
  },
} as const;

/** Parses a duration: "500ms", "15s", "1m", or a plain number of seconds. */
export function parseDurationMs(name: string, value: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new ConfigError(`${name}: want a duration like 15s, 500ms or 1m, got ${JSON.stringify(value)}`);
  const ms = Number(match[1]) * (match[2] === "ms" ? 1 : match[2] === "m" ? 60_000 : 1_000);
  if (ms < 10 || ms > 3_600_000) throw new ConfigError(`${name}: must be between 10ms and 1h`);
  return ms;
}

/** Raised for a bad flag or environment value; main prints it with the usage. */
export class ConfigError extends Error {}

export const USAGE = `statusthing: a self-hosted status page with live updates

Usage: statusthing [flags]          run the server
       statusthing users|tokens ...  manage accounts on the database (statusthing users --help)

Flags (each also read from its environment variable; a flag wins over the variable):
${Object.entries(FLAGS)
  .map(([name, f]) => `  --${name.padEnd(19)} ${f.help}\n  ${" ".repeat(22)}env ${f.env}, default ${f.default}`)
  .join("\n")}
  --help                print this help
  --version             print the version
`;

/** Checks a --database-url: empty means none; otherwise a postgres:// or postgresql:// URL. */
export function parseDatabaseUrl(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigError("--database-url: want a URL like postgres://user:password@host:5432/database");
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(`--database-url: want a postgres:// URL, got one starting ${JSON.stringify(url.protocol + "//")}`);
  }
  return value.trim();
}

/**
 * Checks --embed-origins: each an http(s) origin, scheme and host (and port) only, since each
 * goes into the Content-Security-Policy's frame-ancestors as it is.
 */
export function parseEmbedOrigins(value: string): string[] {
  const origins: string[] = [];
  for (const part of value.split(",")) {
    const text = part.trim();
    if (text === "") continue;
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== text.replace(/\/$/, "")) {
      throw new ConfigError(`--embed-origins: want origins like https://example.com (scheme and host, no path), got ${JSON.stringify(text)}`);
    }
    origins.push(url.origin);
  }
  return origins;
}

/** A positive whole number, or undefined when not given. */
function parseCount(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (!/^\d{1,7}$/.test(value.trim()) || Number(value) < 1) throw new ConfigError(`${name}: want a whole number from 1 to 9999999, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** Checks --public-url: empty means none; otherwise an http or https URL. */
export function parsePublicUrl(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigError(`--public-url: want a URL like https://status.example.com, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new ConfigError("--public-url: want an http:// or https:// URL");
  return url.href;
}

/** Checks --time-zone: an IANA name this runtime knows, e.g. "Europe/Berlin"; empty means UTC (undefined). */
export function parseTimeZone(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  if (!isTimeZone(value.trim())) throw new ConfigError(`--time-zone: want an IANA time zone such as UTC or Europe/Berlin, got ${JSON.stringify(value)}`);
  return value.trim();
}

/**
 * Checks the mail settings: none without --smtp-url; with it, --mail-from and --public-url are
 * required (links in mail use --public-url only, never a request's Host). Messages never repeat
 * the URL, which may hold a password.
 */
export function parseMailSettings(smtpUrl: string | undefined, from: string | undefined, publicUrl: string | undefined): Config["mail"] {
  if (smtpUrl === undefined || smtpUrl.trim() === "") return undefined;
  let url: URL;
  try {
    url = new URL(smtpUrl.trim());
  } catch {
    throw new ConfigError("--smtp-url: want a URL like smtp://user:password@mail.example.com:587 or smtps://…:465");
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:")
    throw new ConfigError(`--smtp-url: want an smtp:// or smtps:// URL, got one starting ${JSON.stringify(url.protocol + "//")}`);
  if (url.hostname === "") throw new ConfigError("--smtp-url: names no host");
  if (url.pathname !== "" && url.pathname !== "/") throw new ConfigError("--smtp-url: takes no path");
  const sender = (from ?? "").trim();
  if (sender === "") throw new ConfigError('--smtp-url needs --mail-from (STATUSTHING_MAIL_FROM), e.g. "Status <status@example.com>"');
  // One address, optionally with a display name: nothing that could end the header or add a recipient.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(sender) || !/^(?:[^<>@,;"]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@,;]+@[^\s<>@,;]+)$/.test(sender)) {
    throw new ConfigError(`--mail-from: want one address like status@example.com or "Status <status@example.com>", got ${JSON.stringify(sender)}`);
  }
  if (publicUrl === undefined) throw new ConfigError("--smtp-url needs --public-url (STATUSTHING_PUBLIC_URL): the links in mail point there");
  return { smtpUrl: url.href, from: sender };
}

/** Splits --allowed-hosts at commas; each entry a host name, `.domain` or `*`. */
export function parseAllowedHosts(value: string): string[] {
  const names = value
    .split(",")
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== "");
  for (const name of names) {
    if (name !== "*" && !/^\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$/.test(name)) {
      throw new ConfigError(`--allowed-hosts: ${JSON.stringify(name)} is not a host name (want e.g. status.example.com,.example.com)`);
    }
  }
  return names;
}

/** `--trust-proxy` on its own (followed by nothing or another flag) means one proxy, as it always did. */
function withTrustProxyValue(argv: readonly string[]): string[] {
  return argv.map((arg, i) => (arg === "--trust-proxy" && (argv[i + 1] === undefined || argv[i + 1]!.startsWith("-")) ? "--trust-proxy=true" : arg));
}

/** Reads --trust-proxy: a number of proxies (0-10), or true (1) / false (0). */
export function parseTrustProxy(name: string, value: string): number {
  if (/^\d{1,2}$/.test(value.trim()) && Number(value) <= 10) return Number(value);
  if (/^(true|yes|on)$/i.test(value.trim())) return 1;
  if (/^(false|no|off|)$/i.test(value.trim())) return 0;
  throw new ConfigError(`${name}: want the number of proxies in front (1, 2, ...), true (1) or false, got ${JSON.stringify(value)}`);
}

function parseBoolean(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off|)$/i.test(value)) return false;
  throw new ConfigError(`${name}: want true or false, got ${JSON.stringify(value)}`);
}

/**
 * Every flag the server takes, as `parseArgs` reads them. Each but --help and --version has its
 * line in FLAGS (what --help prints); the config test checks that none is left out.
 */
export const FLAG_OPTIONS = {
  "api-addr": { type: "string" },
  db: { type: "string" },
  "database-url": { type: "string" },
  devmode: { type: "boolean" },
  "log-level": { type: "string" },
  "heartbeat-interval": { type: "string" },
  "header-timeout": { type: "string" },
  "request-timeout": { type: "string" },
  "idle-timeout": { type: "string" },
  "max-watchers-per-client": { type: "string" },
  private: { type: "boolean" },
  "trust-proxy": { type: "string" },
  "admin-password": { type: "string" },
  "embed-origins": { type: "string" },
  "public-url": { type: "string" },
  "allowed-hosts": { type: "string" },
  "metrics-token": { type: "string" },
  "audit-days": { type: "string" },
  "time-zone": { type: "string" },
  "allow-private-webhooks": { type: "boolean" },
  "smtp-url": { type: "string" },
  "mail-from": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

/** What the command line asked for: run with a config, or print help or the version. */
export type Command = { kind: "run"; config: Config } | { kind: "help" } | { kind: "version" };

/** Reads flags, then `STATUSTHING_*` variables, then defaults; validates every value. */
export function parseCommandLine(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: withTrustProxyValue(argv),
      strict: true,
      allowPositionals: false,
      options: FLAG_OPTIONS,
    });
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const { values } = parsed;
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const pick = (name: keyof typeof FLAGS, flag: string | undefined) => flag ?? env[FLAGS[name].env] ?? FLAGS[name].default;

  const apiAddr = pick("api-addr", values["api-addr"]);
  try {
    parseAddress(apiAddr);
  } catch (error) {
    throw new ConfigError(`--api-addr: ${(error as Error).message}`);
  }
  const db = pick("db", values.db);
  if (db.trim() === "") throw new ConfigError("--db: must not be empty");
  const databaseUrl = parseDatabaseUrl(values["database-url"] ?? env[FLAGS["database-url"].env]);
  const logLevel = pick("log-level", values["log-level"]) as LevelWithSilent;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`--log-level: want one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(logLevel)}`);
  const devmode = values.devmode ?? parseBoolean(FLAGS.devmode.env, env[FLAGS.devmode.env] ?? "false");
  const heartbeatMs = parseDurationMs("--heartbeat-interval", pick("heartbeat-interval", values["heartbeat-interval"]));
  const flagOrEnvBoolean = (name: "private" | "allow-private-webhooks", flag: boolean | undefined) => flag ?? parseBoolean(FLAGS[name].env, env[FLAGS[name].env] ?? "false");
  const adminPassword = values["admin-password"] ?? env[FLAGS["admin-password"].env];
  const duration = (name: "header-timeout" | "request-timeout" | "idle-timeout", flag: string | undefined) => {
    const raw = flag ?? env[FLAGS[name].env];
    return raw === undefined || raw === "" ? undefined : parseDurationMs(`--${name}`, raw);
  };
  const headerTimeoutMs = duration("header-timeout", values["header-timeout"]);
  const requestTimeoutMs = duration("request-timeout", values["request-timeout"]);
  if ((headerTimeoutMs ?? DEFAULT_CONNECTION_LIMITS.headersMs) > (requestTimeoutMs ?? DEFAULT_CONNECTION_LIMITS.requestMs)) {
    throw new ConfigError("--header-timeout: must not be longer than --request-timeout (the headers are part of the request)");
  }
  const publicUrl = parsePublicUrl(values["public-url"] ?? env[FLAGS["public-url"].env]);
  const allowedHosts = parseAllowedHosts(values["allowed-hosts"] ?? env[FLAGS["allowed-hosts"].env] ?? "");
  const metricsToken = (values["metrics-token"] ?? env[FLAGS["metrics-token"].env] ?? "").trim();
  if (/\s/.test(metricsToken)) throw new ConfigError("--metrics-token: must not contain spaces (it is sent as 'Bearer <token>')");
  const auditDaysText = values["audit-days"] ?? env[FLAGS["audit-days"].env];
  const auditDays = auditDaysText === undefined || auditDaysText === "" ? undefined : /^\d{1,5}$/.test(auditDaysText) ? Number(auditDaysText) : NaN;
  if (auditDays !== undefined && !(auditDays >= 1 && auditDays <= 36_500)) {
    throw new ConfigError(`--audit-days: want a whole number of days from 1 to 36500, got ${JSON.stringify(auditDaysText)}`);
  }
  return {
    kind: "run",
    config: {
      apiAddr,
      db,
      databaseUrl,
      devmode,
      logLevel,
      heartbeatMs,
      private: flagOrEnvBoolean("private", values.private),
      trustProxy: parseTrustProxy(values["trust-proxy"] !== undefined ? "--trust-proxy" : FLAGS["trust-proxy"].env, pick("trust-proxy", values["trust-proxy"])),
      adminPassword: adminPassword === "" ? undefined : adminPassword,
      embedOrigins: parseEmbedOrigins(values["embed-origins"] ?? env[FLAGS["embed-origins"].env] ?? ""),
      headerTimeoutMs,
      requestTimeoutMs,
      idleTimeoutMs: duration("idle-timeout", values["idle-timeout"]),
      maxWatchersPerClient: parseCount("--max-watchers-per-client", values["max-watchers-per-client"] ?? env[FLAGS["max-watchers-per-client"].env]),
      publicUrl,
      allowedHosts,
      metricsToken: metricsToken === "" ? undefined : metricsToken,
      auditDays,
      timeZone: parseTimeZone(values["time-zone"] ?? env[FLAGS["time-zone"].env]),
      allowPrivateWebhooks: flagOrEnvBoolean("allow-private-webhooks", values["allow-private-webhooks"]),
      mail: parseMailSettings(values["smtp-url"] ?? env[FLAGS["smtp-url"].env], values["mail-from"] ?? env[FLAGS["mail-from"].env], publicUrl),
    },
  };
}
