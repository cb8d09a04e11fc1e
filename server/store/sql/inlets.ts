/**
 * The inlets' tables (hooks, their calls, heartbeats, per-item inlet state): SQL with `?`
 * placeholders and row mappers shared by both SQL stores. Times are epoch milliseconds (bigint)
 * in both, and configs and states JSON text, so the two dialects differ only in placeholders.
 */
import type { HeartbeatRecord, HookCallRecord, HookRecord, InletStateRecord } from "../inlet-store.js";
import type { SqlInt } from "./rows.js";

/** Hook names are unique case-insensitively, after trimming. */
export const hookNameKey = (name: string): string => name.trim().toLowerCase();

export const INLET_SQL = {
  listHooks: "SELECT id, name, config, created_at, updated_at FROM inlet_hooks ORDER BY name_key",
  findHook: "SELECT id, name, config, created_at, updated_at FROM inlet_hooks WHERE id = ? OR name_key = ? ORDER BY id = ? DESC LIMIT 1",
  insertHook: "INSERT INTO inlet_hooks (id, name, name_key, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
  updateHook: "UPDATE inlet_hooks SET name = ?, name_key = ?, config = ?, updated_at = ? WHERE id = ?",
  deleteHook: "DELETE FROM inlet_hooks WHERE id = ?",
  insertCall: "INSERT INTO inlet_calls (id, hook_id, at, body) VALUES (?, ?, ?, ?)",
  // Keeps a hook's newest calls: everything older than its `keep`-th newest goes.
  pruneCalls: "DELETE FROM inlet_calls WHERE hook_id = ? AND id < (SELECT id FROM inlet_calls WHERE hook_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
  listCalls: "SELECT id, hook_id, at, body FROM inlet_calls WHERE hook_id = ? ORDER BY id DESC LIMIT ?",
  listHeartbeats: "SELECT item_id, secret_hash, config, created_at, updated_at FROM inlet_heartbeats ORDER BY created_at, item_id",
  getHeartbeat: "SELECT item_id, secret_hash, config, created_at, updated_at FROM inlet_heartbeats WHERE item_id = ?",
  heartbeatBySecret: "SELECT item_id, secret_hash, config, created_at, updated_at FROM inlet_heartbeats WHERE secret_hash = ?",
  deleteHeartbeatRow: "DELETE FROM inlet_heartbeats WHERE item_id = ?",
  insertHeartbeat: "INSERT INTO inlet_heartbeats (item_id, secret_hash, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
  readState: "SELECT key, item_id, state, due_at FROM inlet_state WHERE key = ?",
  dueStates: "SELECT key FROM inlet_state WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at, key LIMIT ?",
  deleteState: "DELETE FROM inlet_state WHERE key = ?",
  upsertState:
    "INSERT INTO inlet_state (key, item_id, state, due_at) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET item_id = excluded.item_id, state = excluded.state, due_at = excluded.due_at",
} as const;

/** The tables, the same in both dialects (bigint is an integer in SQLite). */
export const INLET_TABLES = `
  CREATE TABLE inlet_hooks (
    id         text   PRIMARY KEY,
    name       text   NOT NULL,
    name_key   text   NOT NULL UNIQUE,
    config     text   NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE inlet_calls (
    id      text   PRIMARY KEY,
    hook_id text   NOT NULL REFERENCES inlet_hooks(id) ON DELETE CASCADE,
    at      bigint NOT NULL,
    body    text   NOT NULL
  );
  CREATE INDEX inlet_calls_by_hook ON inlet_calls (hook_id, id);
  CREATE TABLE inlet_heartbeats (
    item_id     text   PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    secret_hash text   NOT NULL UNIQUE,
    config      text   NOT NULL,
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL
  );
  CREATE TABLE inlet_state (
    key     text   PRIMARY KEY,
    item_id text   NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    state   text   NOT NULL,
    due_at  bigint
  );
  CREATE INDEX inlet_state_due ON inlet_state (due_at) WHERE due_at IS NOT NULL;
  CREATE INDEX inlet_state_by_item ON inlet_state (item_id);
`;

export interface HookRow {
  id: string;
  name: string;
  config: string;
  created_at: SqlInt;
  updated_at: SqlInt;
}
export interface CallRow {
  id: string;
  hook_id: string;
  at: SqlInt;
  body: string;
}
export interface HeartbeatRow {
  item_id: string;
  secret_hash: string;
  config: string;
  created_at: SqlInt;
  updated_at: SqlInt;
}
export interface StateRow {
  key: string;
  item_id: string;
  state: string;
  due_at: SqlInt | null;
}

const ms = (value: SqlInt) => new Date(Number(value));

export const toHook = (row: HookRow): HookRecord => ({ id: row.id, name: row.name, config: JSON.parse(row.config), created: ms(row.created_at), updated: ms(row.updated_at) });
export const hookValues = (hook: HookRecord) => [hook.id, hook.name.trim(), hookNameKey(hook.name), JSON.stringify(hook.config), hook.created.getTime(), hook.updated.getTime()];

export const toCall = (row: CallRow): HookCallRecord => ({
  ...(JSON.parse(row.body) as Omit<HookCallRecord, "id" | "hookId" | "at">),
  id: row.id,
  hookId: row.hook_id,
  at: ms(row.at),
});
export const callValues = (call: HookCallRecord) => {
  const { id, hookId, at, ...rest } = call;
  return [id, hookId, at.getTime(), JSON.stringify(rest)];
};

export const toHeartbeat = (row: HeartbeatRow): HeartbeatRecord => ({
  itemId: row.item_id,
  secretHash: row.secret_hash,
  config: JSON.parse(row.config),
  created: ms(row.created_at),
  updated: ms(row.updated_at),
});
export const heartbeatValues = (hb: HeartbeatRecord) => [hb.itemId, hb.secretHash, JSON.stringify(hb.config), hb.created.getTime(), hb.updated.getTime()];

export const toState = (row: StateRow): InletStateRecord => ({
  key: row.key,
  itemId: row.item_id,
  state: JSON.parse(row.state),
  dueAt: row.due_at === null ? undefined : ms(row.due_at),
});
export const stateValues = (key: string, itemId: string, state: unknown, dueAt: Date | undefined) => [key, itemId, JSON.stringify(state), dueAt?.getTime() ?? null];
