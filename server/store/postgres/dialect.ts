/** What the PostgreSQL driver needs said its own way: numbered placeholders, and how it reports a broken constraint. */
import pg from "pg";
import { rethrowConflict, type ConflictSubject } from "../sql/conflicts.js";
import type { ValueEncoding } from "../sql/values.js";

/** pg binds Date and boolean as they are. */
export const PG_VALUES: ValueEncoding = {
  time: (date) => date,
  bool: (value) => value,
};

/** The shared SQL's `?` placeholders as PostgreSQL's `$1`, `$2`, … (the shared SQL has no other `?`). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The constraint a PostgreSQL error says was broken (unique or foreign key), if any. */
export function violatedConstraint(error: unknown): string | undefined {
  if (!(error instanceof pg.DatabaseError) || (error.code !== "23505" && error.code !== "23503")) return undefined;
  return error.constraint;
}

/** Runs a statement, turning a violation of a known constraint into its domain error. */
export async function withConflicts<T>(subject: ConflictSubject, statement: () => Promise<T>): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    rethrowConflict(error, violatedConstraint, subject);
  }
}
