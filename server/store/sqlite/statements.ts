/**
 * Every statement the SQLite store runs, prepared once per connection and typed by its result:
 * the shared SQL (`../sql/statements.ts`) and what only SQLite says this way (JSON arrays for
 * list parameters, rowid, sqlite_sequence, substr).
 */
import type { Database, RunResult } from "better-sqlite3";
import type { ChangeRow, ItemRow, LoggedNoteRow, NoteRow, SessionRow, StatusRow, TokenRow, UserRow, WithUser } from "../sql/rows.js";
import { CHANGE_COLUMNS, ITEM_SELECT, LOGGED_NOTE_COLUMNS, PAGE_ORDER, SQL, STATUS_COLUMNS } from "../sql/statements.js";
import type { TransitionRow } from "../sql/status-history.js";

/** A prepared statement, typed by its parameters and its result rows (or values, plucked). */
export interface Prepared<Params extends unknown[], Result> {
  run(...params: Params): RunResult;
  get(...params: Params): Result | undefined;
  all(...params: Params): Result[];
}

/** Prepares statements on `db`, typed: `run` for writes, `rows` for rows, `value` for one column, `named` for named parameters. */
function preparers(db: Database) {
  return {
    run: (sql: string): Prepared<unknown[], never> => db.prepare<unknown[], never>(sql),
    rows: <Row>(sql: string): Prepared<unknown[], Row> => db.prepare<unknown[], Row>(sql),
    value: <T>(sql: string): Prepared<unknown[], T> => db.prepare<unknown[], T>(sql).pluck(),
    named: <Params extends object, Row>(sql: string): Prepared<[Params], Row> => db.prepare<Params, Row>(sql),
  };
}

/** Prepares the store's statements on `db`. */
export function prepareStatements(db: Database) {
  const { run, rows, value, named } = preparers(db);
  return {
    // Kinds or status ids as a JSON array; an empty array means any.
    listStatuses: named<{ kinds: string }, StatusRow>(
      `SELECT ${STATUS_COLUMNS} FROM statuses WHERE json_array_length(@kinds) = 0 OR kind IN (SELECT value FROM json_each(@kinds)) ORDER BY seq`,
    ),
    getStatus: rows<StatusRow>(SQL.getStatus),
    insertStatus: run(SQL.insertStatus),
    updateStatus: run(SQL.updateStatus),
    deleteStatus: run(SQL.deleteStatus),
    countItemsWithStatus: value<number>(SQL.countItemsWithStatus),

    listItems: named<{ statusIds: string; kinds: string }, ItemRow>(
      `${ITEM_SELECT}
       WHERE (json_array_length(@statusIds) = 0 OR i.status_id IN (SELECT value FROM json_each(@statusIds)))
         AND (json_array_length(@kinds) = 0 OR s.kind IN (SELECT value FROM json_each(@kinds)))
       ${PAGE_ORDER}`,
    ),
    getItem: rows<ItemRow>(SQL.getItem),
    itemsWithStatus: rows<ItemRow>(SQL.itemsWithStatus),
    itemExists: value<1>(SQL.itemExists),
    insertItem: run(SQL.insertItem),
    updateItem: run(SQL.updateItem),
    touchItem: run(SQL.touchItem),
    deleteItem: value<string>(SQL.deleteItem),

    getNote: rows<NoteRow>(SQL.getNote),
    notesOfItem: rows<LoggedNoteRow>(SQL.notesOfItem),
    notesOfItems: rows<LoggedNoteRow>(`SELECT ${LOGGED_NOTE_COLUMNS} FROM notes WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY seq`),
    insertNote: value<number>(SQL.insertNote),
    updateNote: rows<LoggedNoteRow>(SQL.updateNote),
    deleteNote: rows<LoggedNoteRow>(SQL.deleteNote),

    insertChange: run("INSERT INTO changes (at, kind, entity_id, payload) VALUES (?, ?, ?, ?)"),
    readChanges: rows<ChangeRow>(SQL.readChanges),
    // The note history of some items (a JSON array of ids) after a revision: see change-assembly.ts.
    noteHistory: rows<ChangeRow>(
      `SELECT ${CHANGE_COLUMNS} FROM changes
       WHERE entity_id IN (SELECT value FROM json_each(?)) AND revision > ? AND kind IN ('note_upsert', 'note_delete', 'item_delete')`,
    ),
    oldestChange: value<number | null>("SELECT min(revision) FROM changes"),
    latestRevision: value<number>("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)"),
    pruneChanges: run("DELETE FROM changes WHERE revision <= ? AND at < ?"),

    lastTransition: rows<{ status_id: string | null; status_kind: number | null; deleted: number }>(
      "SELECT status_id, status_kind, deleted FROM status_transitions WHERE item_id = ? ORDER BY seq DESC LIMIT 1",
    ),
    insertTransition: run(
      `INSERT INTO status_transitions (item_id, item_name, status_id, status_name, status_color, status_kind, deleted, at, revision)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    recentTransitions: rows<TransitionRow>(SQL.recentTransitions),
    recentTransitionsOfItem: rows<TransitionRow>(SQL.recentTransitionsOfItem),
    transitionsAfter: rows<TransitionRow>(SQL.transitionsAfter),
    changeAtOrBefore: rows<{ revision: number; at: number }>(SQL.changeAtOrBefore),
    changeAfter: rows<{ at: number }>(SQL.changeAfter),
    getMeta: value<string>(SQL.getMeta),
    setMeta: run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
  };
}

/** Prepares the account statements on `db`. */
export function prepareAccountStatements(db: Database) {
  const { run, rows, value, named } = preparers(db);
  return {
    listUsers: rows<UserRow>(SQL.listUsers),
    getUser: rows<UserRow>(SQL.getUser),
    findUser: rows<UserRow>(SQL.findUser),
    anyUser: value<1>(SQL.anyUser),
    otherAdmin: value<1>(SQL.otherAdmin),
    insertUser: run(SQL.insertUser),
    updateUser: rows<UserRow>(SQL.updateUser),
    deleteUser: run(SQL.deleteUser),
    insertSession: run(SQL.insertSession),
    getSession: rows<WithUser<SessionRow>>(SQL.getSession),
    extendSession: run(SQL.extendSession),
    deleteSession: run(SQL.deleteSession),
    deleteUserSessions: run(SQL.deleteUserSessions),
    insertToken: run(SQL.insertToken),
    findToken: rows<WithUser<TokenRow>>(SQL.findToken),
    listTokens: rows<TokenRow>(SQL.listTokens),
    deleteToken: run(SQL.deleteToken),
    touchToken: run(SQL.touchToken),
    insertFailure: run("INSERT INTO login_failures (key, at) VALUES (?, ?)"),
    countFailures: rows<{ count: number; oldest: number | null }>("SELECT count(*) AS count, min(at) AS oldest FROM login_failures WHERE key = ? AND at >= ?"),
    clearFailures: run("DELETE FROM login_failures WHERE key = ?"),
    forgetFailure: run("DELETE FROM login_failures WHERE rowid = (SELECT rowid FROM login_failures WHERE key = ? AND at = ? LIMIT 1)"),
    clearFailuresByPrefix: named<{ prefix: string }, never>("DELETE FROM login_failures WHERE substr(key, 1, length(@prefix)) = @prefix"),
    pruneFailures: run(SQL.pruneLoginFailures),
  };
}
