/** What the SQLite driver needs said its own way: values it can bind, and how it reports a broken constraint. */
import BetterSqlite3 from "better-sqlite3";
import { rethrowConflict, type ConflictSubject, type KnownConstraint } from "../sql/conflicts.js";
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
  "item_groups.name_key": "item_groups_name_unique",
  "users.username_key": "users_username_unique",
  "inlet_hooks.name_key": "inlet_hooks_name_key_key",
};

/**
 * The foreign key an insert or update of each table can break, under its PostgreSQL name. SQLite
 * reports only "FOREIGN KEY constraint failed", but writing a row can break only that row's own
 * foreign keys, and these tables have one each.
 */
const FOREIGN_KEY_BY_TABLE: Record<string, KnownConstraint> = {
  items: "items_status_id_fkey",
};

/** The known constraint a SQLite error says was broken, if any; `table` is the one the statement inserted into or updated. */
export function violatedConstraint(error: unknown, table?: string): KnownConstraint | undefined {
  if (!(error instanceof BetterSqlite3.SqliteError)) return undefined;
  if (error.code === "SQLITE_CONSTRAINT_FOREIGNKEY") return table === undefined ? undefined : FOREIGN_KEY_BY_TABLE[table];
  if (error.code !== "SQLITE_CONSTRAINT_UNIQUE") return undefined;
  const columns = /^UNIQUE constraint failed: (.+)$/.exec(error.message)?.[1];
  return columns === undefined ? undefined : UNIQUE_BY_COLUMNS[columns];
}

/** Runs a statement that writes to `table`, turning a violation of a known constraint into its domain error. */
export function withConflicts<T>(table: string, subject: ConflictSubject, statement: () => T): T {
  try {
    return statement();
  } catch (error) {
    rethrowConflict(error, (e) => violatedConstraint(e, table), subject);
  }
}
