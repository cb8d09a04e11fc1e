/**
 * The values of the shared statements (`statements.ts`), in their placeholders' order, written
 * once: each store passes the encoder of its driver's types.
 */
import { nameKey, usernameKey, type ApiTokenRecord, type NoteRecord, type SessionRecord, type UserRecord } from "../../domain.js";
import type { UserPatch } from "../auth-store.js";
import type { ItemPatch, NewItem, NewStatus, StatusPatch } from "../store.js";
import type { SqlBool, SqlTime } from "./rows.js";

/** How a driver takes times and booleans. */
export interface ValueEncoding {
  time(date: Date): SqlTime;
  bool(value: boolean): SqlBool;
}

type Value = string | number | boolean | Date | null;

export function statusValues(status: NewStatus, to: ValueEncoding): Value[] {
  const { id, name, description, color, kind } = status;
  return [id, name, nameKey(name), description, color, kind, to.time(status.created), to.time(status.updated)];
}

export function statusPatchValues(id: string, patch: StatusPatch, to: ValueEncoding): Value[] {
  const name = patch.name === undefined ? null : patch.name;
  return [name, name === null ? null : nameKey(name), patch.description ?? null, patch.color ?? null, patch.kind ?? null, to.time(patch.updated), id];
}

export function itemValues(item: NewItem, statusId: string | null, to: ValueEncoding): Value[] {
  const at = to.time(item.created);
  return [item.id, item.name, nameKey(item.name), item.description, statusId, at, at];
}

export function itemPatchValues(id: string, patch: ItemPatch, to: ValueEncoding): Value[] {
  const name = patch.name === undefined ? null : patch.name;
  return [name, name === null ? null : nameKey(name), patch.description ?? null, patch.statusId ?? null, to.time(patch.updated), id];
}

export function noteValues(note: NoteRecord, to: ValueEncoding): Value[] {
  return [note.id, note.itemId, note.text, to.time(note.created), to.time(note.updated)];
}

export function userValues(user: UserRecord, to: ValueEncoding): Value[] {
  return [
    user.id,
    user.username,
    usernameKey(user.username),
    user.firstName,
    user.lastName,
    user.email,
    user.avatarUrl,
    user.passwordHash,
    to.bool(user.mustChangePassword),
    user.lastLogin === undefined ? null : to.time(user.lastLogin),
    to.time(user.created),
    to.time(user.updated),
  ];
}

export function userPatchValues(id: string, patch: UserPatch, to: ValueEncoding): Value[] {
  return [
    patch.firstName ?? null,
    patch.lastName ?? null,
    patch.email ?? null,
    patch.avatarUrl ?? null,
    patch.passwordHash ?? null,
    patch.mustChangePassword === undefined ? null : to.bool(patch.mustChangePassword),
    patch.lastLogin === undefined ? null : to.time(patch.lastLogin),
    to.time(patch.updated),
    id,
  ];
}

export function sessionValues(session: SessionRecord, to: ValueEncoding): Value[] {
  return [session.id, session.userId, to.time(session.expiresAt), to.time(session.created)];
}

export function tokenValues(token: ApiTokenRecord, to: ValueEncoding): Value[] {
  const { id, userId, name, secretHash, expiresAt, lastUsed } = token;
  return [id, userId, name, secretHash, to.time(token.created), expiresAt === undefined ? null : to.time(expiresAt), lastUsed === undefined ? null : to.time(lastUsed)];
}
