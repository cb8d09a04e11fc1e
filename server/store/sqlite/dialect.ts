/** What the SQLite driver needs said its own way: values it can bind, and how it reports a broken constraint. */
import BetterSqlite3 from "better-sqlite3";
import type { KnownConstraint } from "../sql/conflicts.js";
import type { ValueEncoding } from "../sql/values.js";

/** better-sqlite3 binds neither Date nor boolean: times are epoch ms, booleans 0/1. */
export const SQLITE_VALUES: ValueEncoding = {
  time: (date) => date.getTime(),
  bool: (value) => (value ? 1 : 0),
};

/**
 * The unique constraints by the columns SQLite names when one is broken ("UNIQUE constraint
 * failed: items.name_key"), under the names the PostgreSQL schema gives them.
 */
const UNIQUE_BY_COLUMNS: Record<string, KnownConstraint> = {
  "statuses.name_key": "statuses_name_unique",
  "items.name_key": "items_name_unique",
  "users.username_key": "users_username_unique",
};

/** The known constraint a SQLite error says was broken, if any. */
export function violatedConstraint(error: unknown): KnownConstraint | undefined {
  if (!(error instanceof BetterSqlite3.SqliteError) || error.code !== "SQLITE_CONSTRAINT_UNIQUE") return undefined;
  const columns = /^UNIQUE constraint failed: (.+)$/.exec(error.message)?.[1];
  return columns === undefined ? undefined : UNIQUE_BY_COLUMNS[columns];
}
