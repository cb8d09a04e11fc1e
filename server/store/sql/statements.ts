/**
 * The SQL that both stores run word for word, written once with `?` placeholders (one value
 * each, in order). SQLite prepares it as it is; PostgreSQL numbers the placeholders first
 * (`numbered`). What differs by dialect (array parameters, RETURNING shapes, locks, the log's
 * numbering) stays in each backend's own statements file.
 */

export const STATUS_COLUMNS = "id, name, description, color, kind, created_at, updated_at";
export const NOTE_COLUMNS = "id, item_id, text, created_at, updated_at";
export const LOGGED_NOTE_COLUMNS = `${NOTE_COLUMNS}, seq`;
export const CHANGE_COLUMNS = "revision, kind, entity_id, payload";
export const USER_COLUMNS = "id, username, first_name, last_name, email, avatar_url, password_hash, must_change_password, last_login_at, created_at, updated_at, role";
export const TOKEN_COLUMNS = "id, user_id, name, secret_hash, created_at, expires_at, last_used_at, scope, item_ids";
/** The columns a transition row is read with (see status-history.ts). */
export const TRANSITION_COLUMNS = "item_id, item_name, at, revision, status_id, status_name, status_color, status_kind, deleted, reconstructed";
/** A joined user's columns (`u`), prefixed `u_` so they cannot clash with the other table's: see `joinedUser`. */
const USER_COLUMNS_PREFIXED = USER_COLUMNS.split(", ")
  .map((column) => `u.${column} AS u_${column}`)
  .join(", ");

/** Items (`i`) with their status's columns (`s`, prefixed `s_`) and their group (`g`): add a WHERE and ORDER BY PAGE_ORDER. */
export const ITEM_SELECT = `
  SELECT i.id, i.name, i.description, i.created_at, i.updated_at, i.group_id, i.position,
         s.id AS s_id, s.name AS s_name, s.description AS s_description, s.color AS s_color,
         s.kind AS s_kind, s.created_at AS s_created_at, s.updated_at AS s_updated_at
  FROM items i LEFT JOIN statuses s ON s.id = i.status_id LEFT JOIN item_groups g ON g.id = i.group_id`;

/**
 * The page order of ITEM_SELECT's rows: items in no group first, then the groups by position;
 * within each, items by position (creation order breaks a tie, as after an item is deleted and
 * until the next move renumbers its group).
 */
export const PAGE_ORDER = "ORDER BY coalesce(g.position, -1), i.position, i.seq";

