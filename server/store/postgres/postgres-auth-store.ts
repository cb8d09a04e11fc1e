import pg, { type Pool, type PoolClient } from "pg";
import { usernameKey, type ApiTokenRecord, type SessionRecord, type UserRecord } from "../../domain.js";
import { DomainError, notFound, usernameTaken } from "../../errors.js";
import type { AuthStore, UserPatch } from "../auth-store.js";

interface UserRow {
  id: string;
  username: string;
  first_name: string;
  last_name: string;
  email: string;
  avatar_url: string;
  password_hash: string;
  must_change_password: boolean;
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

const USER_FIELDS = "id, username, first_name, last_name, email, avatar_url, password_hash, must_change_password, last_login_at, created_at, updated_at";

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    username: row.username,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    avatarUrl: row.avatar_url,
    passwordHash: row.password_hash,
    mustChangePassword: row.must_change_password,
    lastLogin: row.last_login_at ?? undefined,
    created: row.created_at,
    updated: row.updated_at,
  };
}

function toToken(row: TokenRow): ApiTokenRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    secretHash: row.secret_hash,
    created: row.created_at,
    expiresAt: row.expires_at ?? undefined,
    lastUsed: row.last_used_at ?? undefined,
  };
}

/** A session or token row joined to its user, whose columns come prefixed with `u_`. */
type WithUser<T> = T & { [column: `u_${string}`]: unknown };
/** The joined user's columns, prefixed so they cannot clash with the other table's. */
const USER_COLUMNS = USER_FIELDS.split(", ")
  .map((f) => `u.${f} AS u_${f}`)
  .join(", ");

function userFromPrefixed(row: object): UserRecord {
  const user: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (key.startsWith("u_")) user[key.slice(2)] = value;
  return toUser(user as unknown as UserRow);
}

/**
 * Accounts in PostgreSQL: the AuthStore half of PostgresStore. These writes log no changes, so
 * they run straight on the pool, without the change log's lock; the few that must be atomic
 * across replicas take an advisory lock of their own.
 */
/** The notification payload that announces deleted credentials (a change announcement carries a revision number instead). */
export const REVOCATION_PAYLOAD = "revoked";

export class PostgresAuthStore implements AuthStore {
  constructor(
    private readonly pool: Pool,
    /** Prefix of this schema's advisory lock names ("statusthing:<schema>:"). */
    private readonly lockPrefix: string,
    /** The channel on which a deleted session, token or user is announced, so every replica re-checks its open streams at once. */
    private readonly revocationChannel?: string,
  ) {}

