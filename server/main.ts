#!/usr/bin/env node
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { createApp } from "./app.js";
import { isAdminCommand, runAdminCommand } from "./cli/admin-commands.js";
import { ConfigError, parseCommandLine, USAGE } from "./config.js";
import { parseAddress, serve } from "./http/serve.js";
import { allowedHostNames } from "./auth/allowed-hosts.js";
import { packageWebOptions } from "./http/web.js";
import { createLogger } from "./logger.js";
import { describeStore, openStore } from "./store/open-store.js";

/** The package version, from the package.json above this file (in `server/` or `dist/server/`). */
function version(): string {
  for (const up of ["../package.json", "../../package.json"]) {
    const url = new URL(up, import.meta.url);
    if (existsSync(url)) return (JSON.parse(readFileSync(url, "utf8")) as { name: string; version: string }).version;
  }
  return "unknown";
}

/** Reads the config, opens the store, builds the app, listens; SIGTERM and SIGINT stop it gracefully. */
export async function main(argv: readonly string[]): Promise<void> {
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
  const log = createLogger(config.logLevel);
  let store;
  try {
    // PostgreSQL with --database-url (replicas may share it), else the SQLite file at --db.
    store = await openStore(config, log);
  } catch (error) {
    log.fatal({ db: describeStore(config), err: error }, `cannot open the database: ${(error as Error).message}`);
    process.exitCode = 1;
    return;
  }
  let app;
  try {
    app = await createApp({
      store,
      logger: log,
      devmode: config.devmode,
      hub: { heartbeatMs: config.heartbeatMs },
      private: config.private,
      trustProxy: config.trustProxy,
      adminPassword: config.adminPassword,
      allowedHosts: allowedHostNames({ listenHost: parseAddress(config.apiAddr).host, publicUrl: config.publicUrl, allowedHosts: config.allowedHosts }),
      web: packageWebOptions(config.devmode),
    });
  } catch (error) {
    // A bad --admin-password, or a store that cannot start: say why, without a stack.
    log.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
    await store.close();
    process.exitCode = 1;
    return;
  }
  const server = await serve(app, config.apiAddr);
  log.info({ url: server.url, db: describeStore(config), devmode: config.devmode, version: version() }, `StatusThing listening on ${server.url}`);

  const stop = (signal: string) => {
    log.info({ signal }, "shutting down");
    server.close().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
