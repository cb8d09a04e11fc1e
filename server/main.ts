#!/usr/bin/env node
// Imported before anything else is even parsed: it holds V8 settings (young generation, TurboFan) while the
// server's modules load (see start-up-memory.ts), which is why the server is imported below, not here.
import "./start-up-memory.js";
import { pathToFileURL } from "node:url";
import { describeStartupError } from "./startup-error.js";

/** Reads the config, opens the store, builds the app, listens; SIGTERM and SIGINT stop it gracefully. */
export async function main(argv: readonly string[]): Promise<void> {
  const { runServer } = await import("./run-server.js");
  await runServer(argv);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${describeStartupError("cannot start", error)}\n`);
    process.exit(1);
  });
}
