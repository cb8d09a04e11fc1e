/**
 * The rows of StatusThing's tables as both SQL stores read them, and their mappings to the
 * domain records. The column types differ only in how the drivers hand values over (SQLite:
 * times as epoch ms, booleans as 0/1; PostgreSQL: Date, boolean, bigint as text), so each row
 * type admits both and the mappers normalize.
 */
import type { ApiTokenRecord, ItemView, NoteRecord, Role, SessionRecord, StatusRecord, TokenScope, UserRecord } from "../../domain.js";
import { decodeLogEntry, type LoggedNote, type LogEntry } from "../change-codec.js";

/** A timestamp column: epoch milliseconds (SQLite) or a Date (PostgreSQL). */
export type SqlTime = number | Date;
/** A boolean column: 0/1 (SQLite) or a boolean (PostgreSQL). */
export type SqlBool = number | boolean;
/** A bigint column: a number (SQLite) or its decimal text (PostgreSQL). */
export type SqlInt = number | string;

/** A time column as a Date. */
export const toDate = (value: SqlTime): Date => (value instanceof Date ? value : new Date(value));
const optionalDate = (value: SqlTime | null): Date | undefined => (value === null ? undefined : toDate(value));

export interface StatusRow {
  id: string;
  name: string;
  description: string;
  color: string;
  kind: number;
  created_at: SqlTime;
  updated_at: SqlTime;
}
/** An item with its status's columns prefixed `s_` (all null when it has none): see ITEM_SELECT. */
export interface ItemRow {
  id: string;
  name: string;
  description: string;
  created_at: SqlTime;
  updated_at: SqlTime;
  group_id: string | null;
  position: number;
  s_id: string | null;
  s_name: string | null;
  s_description: string | null;
  s_color: string | null;
  s_kind: number | null;
  s_created_at: SqlTime | null;
  s_updated_at: SqlTime | null;
}
export interface NoteRow {
  id: string;
  item_id: string;
  text: string;
  created_at: SqlTime;
  updated_at: SqlTime;
}
/** A note with its creation order, as the change log keeps it. */
export interface LoggedNoteRow extends NoteRow {
  seq: SqlInt;
}
export interface ChangeRow {
  revision: SqlInt;
  kind: string;
  entity_id: string;
  payload: string;
}
export interface UserRow {
  id: string;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  avatar_url: string;
  password_hash: string;
  must_change_password: SqlBool;
  last_login_at: SqlTime | null;
  created_at: SqlTime;
  updated_at: SqlTime;
  role: string;
}
export interface SessionRow {
  id: string;
  user_id: string;
  expires_at: SqlTime;
  created_at: SqlTime;
}
export interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  created_at: SqlTime;
  expires_at: SqlTime | null;
  last_used_at: SqlTime | null;
  scope: string | null;
  /** Comma-separated item ids; "" for no limit. */
  item_ids: string;
}
/** A session or token row joined to its user, whose columns come prefixed `u_` (see USER_COLUMNS_PREFIXED). */
export type WithUser<T> = T & { [column: `u_${string}`]: unknown };

export function toStatus(row: StatusRow): StatusRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    color: row.color,
    kind: row.kind,
    created: toDate(row.created_at),
    updated: toDate(row.updated_at),
  };
}

/** The item of an ITEM_SELECT row, with `notes` as given (undefined: not read). */
export function toItem(row: ItemRow, notes: NoteRecord[] | undefined): ItemView {
  const status: StatusRecord | undefined =
    row.s_id === null
      ? undefined
      : {
          id: row.s_id,
          // The LEFT JOIN fills every s_ column when s_id is there.
          name: row.s_name ?? "",
          description: row.s_description ?? "",
          color: row.s_color ?? "",
          kind: row.s_kind ?? 0,
          created: toDate(row.s_created_at ?? 0),
          updated: toDate(row.s_updated_at ?? 0),
        };
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status,
    notes,
    ...(row.group_id !== null && { groupId: row.group_id }),
    position: row.position,
    created: toDate(row.created_at),
    updated: toDate(row.updated_at),
  };
}

export function toNote(row: NoteRow): NoteRecord {
  return { id: row.id, itemId: row.item_id, text: row.text, created: toDate(row.created_at), updated: toDate(row.updated_at) };
}

export function toLoggedNote(row: LoggedNoteRow): LoggedNote {
  return { ...toNote(row), seq: Number(row.seq) };
}

export function toLogEntry(row: ChangeRow): LogEntry {
  return decodeLogEntry(Number(row.revision), row.kind, row.entity_id, row.payload);
}

/** Groups notes by item, keeping their order; every item in `itemIds` gets a list. */
export function notesByItem(itemIds: readonly string[], rows: readonly NoteRow[]): Map<string, NoteRecord[]> {
  const byItem = new Map<string, NoteRecord[]>(itemIds.map((id) => [id, []]));
  for (const row of rows) byItem.get(row.item_id)?.push(toNote(row));
  return byItem;
}

export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    avatarUrl: row.avatar_url,
    passwordHash: row.password_hash,
    mustChangePassword: Boolean(row.must_change_password),
    lastLogin: optionalDate(row.last_login_at),
    created: toDate(row.created_at),
    updated: toDate(row.updated_at),
    role: row.role as Role,
  };
}

export function toSession(row: SessionRow): SessionRecord {
  return { id: row.id, userId: row.user_id, expiresAt: toDate(row.expires_at), created: toDate(row.created_at) };
}

export function toToken(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    secretHash: row.secret_hash,
    created: toDate(row.created_at),
    expiresAt: optionalDate(row.expires_at),
    lastUsed: optionalDate(row.last_used_at),
    ...(row.scope !== null && { scope: row.scope as TokenScope }),
    itemIds: row.item_ids === "" ? [] : row.item_ids.split(","),
  };
}

/** The user joined to a session or token row (its `u_` columns). */
export function joinedUser(row: object): UserRecord {
  // Column by column, not by scanning the row's keys: every signed-in request reads one.
  const u = row as { [K in keyof UserRow as `u_${K}`]: UserRow[K] };
  return toUser({
    id: u.u_id,
    username: u.u_username,
    first_name: u.u_first_name,
    last_name: u.u_last_name,
    email: u.u_email,
    avatar_url: u.u_avatar_url,
    password_hash: u.u_password_hash,
    must_change_password: u.u_must_change_password,
    last_login_at: u.u_last_login_at,
    created_at: u.u_created_at,
    updated_at: u.u_updated_at,
    role: u.u_role,
  });
}
