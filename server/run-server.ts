/**
 * The server and the admin commands, as `statusthing` runs them (see main.ts, which loads this
 * module once the start-up heap is held).
 */
import { existsSync, readFileSync } from "node:fs";
import { endStartUp } from "./start-up-memory.js";
import { createApp } from "./app.js";
import { isAdminCommand, runAdminCommand } from "./cli/admin-commands.js";
import { ConfigError, parseCommandLine, USAGE } from "./config.js";
import { parseAddress, serve } from "./http/serve.js";
import { allowedHostNames } from "./auth/allowed-hosts.js";
import { packageWebOptions } from "./http/web.js";
import { createLogger } from "./logger.js";
import { createLogOutput } from "./log-output.js";
import { describeStartupError } from "./startup-error.js";
import { listenForStopSignals } from "./stop-signals.js";
import { describeStore, openStore } from "./store/open-store.js";

/** The package version, from the package.json above this file (in `server/` or `dist/server/`). */
function version(): string {
  for (const up of ["../package.json", "../../package.json"]) {
    const url = new URL(up, import.meta.url);
    if (existsSync(url)) return (JSON.parse(readFileSync(url, "utf8")) as { name: string; version: string }).version;
  }
  return "unknown";
}

/** After a stop signal, the process exits within this, whatever hangs: past the 5 s grace for requests and the store's close. */
const HARD_STOP_DEADLINE_MS = 10_000;

/** Reads the config, opens the store, builds the app, listens; SIGTERM and SIGINT stop it gracefully. */
export async function runServer(argv: readonly string[]): Promise<void> {
  if (isAdminCommand(argv)) {
    try {
      process.exitCode = await runAdminCommand(argv);
    } catch (error) {
      process.stderr.write(`statusthing: ${(error as Error).message}\n`);
      process.exitCode = 1;
    }
    return;
  }
  let command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`statusthing: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (command.kind === "help") return void process.stdout.write(USAGE);
  if (command.kind === "version") return void process.stdout.write(`${version()}\n`);

  const { config } = command;
  // First, before anything can fail or take time: a stop signal is handled from here on.
  const output = createLogOutput();
  const log = createLogger(config.logLevel, output.stream);
  const signals = listenForStopSignals(HARD_STOP_DEADLINE_MS, () => log.error(`did not stop within ${HARD_STOP_DEADLINE_MS / 1_000} s; exiting anyway`));
  const exit = async (code: number) => {
    await output.finish(1_000);
    process.exit(code);
  };
  const fail = async (step: string, error: unknown, close?: () => Promise<void>) => {
    process.stderr.write(`${describeStartupError(step, error)}\n`);
    log.fatal({ err: error }, `${step}: ${(error as Error).message}`);
    await close?.().catch(() => {});
    await exit(1);
  };
  // A signal during start-up: undo what has started, and stop as if it had been running.
  const stopEarly = async (close: () => Promise<void>) => {
    log.info({ signal: signals.received }, "stopping during start-up");
    await close();
    await exit(0);
  };

  let store;
  try {
    // PostgreSQL with --database-url (replicas may share it), else the SQLite file at --db.
    store = await openStore(config, log);
  } catch (error) {
    return fail(`cannot open the database ${describeStore(config)}`, error);
  }
  const openedStore = store;
  if (signals.received) return stopEarly(() => openedStore.close());
  let app;
  try {
    app = await createApp({
      store,
      logger: log,
      devmode: config.devmode,
      hub: { heartbeatMs: config.heartbeatMs },
      private: config.private,
      ...(config.timeZone !== undefined && { timeZone: config.timeZone }),
      trustProxy: config.trustProxy,
      adminPassword: config.adminPassword,
      ...(config.publicUrl !== undefined && { publicUrl: config.publicUrl }),
      allowedHosts: allowedHostNames({ listenHost: parseAddress(config.apiAddr).host, publicUrl: config.publicUrl, allowedHosts: config.allowedHosts }),
      web: { ...packageWebOptions(config.devmode), embedOrigins: config.embedOrigins },
      ...(config.maxWatchersPerClient !== undefined && { maxWatchersPerClient: config.maxWatchersPerClient }),
      ...(config.metricsToken !== undefined && { metricsToken: config.metricsToken }),
      ...(config.auditDays !== undefined && { auditDays: config.auditDays }),
      allowPrivateWebhooks: config.allowPrivateWebhooks,
      ...(config.mail !== undefined && { mail: config.mail }),
    });
  } catch (error) {
    // A bad --admin-password, or a store that cannot start: say why, without a stack.
    return fail("cannot start", error, () => openedStore.close());
  }
  const builtApp = app;
  if (signals.received) return stopEarly(async () => (builtApp.beginShutdown(), await builtApp.close()));
  let server;
  try {
    server = await serve(app, config.apiAddr, {
      limits: {
        ...(config.headerTimeoutMs !== undefined && { firstByteMs: config.headerTimeoutMs, headersMs: config.headerTimeoutMs }),
        ...(config.requestTimeoutMs !== undefined && { requestMs: config.requestTimeoutMs }),
        ...(config.idleTimeoutMs !== undefined && { idleMs: config.idleTimeoutMs }),
      },
    });
  } catch (error) {
    return fail(`cannot listen on ${config.apiAddr}`, error, async () => (builtApp.beginShutdown(), await builtApp.close()));
  }
  log.info({ url: server.url, db: describeStore(config), devmode: config.devmode, version: version() }, `StatusThing listening on ${server.url}`);
  endStartUp();

  const signal = await signals.next;
  log.info({ signal }, "shutting down");
  try {
    await server.close();
    log.info("stopped");
    await exit(0);
  } catch (error) {
    log.error({ err: error }, "shutdown failed");
    await exit(1);
  }
}
