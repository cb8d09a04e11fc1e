import type { IncidentRecord, MaintenanceRecord } from "./incident-records.js";

/**
 * Domain records: what the store keeps and the services hand around. They are plain data,
 * independent of protobuf, so a store of one's own needs nothing from the wire layer.
 */

/** A user-defined status such as "Up" or "Degraded". `kind` is a StatusKind number, never 0. */
export interface StatusRecord {
  id: string;
  name: string;
  description: string;
  /** Uppercase `#RRGGBB`. */
  color: string;
  kind: number;
  created: Date;
  updated: Date;
}

/** A note (status update) attached to an item. */
export interface NoteRecord {
  id: string;
  itemId: string;
  text: string;
  created: Date;
  updated: Date;
}

/** An item with its status joined in, and its notes when they were asked for. */
export interface ItemView {
  id: string;
  name: string;
  description: string;
  status: StatusRecord | undefined;
  /** Undefined when notes were not loaded; otherwise in creation order. */
  notes: NoteRecord[] | undefined;
  created: Date;
  updated: Date;
}

/** Which items ListItems returns; empty arrays mean "no filter". */
export interface ItemFilter {
  statusIds: readonly string[];
  kinds: readonly number[];
  withNotes: boolean;
}

/**
 * The key under which names are unique: trimmed, NFKC-normalized and case-folded, so "API",
 * " api " and fullwidth "ＡＰＩ" collide. (Keys stored before NFKC was used were NFC; they
 * differ only for names with compatibility characters, and are renewed when such a name changes.)
 */
export function nameKey(name: string): string {
  return name.trim().normalize("NFKC").toLowerCase();
}

/**
 * One committed change, as `Store.readChanges` gives it. `revision` increases by one per change,
 * in commit order. Item changes carry the whole item after the change, notes included (as they
 * were at that revision), so a watcher never has to read the store again; a note change is an
 * item change of its item; a status change is followed by a change of every item that shows that
 * status. A store need not keep whole items: the built-in ones log only what changed and put
 * the items together when read (store/change-assembly.ts).
 */
export type ChangeRecord =
  | { revision: number; kind: "item_upsert"; item: ItemView }
  | { revision: number; kind: "item_delete"; id: string }
  | { revision: number; kind: "status_upsert"; status: StatusRecord }
  | { revision: number; kind: "status_delete"; id: string }
  | { revision: number; kind: "incident_upsert"; incident: IncidentRecord }
  | { revision: number; kind: "incident_delete"; id: string }
  | { revision: number; kind: "maintenance_upsert"; maintenance: MaintenanceRecord }
  | { revision: number; kind: "maintenance_delete"; id: string };

/** A status as it was at one moment: history keeps these, so later renames never rewrite it. */
export interface StatusAsItWas {
  id: string;
  name: string;
  color: string;
  kind: number;
}

/**
 * One change of an item's status, kept forever: the item got a status (or none) when added, moved
 * to another status, its status's kind changed, or it was deleted.
 */
export interface StatusTransition {
  itemId: string;
  /** The item's name when this happened. */
  itemName: string;
  at: Date;
  /** The change log revision of the change; 0 for a transition reconstructed by a migration. */
  revision: number;
  /** The status from this moment on; undefined when the item has none or was deleted. */
  status: StatusAsItWas | undefined;
  /** The item was deleted. */
  deleted: boolean;
  /** Made by a migration from the item's state then, not recorded when it happened. */
  reconstructed: boolean;
}

/** A change before the log has numbered it. */
export type UnnumberedChange = ChangeRecord extends infer C ? (C extends { revision: number } ? Omit<C, "revision"> : never) : never;

/** Everything at one revision: the state a watcher starts from. Items carry their notes. */
export interface StoreSnapshot {
  revision: number;
  items: ItemView[];
  statuses: StatusRecord[];
}

/** An account that may make changes. `passwordHash` is an argon2id PHC string and never leaves the server. */
export interface UserRecord {
  id: string;
  username: string;
  firstName: string;
  lastName: string;
  email: string;
  avatarUrl: string;
  passwordHash: string;
  /** Set for the initial admin and after an admin resets someone's password. */
  mustChangePassword: boolean;
  /** What the user may do (see auth/permissions.ts); undefined for users from before roles, who are admins. */
  role?: Role;
  lastLogin: Date | undefined;
  created: Date;
  updated: Date;
}

/** A browser session. `id` is the SHA-256 of the cookie's token, so a stolen database holds no usable cookie. */
export interface SessionRecord {
  id: string;
  userId: string;
  expiresAt: Date;
  created: Date;
}

/** An API token. Only the SHA-256 of its secret is kept. */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  name: string;
  secretHash: string;
  created: Date;
  expiresAt: Date | undefined;
  lastUsed: Date | undefined;
  /** What the token may do; undefined for tokens from before scopes, which act with their owner's role. */
  scope?: TokenScope;
  /** When not empty, the only items the token may change. */
  itemIds?: string[];
}

/** A user's role: admin > editor > viewer (what each may do: auth/permissions.ts). */
export type Role = "admin" | "editor" | "viewer";

/** An API token's scope: admin > write > status > read. */
export type TokenScope = "read" | "status" | "write" | "admin";

/** The case-folded username under which usernames are unique. */
export function usernameKey(username: string): string {
  return username.trim().normalize("NFC").toLowerCase();
}
