import type { Pool, PoolClient } from "pg";
import { usernameKey, type ApiTokenRecord, type SessionRecord, type UserRecord } from "../../domain.js";
import { notFound } from "../../errors.js";
import { ApiTokenCache } from "../api-token-cache.js";
import type { AuthStore, UserPatch } from "../auth-store.js";
import { demotes, keepAnAdmin } from "../last-admin.js";
import { rethrowConflict } from "../sql/conflicts.js";
import { joinedUser, toSession, toToken, toUser, type SessionRow, type TokenRow, type UserRow, type WithUser } from "../sql/rows.js";
import { sessionValues, tokenValues, userPatchValues, userValues } from "../sql/values.js";
import { PG_VALUES, violatedConstraint } from "./dialect.js";
import { Q } from "./statements.js";
import { transaction } from "./transaction.js";
import { insertAuditRow, withAuditRow } from "./postgres-audit.js";
import type { AuditActor } from "../audit-context.js";
import { needsAuditRow } from "../sql/audit.js";
import { ACCOUNTS_PAYLOAD, REVOCATION_PAYLOAD } from "./write-queue.js";

/**
 * How long a replica trusts an API token it looked up, at most: a backstop for an announcement
 * that was never sent (the process writing stopped between its commit and its NOTIFY).
 */
export const TOKEN_CACHE_MAX_AGE_MS = 10_000;

/**
 * Accounts in PostgreSQL: `PostgresStore.accounts`. These writes log no changes, so they run
 * straight on the pool, without the change log's lock; the few that must be atomic across
 * replicas take an advisory lock of their own.
 */
export class PostgresAuthStore implements AuthStore {
  constructor(
    private readonly pool: Pool,
    /** Prefix of this schema's advisory lock names ("statusthing:<schema>:"). */
    private readonly lockPrefix: string,
    /** The channel on which a deleted session, token or user is announced, so every replica re-checks its open streams at once. */
    private readonly revocationChannel?: string,
    /**
     * Whether every change another process makes to users or tokens reaches this replica now (it
     * listens on the channel, and clears `tokens` on each announcement): else tokens are read each time.
     */
    listening: () => boolean = () => false,
  ) {
    this.tokens = new ApiTokenCache({ trusted: listening, maxAgeMs: TOKEN_CACHE_MAX_AGE_MS });
  }

  /** API tokens in use; cleared after each change to users or tokens, here or announced by another process. */
  readonly tokens: ApiTokenCache;

  async listUsers(): Promise<UserRecord[]> {
    return (await this.pool.query<UserRow>(Q.listUsers)).rows.map(toUser);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const [row] = (await this.pool.query<UserRow>(Q.getUser, [id])).rows;
    return row && toUser(row);
  }

  async findUserByUsername(username: string): Promise<UserRecord | undefined> {
    const [row] = (await this.pool.query<UserRow>(Q.findUser, [usernameKey(username)])).rows;
    return row && toUser(row);
  }

  async addUser(user: UserRecord, audit?: AuditActor): Promise<UserRecord> {
    await this.underUsersLock(async (client) => {
      await insertUser(client, user);
      return user;
    }, audit);
    return user;
  }

  addFirstUser(user: UserRecord): Promise<boolean> {
    // Under the users lock: two replicas starting at once cannot both see no users.
    return transaction(this.pool, async (client) => {
      await this.lock(client, "users");
      if ((await client.query(Q.anyUser)).rows.length > 0) return false;
      await insertUser(client, user);
      return true;
    });
  }

  updateUser(id: string, patch: UserPatch, audit?: AuditActor): Promise<UserRecord> {
    const write = async (on: Pool | PoolClient) => {
      const [row] = (await on.query<UserRow>(Q.updateUser, userPatchValues(id, patch, PG_VALUES))).rows;
      if (!row) throw notFound("user", id);
      return toUser(row);
    };
    const updated = demotes(patch)
      ? this.underUsersLock(async (client) => {
          await this.keepAnAdmin(client, id, "demote");
          return write(client);
        }, audit)
      : withAuditRow(this.pool, audit, write);
    // A new role or password may take access away: other replicas re-check their streams too.
    const revokes = patch.role !== undefined || patch.passwordHash !== undefined || patch.mustChangePassword !== undefined;
    return this.changedAccounts(updated, revokes ? REVOCATION_PAYLOAD : ACCOUNTS_PAYLOAD);
  }

  async deleteUser(id: string, audit?: AuditActor): Promise<void> {
    const deleted = this.underUsersLock(async (client) => {
      await this.keepAnAdmin(client, id, "delete");
      // Sessions and tokens go with it (ON DELETE CASCADE), in the same statement.
      const { rowCount } = await client.query(Q.deleteUser, [id]);
      if (rowCount === 0) throw notFound("user", id);
    }, audit);
    await this.changedAccounts(deleted, REVOCATION_PAYLOAD);
  }

