import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
import { usernameKey, type ApiTokenRecord, type SessionRecord, type UserRecord } from "../../domain.js";
import { notFound, usernameTaken } from "../../errors.js";
import type { AuthStore, UserPatch } from "../auth-store.js";
import type { WriteQueue } from "./write-queue.js";

interface UserRow {
  id: string;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  avatar_url: string;
  password_hash: string;
  must_change_password: number;
  last_login_at: number | null;
  created_at: number;
  updated_at: number;
}
interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

const date = (ms: number | null) => (ms === null ? undefined : new Date(ms));

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    avatarUrl: row.avatar_url,
    passwordHash: row.password_hash,
    mustChangePassword: row.must_change_password === 1,
    lastLogin: date(row.last_login_at),
    created: new Date(row.created_at),
    updated: new Date(row.updated_at),
  };
}

function toToken(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    secretHash: row.secret_hash,
    created: new Date(row.created_at),
    expiresAt: date(row.expires_at),
    lastUsed: date(row.last_used_at),
  };
}

/** Prefixes a row's columns, to read a user joined to a session or token from one row. */
function userFromPrefixed(row: Record<string, unknown>): UserRecord {
  const user: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (key.startsWith("u_")) user[key.slice(2)] = value;
  return toUser(user as unknown as UserRow);
}

const USER_COLUMNS = `u.id AS u_id, u.username AS u_username, u.first_name AS u_first_name, u.last_name AS u_last_name,
  u.email AS u_email, u.avatar_url AS u_avatar_url, u.password_hash AS u_password_hash,
  u.must_change_password AS u_must_change_password, u.last_login_at AS u_last_login_at,
  u.created_at AS u_created_at, u.updated_at AS u_updated_at`;

/** Accounts in SQLite: the AuthStore half of SqliteStore, sharing its connection and write queue. */
export class SqliteAuthStore implements AuthStore {
  private readonly sql: Record<string, Statement>;

