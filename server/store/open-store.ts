import type { Logger } from "../logger.js";
import { SqliteStore } from "./sqlite/sqlite-store.js";
import type { Store } from "./store.js";

/** Where the data lives: PostgreSQL when a URL is given, else the SQLite file. */
export interface StoreLocation {
  db: string;
  databaseUrl?: string | undefined;
}

/** Opens the built-in store the settings name (migrating it), for the server and the admin commands. */
export async function openStore(where: StoreLocation, logger?: Logger): Promise<Store> {
  if (where.databaseUrl) {
    // Loaded only when used: the PostgreSQL driver costs a SQLite server ~10 MB of memory for nothing.
    const { PostgresStore } = await import("./postgres/postgres-store.js");
    return PostgresStore.open({ connectionString: where.databaseUrl, ...(logger ? { logger } : {}) });
  }
  const store = new SqliteStore({ path: where.db, ...(logger ? { logger } : {}) });
  // A new database where one was expected means a new admin with the default password: say so.
  if (store.created) logger?.warn({ db: where.db }, `created a new database at ${where.db}`);
  return store;
}

/** Names the store for logs and messages, without the URL's password. */
export function describeStore(where: StoreLocation): string {
  if (!where.databaseUrl) return where.db;
  try {
    const url = new URL(where.databaseUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "postgres://…";
  }
}