/** The statements both stores share; their values come from `values.ts`, in the same order. */
export const SQL = {
  listStatuses: `SELECT ${STATUS_COLUMNS} FROM statuses ORDER BY seq`,
  getStatus: `SELECT ${STATUS_COLUMNS} FROM statuses WHERE id = ?`,
  /** Values: statusValues. */
  insertStatus: `INSERT INTO statuses (id, name, name_key, description, color, kind, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  /** Values: statusPatchValues. */
  updateStatus: `UPDATE statuses SET name = coalesce(?, name), name_key = coalesce(?, name_key), description = coalesce(?, description),
    color = coalesce(?, color), kind = coalesce(?, kind), updated_at = ? WHERE id = ?`,
  deleteStatus: "DELETE FROM statuses WHERE id = ?",
  countItemsWithStatus: "SELECT count(*) AS users FROM items WHERE status_id = ?",

  getItem: `${ITEM_SELECT} WHERE i.id = ?`,
  itemsWithStatus: `${ITEM_SELECT} WHERE i.status_id = ? ${PAGE_ORDER}`,
  itemExists: "SELECT 1 AS found FROM items WHERE id = ?",
  /** Values: itemValues. */
  // A new item goes last among the items in no group (writes are serialized, so the count is exact).
  insertItem: `INSERT INTO items (id, name, name_key, description, status_id, created_at, updated_at, position)
    VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(position) + 1, 0) FROM items WHERE group_id IS NULL))`,
  /** Values: itemPatchValues. */
  updateItem: `UPDATE items SET name = coalesce(?, name), name_key = coalesce(?, name_key), description = coalesce(?, description),
    status_id = coalesce(?, status_id), updated_at = ? WHERE id = ?`,
  touchItem: "UPDATE items SET updated_at = ? WHERE id = ?",
  deleteItem: "DELETE FROM items WHERE id = ? RETURNING name",

  getNote: `SELECT ${NOTE_COLUMNS} FROM notes WHERE id = ?`,
  notesOfItem: `SELECT ${LOGGED_NOTE_COLUMNS} FROM notes WHERE item_id = ? ORDER BY seq`,
  /** Values: noteValues. Returns the note's creation order. */
  insertNote: "INSERT INTO notes (id, item_id, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING seq",
  updateNote: `UPDATE notes SET text = ?, updated_at = ? WHERE id = ? RETURNING ${LOGGED_NOTE_COLUMNS}`,
  deleteNote: `DELETE FROM notes WHERE id = ? RETURNING ${LOGGED_NOTE_COLUMNS}`,

  readChanges: `SELECT ${CHANGE_COLUMNS} FROM changes WHERE revision > ? ORDER BY revision LIMIT ?`,
  recentTransitions: `SELECT ${TRANSITION_COLUMNS} FROM status_transitions ORDER BY seq DESC LIMIT ?`,
  recentTransitionsOfItem: `SELECT ${TRANSITION_COLUMNS} FROM status_transitions WHERE item_id = ? ORDER BY seq DESC LIMIT ?`,
  // A PostgreSQL row is numbered in the transaction that writes it, so others only see numbered rows.
  transitionsAfter: `SELECT ${TRANSITION_COLUMNS} FROM status_transitions WHERE revision > ? ORDER BY revision, seq`,
  changeAtOrBefore: "SELECT revision, at FROM changes WHERE at <= ? ORDER BY at DESC, revision DESC LIMIT 1",
  changeAfter: "SELECT at FROM changes WHERE at > ? ORDER BY at, revision LIMIT 1",
  getMeta: "SELECT value FROM meta WHERE key = ?",

  listUsers: `SELECT ${USER_COLUMNS} FROM users ORDER BY seq`,
  getUser: `SELECT ${USER_COLUMNS} FROM users WHERE id = ?`,
  findUser: `SELECT ${USER_COLUMNS} FROM users WHERE username_key = ?`,
  anyUser: "SELECT 1 AS found FROM users LIMIT 1",
  /** Whether an admin other than user `?` exists (the last admin stays: see last-admin.ts). */
  otherAdmin: "SELECT 1 AS found FROM users WHERE role = 'admin' AND id <> ? LIMIT 1",
  /** Values: userValues. */
  insertUser: `INSERT INTO users (id, username, username_key, first_name, last_name, email, avatar_url, password_hash,
    must_change_password, last_login_at, created_at, updated_at, role) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  /** Values: userPatchValues. */
  updateUser: `UPDATE users SET first_name = coalesce(?, first_name), last_name = coalesce(?, last_name), email = coalesce(?, email),
    avatar_url = coalesce(?, avatar_url), password_hash = coalesce(?, password_hash),
    must_change_password = coalesce(?, must_change_password), last_login_at = coalesce(?, last_login_at),
    role = coalesce(?, role), updated_at = ?
    WHERE id = ? RETURNING ${USER_COLUMNS}`,
  deleteUser: "DELETE FROM users WHERE id = ?",

  /** Values: sessionValues. */
  insertSession: "INSERT INTO sessions (id, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)",
  getSession: `SELECT s.id, s.user_id, s.expires_at, s.created_at, ${USER_COLUMNS_PREFIXED} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`,
  extendSession: "UPDATE sessions SET expires_at = ? WHERE id = ?",
  deleteSession: "DELETE FROM sessions WHERE id = ?",
  deleteUserSessions: "DELETE FROM sessions WHERE user_id = ? AND id <> ?",

  /** Values: tokenValues. */
  insertToken: "INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at, last_used_at, scope, item_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  findToken: `SELECT ${TOKEN_COLUMNS.replace(/(\w+)/g, "t.$1")}, ${USER_COLUMNS_PREFIXED}
    FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = ?`,
  listTokens: `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE user_id = ? ORDER BY seq`,
  deleteToken: "DELETE FROM api_tokens WHERE id = ? AND user_id = ?",
  touchToken: "UPDATE api_tokens SET last_used_at = ? WHERE id = ?",

  pruneLoginFailures: "DELETE FROM login_failures WHERE at < ?",
} as const;