  constructor(
    db: Database,
    private readonly writes: WriteQueue,
  ) {
    this.sql = {
      listUsers: db.prepare("SELECT * FROM users ORDER BY seq"),
      getUser: db.prepare("SELECT * FROM users WHERE id = ?"),
      findUser: db.prepare("SELECT * FROM users WHERE username_key = ?"),
      countUsers: db.prepare("SELECT count(*) FROM users").pluck(),
      insertUser: db.prepare(
        `INSERT INTO users (id, username, username_key, first_name, last_name, email, avatar_url, password_hash,
         must_change_password, last_login_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      updateUser: db.prepare(
        `UPDATE users SET first_name = coalesce(?, first_name), last_name = coalesce(?, last_name), email = coalesce(?, email),
         avatar_url = coalesce(?, avatar_url), password_hash = coalesce(?, password_hash),
         must_change_password = coalesce(?, must_change_password), last_login_at = coalesce(?, last_login_at), updated_at = ?
         WHERE id = ?`,
      ),
      deleteUser: db.prepare("DELETE FROM users WHERE id = ?"),
      insertSession: db.prepare("INSERT INTO sessions (id, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)"),
      getSession: db.prepare(`SELECT s.id, s.user_id, s.expires_at, s.created_at, ${USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`),
      extendSession: db.prepare("UPDATE sessions SET expires_at = ? WHERE id = ?"),
      deleteSession: db.prepare("DELETE FROM sessions WHERE id = ?"),
      deleteUserSessions: db.prepare("DELETE FROM sessions WHERE user_id = ? AND id != ?"),
      insertToken: db.prepare(
        "INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      findToken: db.prepare(
        `SELECT t.id, t.user_id, t.name, t.secret_hash, t.created_at, t.expires_at, t.last_used_at, ${USER_COLUMNS}
         FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = ?`,
      ),
      listTokens: db.prepare("SELECT * FROM api_tokens WHERE user_id = ? ORDER BY seq"),
      deleteToken: db.prepare("DELETE FROM api_tokens WHERE id = ? AND user_id = ?"),
      touchToken: db.prepare("UPDATE api_tokens SET last_used_at = ? WHERE id = ?"),
      insertFailure: db.prepare("INSERT INTO login_failures (key, at) VALUES (?, ?)"),
      countFailures: db.prepare("SELECT count(*) AS count, min(at) AS oldest FROM login_failures WHERE key = ? AND at >= ?"),
      clearFailures: db.prepare("DELETE FROM login_failures WHERE key = ?"),
      forgetFailure: db.prepare("DELETE FROM login_failures WHERE rowid = (SELECT rowid FROM login_failures WHERE key = ? AND at = ? LIMIT 1)"),
      pruneFailures: db.prepare("DELETE FROM login_failures WHERE at < ?"),
      clearFailuresByPrefix: db.prepare("DELETE FROM login_failures WHERE substr(key, 1, length(?)) = ?"),
    };
  }

  async listUsers(): Promise<UserRecord[]> {
    return (this.sql.listUsers!.all() as UserRow[]).map(toUser);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const row = this.sql.getUser!.get(id) as UserRow | undefined;
    return row && toUser(row);
  }

  async findUserByUsername(username: string): Promise<UserRecord | undefined> {
    const row = this.sql.findUser!.get(usernameKey(username)) as UserRow | undefined;
    return row && toUser(row);
  }

  addUser(user: UserRecord): Promise<UserRecord> {
    return this.writes.run(() => {
      this.insertUser(user);
      return user;
    });
  }

  addFirstUser(user: UserRecord): Promise<boolean> {
    return this.writes.run(() => {
      if ((this.sql.countUsers!.get() as number) > 0) return false;
      this.insertUser(user);
      return true;
    });
  }

  updateUser(id: string, patch: UserPatch): Promise<UserRecord> {
    return this.writes.run(() => {
      const bool = patch.mustChangePassword === undefined ? null : patch.mustChangePassword ? 1 : 0;
      const result = this.sql.updateUser!.run(
        patch.firstName ?? null,
        patch.lastName ?? null,
        patch.email ?? null,
        patch.avatarUrl ?? null,
        patch.passwordHash ?? null,
        bool,
        patch.lastLogin?.getTime() ?? null,
        patch.updated.getTime(),
        id,
      );
      if (result.changes === 0) throw notFound("user", id);
      return toUser(this.sql.getUser!.get(id) as UserRow);
    });
  }

  deleteUser(id: string): Promise<void> {
    return this.writes.run(() => {
      // Sessions and tokens go with it (ON DELETE CASCADE), in the same transaction.
      if (this.sql.deleteUser!.run(id).changes === 0) throw notFound("user", id);
    });
  }

  createSession(session: SessionRecord): Promise<void> {
    return this.writes.run(() => {
      this.sql.insertSession!.run(session.id, session.userId, session.expiresAt.getTime(), session.created.getTime());
    });
  }

  async getSession(id: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    const row = this.sql.getSession!.get(id) as (Record<string, unknown> & { id: string; user_id: string; expires_at: number; created_at: number }) | undefined;
    if (!row) return undefined;
    return {
      session: { id: row.id, userId: row.user_id, expiresAt: new Date(row.expires_at), created: new Date(row.created_at) },
      user: userFromPrefixed(row),
    };
  }

  extendSession(id: string, expiresAt: Date): Promise<void> {
    return this.writes.run(() => {
      this.sql.extendSession!.run(expiresAt.getTime(), id);
    });
  }

  deleteSession(id: string): Promise<void> {
    return this.writes.run(() => {
      this.sql.deleteSession!.run(id);
    });
  }

  deleteUserSessions(userId: string, keepSessionId = ""): Promise<void> {
    return this.writes.run(() => {
      this.sql.deleteUserSessions!.run(userId, keepSessionId);
    });
  }

  addApiToken(token: ApiTokenRecord): Promise<void> {
    return this.writes.run(() => {
      this.sql.insertToken!.run(
        token.id,
        token.userId,
        token.name,
        token.secretHash,
        token.created.getTime(),
        token.expiresAt?.getTime() ?? null,
        token.lastUsed?.getTime() ?? null,
      );
    });
  }

  async findApiToken(secretHash: string): Promise<{ token: ApiTokenRecord; user: UserRecord } | undefined> {
    const row = this.sql.findToken!.get(secretHash) as (Record<string, unknown> & TokenRow) | undefined;
    return row && { token: toToken(row), user: userFromPrefixed(row) };
  }

  async listApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    return (this.sql.listTokens!.all(userId) as TokenRow[]).map(toToken);
  }

  deleteApiToken(userId: string, tokenId: string): Promise<void> {
    return this.writes.run(() => {
      if (this.sql.deleteToken!.run(tokenId, userId).changes === 0) {
        throw notFound("API token", tokenId);
      }
    });
  }

  touchApiToken(tokenId: string, at: Date): Promise<void> {
    return this.writes.run(() => {
      this.sql.touchToken!.run(at.getTime(), tokenId);
    });
  }

  takeLoginAttempt(
    keys: ReadonlyArray<{ key: string; limit: number }>,
    at: Date,
    since: Date,
  ): Promise<{ refused: undefined } | { refused: string; oldest: Date }> {
    // One write: the count and the insert cannot interleave with another attempt's.
    return this.writes.run(() => {
      for (const { key, limit } of keys) {
        const row = this.sql.countFailures!.get(key, since.getTime()) as { count: number; oldest: number | null };
        if (row.count >= limit) return { refused: key, oldest: new Date(row.oldest ?? at.getTime()) };
      }
      for (const { key } of keys) this.sql.insertFailure!.run(key, at.getTime());
      return { refused: undefined };
    });
  }

  forgetLoginAttempt(key: string, at: Date): Promise<void> {
    return this.writes.run(() => {
      this.sql.forgetFailure!.run(key, at.getTime());
    });
  }

  clearLoginFailures(keys: readonly string[]): Promise<void> {
    return this.writes.run(() => {
      for (const key of keys) this.sql.clearFailures!.run(key);
    });
  }

  clearLoginFailuresByPrefix(prefixes: readonly string[]): Promise<void> {
    return this.writes.run(() => {
      for (const prefix of prefixes) this.sql.clearFailuresByPrefix!.run(prefix, prefix);
    });
  }

  pruneLoginFailures(before: Date): Promise<void> {
    return this.writes.run(() => {
      this.sql.pruneFailures!.run(before.getTime());
    });
  }

  private insertUser(user: UserRecord): void {
    try {
      this.sql.insertUser!.run(
        user.id,
        user.username,
        usernameKey(user.username),
        user.firstName,
        user.lastName,
        user.email,
        user.avatarUrl,
        user.passwordHash,
        user.mustChangePassword ? 1 : 0,
        user.lastLogin?.getTime() ?? null,
        user.created.getTime(),
        user.updated.getTime(),
      );
    } catch (error) {
      if (error instanceof BetterSqlite3.SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE" && error.message.includes("username_key")) {
        throw usernameTaken(user.username);
      }
      throw error;
    }
  }
}