  /**
   * Runs an account write in a transaction holding the users lock, with `actor`'s audit row: the
   * writes that add, demote or delete users take it, so each sees the admins the last one left.
   */
  private async underUsersLock<T>(write: (client: PoolClient) => Promise<T>, actor: AuditActor | undefined): Promise<T> {
    const value = await transaction(this.pool, async (client) => {
      await this.lock(client, "users");
      const written = await write(client);
      if (needsAuditRow(actor)) await insertAuditRow(client, actor, written);
      return written;
    });
    if (actor) actor.recorded = true;
    return value;
  }

  /** Under the users lock (see underUsersLock), so the check holds until the write commits. */
  private async keepAnAdmin(client: PoolClient, id: string, action: "demote" | "delete"): Promise<void> {
    const [row] = (await client.query<UserRow>(Q.getUser, [id])).rows;
    if (row) keepAnAdmin(toUser(row), (await client.query(Q.otherAdmin, [id])).rows.length > 0, action);
  }

  async createSession(session: SessionRecord): Promise<void> {
    await this.pool.query(Q.insertSession, sessionValues(session, PG_VALUES));
  }

  async getSession(id: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    const [row] = (await this.pool.query<WithUser<SessionRow>>(Q.getSession, [id])).rows;
    return row && { session: toSession(row), user: joinedUser(row) };
  }

  async extendSession(id: string, expiresAt: Date): Promise<void> {
    await this.pool.query(Q.extendSession, [expiresAt, id]);
  }

  async deleteSession(id: string): Promise<void> {
    const { rowCount } = await this.pool.query(Q.deleteSession, [id]);
    if (rowCount) await this.announceRevocation();
  }

  async deleteUserSessions(userId: string, keepSessionId = ""): Promise<void> {
    const { rowCount } = await this.pool.query(Q.deleteUserSessions, [userId, keepSessionId]);
    if (rowCount) await this.announceRevocation();
  }

  async addApiToken(token: ApiTokenRecord, audit?: AuditActor): Promise<void> {
    await withAuditRow(this.pool, audit, (on) => on.query(Q.insertToken, tokenValues(token, PG_VALUES)));
  }

  findApiToken(secretHash: string): Promise<{ token: ApiTokenRecord; user: UserRecord } | undefined> {
    return this.tokens.find(secretHash, async () => {
      const [row] = (await this.pool.query<WithUser<TokenRow>>(Q.findToken, [secretHash])).rows;
      return row && { token: toToken(row), user: joinedUser(row) };
    });
  }

  async listApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    return (await this.pool.query<TokenRow>(Q.listTokens, [userId])).rows.map(toToken);
  }

  async deleteApiToken(userId: string, tokenId: string, audit?: AuditActor): Promise<void> {
    const deleted = withAuditRow(this.pool, audit, async (on) => {
      const { rowCount } = await on.query(Q.deleteToken, [tokenId, userId]);
      if (rowCount === 0) throw notFound("API token", tokenId);
    });
    await this.changedAccounts(deleted, REVOCATION_PAYLOAD);
  }

  async touchApiToken(tokenId: string, at: Date): Promise<void> {
    // Not announced: another replica's copy of the time only makes it write the time again, a minute on.
    this.tokens.touched(tokenId, at);
    await this.pool.query(Q.touchToken, [at, tokenId]);
  }

  takeLoginAttempt(keys: ReadonlyArray<{ key: string; limit: number }>, at: Date, since: Date): Promise<{ refused: undefined } | { refused: string; oldest: Date }> {
    // Each key's advisory lock is held from the count to the commit of the insert, so attempts
    // under one key are counted one after another, on every replica. Locks are taken in sorted
    // order, so two attempts sharing two keys cannot deadlock.
    return transaction(this.pool, async (client) => {
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
    await this.pool.query(Q.pruneLoginFailures, [before]);
  }

  /**
   * Once `write` (a change to users or tokens) has committed, or failed: drops this replica's
   * cached tokens, and tells the others (`payload`), before the caller hears of it. A failed
   * write changed nothing: it is not announced.
   */
  private async changedAccounts<T>(write: Promise<T>, payload: string): Promise<T> {
    let value: T;
    try {
      value = await write;
    } finally {
      this.tokens.clear();
    }
    await this.announce(payload);
    return value;
  }

  /** Says on the channel that credentials were deleted (REVOCATION_PAYLOAD) or users or tokens changed (ACCOUNTS_PAYLOAD), after the commit. */
  private async announce(payload: string): Promise<void> {
    if (this.revocationChannel !== undefined) await this.pool.query("SELECT pg_notify($1, $2)", [this.revocationChannel, payload]);
  }

  private announceRevocation(): Promise<void> {
    return this.announce(REVOCATION_PAYLOAD);
  }

  /** Takes this schema's advisory lock `name` until the end of the transaction. */
  private async lock(client: PoolClient, name: string): Promise<void> {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [this.lockPrefix + name]);
  }
}

async function insertUser(client: PoolClient, user: UserRecord): Promise<void> {
  try {
    await client.query(Q.insertUser, userValues(user, PG_VALUES));
  } catch (error) {
    rethrowConflict(error, violatedConstraint, { username: user.username });
  }
}