  async listUsers(): Promise<UserRecord[]> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_FIELDS} FROM users ORDER BY seq`);
    return rows.map(toUser);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_FIELDS} FROM users WHERE id = $1`, [id]);
    return rows[0] && toUser(rows[0]);
  }

  async findUserByUsername(username: string): Promise<UserRecord | undefined> {
    const { rows } = await this.pool.query<UserRow>(`SELECT ${USER_FIELDS} FROM users WHERE username_key = $1`, [usernameKey(username)]);
    return rows[0] && toUser(rows[0]);
  }

  addUser(user: UserRecord): Promise<UserRecord> {
    return this.transaction(async (client) => {
      await this.lock(client, "users");
      await insertUser(client, user);
      return user;
    });
  }

  addFirstUser(user: UserRecord): Promise<boolean> {
    // Under the users lock: two replicas starting at once cannot both see no users.
    return this.transaction(async (client) => {
      await this.lock(client, "users");
      const { rows } = await client.query("SELECT 1 FROM users LIMIT 1");
      if (rows.length > 0) return false;
      await insertUser(client, user);
      return true;
    });
  }

  async updateUser(id: string, patch: UserPatch): Promise<UserRecord> {
    const { rows } = await this.pool.query<UserRow>(
      `UPDATE users SET first_name = coalesce($1, first_name), last_name = coalesce($2, last_name), email = coalesce($3, email),
         avatar_url = coalesce($4, avatar_url), password_hash = coalesce($5, password_hash),
         must_change_password = coalesce($6::boolean, must_change_password), last_login_at = coalesce($7::timestamptz, last_login_at),
         updated_at = $8
       WHERE id = $9 RETURNING ${USER_FIELDS}`,
      [
        patch.firstName ?? null,
        patch.lastName ?? null,
        patch.email ?? null,
        patch.avatarUrl ?? null,
        patch.passwordHash ?? null,
        patch.mustChangePassword ?? null,
        patch.lastLogin ?? null,
        patch.updated,
        id,
      ],
    );
    if (!rows[0]) throw notFound("user", id);
    return toUser(rows[0]);
  }

  async deleteUser(id: string): Promise<void> {
    // Sessions and tokens go with it (ON DELETE CASCADE), in the same statement.
    const { rowCount } = await this.pool.query("DELETE FROM users WHERE id = $1", [id]);
    if (rowCount === 0) throw notFound("user", id);
    await this.announceRevocation();
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.pool.query("INSERT INTO sessions (id, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)", [
      session.id,
      session.userId,
      session.expiresAt,
      session.created,
    ]);
  }

  async getSession(id: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    const { rows } = await this.pool.query<WithUser<{ id: string; user_id: string; expires_at: Date; created_at: Date }>>(
      `SELECT s.id, s.user_id, s.expires_at, s.created_at, ${USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      session: { id: row.id, userId: row.user_id, expiresAt: row.expires_at, created: row.created_at },
      user: userFromPrefixed(row),
    };
  }

  async extendSession(id: string, expiresAt: Date): Promise<void> {
    await this.pool.query("UPDATE sessions SET expires_at = $1 WHERE id = $2", [expiresAt, id]);
  }

  async deleteSession(id: string): Promise<void> {
    const { rowCount } = await this.pool.query("DELETE FROM sessions WHERE id = $1", [id]);
    if (rowCount) await this.announceRevocation();
  }

  async deleteUserSessions(userId: string, keepSessionId = ""): Promise<void> {
    const { rowCount } = await this.pool.query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2", [userId, keepSessionId]);
    if (rowCount) await this.announceRevocation();
  }

  async addApiToken(token: ApiTokenRecord): Promise<void> {
    await this.pool.query(
      "INSERT INTO api_tokens (id, user_id, name, secret_hash, created_at, expires_at, last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      [token.id, token.userId, token.name, token.secretHash, token.created, token.expiresAt ?? null, token.lastUsed ?? null],
    );
  }

  async findApiToken(secretHash: string): Promise<{ token: ApiTokenRecord; user: UserRecord } | undefined> {
    const { rows } = await this.pool.query<WithUser<TokenRow>>(
      `SELECT t.id, t.user_id, t.name, t.secret_hash, t.created_at, t.expires_at, t.last_used_at, ${USER_COLUMNS}
       FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = $1`,
      [secretHash],
    );
    const row = rows[0];
    return row && { token: toToken(row), user: userFromPrefixed(row) };
  }

  async listApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    const { rows } = await this.pool.query<TokenRow>(
      "SELECT id, user_id, name, secret_hash, created_at, expires_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY seq",
      [userId],
    );
    return rows.map(toToken);
  }

  async deleteApiToken(userId: string, tokenId: string): Promise<void> {
    const { rowCount } = await this.pool.query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2", [tokenId, userId]);
    if (rowCount === 0) throw notFound("API token", tokenId);
    await this.announceRevocation();
  }

  /** Says on the channel that credentials were deleted (after the delete committed). */
  private async announceRevocation(): Promise<void> {
    if (this.revocationChannel !== undefined) await this.pool.query("SELECT pg_notify($1, $2)", [this.revocationChannel, REVOCATION_PAYLOAD]);
  }

  async touchApiToken(tokenId: string, at: Date): Promise<void> {
    await this.pool.query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", [at, tokenId]);
  }

  takeLoginAttempt(
    keys: ReadonlyArray<{ key: string; limit: number }>,
    at: Date,
    since: Date,
  ): Promise<{ refused: undefined } | { refused: string; oldest: Date }> {
    // Each key's advisory lock is held from the count to the commit of the insert, so attempts
    // under one key are counted one after another, on every replica. Locks are taken in sorted
    // order, so two attempts sharing two keys cannot deadlock.
    return this.transaction(async (client) => {
      const names = [...new Set(keys.map((k) => k.key))].sort();
      for (const name of names) await this.lock(client, `login:${name}`);
      const { rows } = await client.query<{ key: string; count: string; oldest: Date }>(
        "SELECT key, count(*) AS count, min(at) AS oldest FROM login_failures WHERE key = ANY($1::text[]) AND at >= $2 GROUP BY key",
        [names, since],
      );
      const counts = new Map(rows.map((r) => [r.key, r]));
      for (const { key, limit } of keys) {
        const row = counts.get(key);
        if (row && Number(row.count) >= limit) return { refused: key, oldest: row.oldest };
        if (!row && limit <= 0) return { refused: key, oldest: at };
      }
      await client.query("INSERT INTO login_failures (key, at) SELECT k, $2 FROM unnest($1::text[]) AS k", [keys.map((k) => k.key), at]);
      return { refused: undefined };
    });
  }

  async forgetLoginAttempt(key: string, at: Date): Promise<void> {
    await this.pool.query("DELETE FROM login_failures WHERE id = (SELECT id FROM login_failures WHERE key = $1 AND at = $2 LIMIT 1)", [key, at]);
  }

  async clearLoginFailures(keys: readonly string[]): Promise<void> {
    await this.pool.query("DELETE FROM login_failures WHERE key = ANY($1::text[])", [[...keys]]);
  }

  async clearLoginFailuresByPrefix(prefixes: readonly string[]): Promise<void> {
    await this.pool.query("DELETE FROM login_failures WHERE key ^@ ANY($1::text[])", [[...prefixes]]);
  }

  async pruneLoginFailures(before: Date): Promise<void> {
    await this.pool.query("DELETE FROM login_failures WHERE at < $1", [before]);
  }

  /** Takes this schema's advisory lock `name` until the end of the transaction. */
  private async lock(client: PoolClient, name: string): Promise<void> {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [this.lockPrefix + name]);
  }

  /** Runs `work` in a transaction on one connection: committed if it returns, rolled back if it throws. */
  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return transaction(this.pool, work);
  }
}

/** Runs `work` in a transaction on one pooled connection; a connection that failed is not reused. */
export async function transaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query(begin);
    let result: T;
    try {
      result = await work(client);
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    }
    await client.query("COMMIT");
    return result;
  } catch (error) {
    if (!(error instanceof DomainError) && !(error instanceof pg.DatabaseError)) broken ??= error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

async function insertUser(client: PoolClient, user: UserRecord): Promise<void> {
  try {
    await client.query(
      `INSERT INTO users (id, username, username_key, first_name, last_name, email, avatar_url, password_hash,
         must_change_password, last_login_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        user.id,
        user.username,
        usernameKey(user.username),
        user.firstName,
        user.lastName,
        user.email,
        user.avatarUrl,
        user.passwordHash,
        user.mustChangePassword,
        user.lastLogin ?? null,
        user.created,
        user.updated,
      ],
    );
  } catch (error) {
    if (error instanceof pg.DatabaseError && error.code === "23505" && error.constraint === "users_username_unique") {
      throw usernameTaken(user.username);
    }
    throw error;
  }
}
