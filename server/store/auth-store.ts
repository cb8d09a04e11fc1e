import type { ApiTokenRecord, Role, SessionRecord, UserRecord } from "../domain.js";
import type { AuditActor } from "./audit-context.js";

/** Changes to a user; undefined fields stay as they are. */
export interface UserPatch {
  firstName?: string;
  lastName?: string;
  email?: string;
  avatarUrl?: string;
  passwordHash?: string;
  mustChangePassword?: boolean;
  role?: Role;
  lastLogin?: Date;
  updated: Date;
}

/**
 * The part of the store contract that keeps accounts: users, sessions, API tokens and failed
 * login attempts. All of it lives in the database, so server replicas share it.
 */
export interface AuthStore {
  listUsers(): Promise<UserRecord[]>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** Finds a user by username, compared case-insensitively. */
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  /** Throws already_exists when the username is taken. */
  addUser(user: UserRecord, audit?: AuditActor): Promise<UserRecord>;
  /**
   * Creates `user` only if there are no users at all, atomically (two servers starting at once
   * make one admin). Returns whether it was created.
   */
  addFirstUser(user: UserRecord): Promise<boolean>;
  /**
   * Throws not_found. Demoting the only admin throws LAST_ADMIN (`lastAdmin`), checked
   * atomically with the write: of two admins demoting each other at once, one stays admin.
   */
  updateUser(id: string, patch: UserPatch, audit?: AuditActor): Promise<UserRecord>;
  /** Deletes the user with its sessions and tokens. Throws not_found; LAST_ADMIN for the only admin, as `updateUser`. */
  deleteUser(id: string, audit?: AuditActor): Promise<void>;

  createSession(session: SessionRecord): Promise<void>;
  /** The session with its user, if the session exists (expired or not: the caller decides). */
  getSession(id: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined>;
  extendSession(id: string, expiresAt: Date): Promise<void>;
  deleteSession(id: string): Promise<void>;
  /** Ends every session of the user except `keepSessionId`. */
  deleteUserSessions(userId: string, keepSessionId?: string, audit?: AuditActor): Promise<void>;

  addApiToken(token: ApiTokenRecord, audit?: AuditActor): Promise<void>;
  /** The token with this secret hash, with its user. */
  findApiToken(secretHash: string): Promise<{ token: ApiTokenRecord; user: UserRecord } | undefined>;
  listApiTokens(userId: string): Promise<ApiTokenRecord[]>;
  /** Deletes the user's token. Throws not_found if the user has no such token. */
  deleteApiToken(userId: string, tokenId: string, audit?: AuditActor): Promise<void>;
  touchApiToken(tokenId: string, at: Date): Promise<void>;

  /**
   * Counts a login attempt against each key (e.g. "user:alice", "addr:10.0.0.1") before its
   * password is checked, atomically with the check of the limits: when any key already has
   * `limit` attempts since `since`, nothing is recorded and that key is returned with its oldest
   * attempt. So guesses sent all at once cannot slip past the limit together.
   */
  takeLoginAttempt(keys: ReadonlyArray<{ key: string; limit: number }>, at: Date, since: Date): Promise<{ refused: undefined } | { refused: string; oldest: Date }>;
  /** Takes back the attempt recorded at `at` under `key` (a login that succeeded). */
  forgetLoginAttempt(key: string, at: Date): Promise<void>;
  /** Forgets every attempt under these keys. */
  clearLoginFailures(keys: readonly string[]): Promise<void>;
  /** Forgets every attempt under keys that start with one of these prefixes (e.g. all of one user's). */
  clearLoginFailuresByPrefix(prefixes: readonly string[]): Promise<void>;
  /** Forgets failures older than `before`. */
  pruneLoginFailures(before: Date): Promise<void>;
}
