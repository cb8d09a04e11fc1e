import type { Database } from "better-sqlite3";
import { usernameKey, type ApiTokenRecord, type SessionRecord, type UserRecord } from "../../domain.js";
import { notFound } from "../../errors.js";
import { ApiTokenCache } from "../api-token-cache.js";
import type { AuthStore, UserPatch } from "../auth-store.js";
import { demotes, keepAnAdmin } from "../last-admin.js";
import { rethrowConflict } from "../sql/conflicts.js";
import { joinedUser, toSession, toToken, toUser } from "../sql/rows.js";
import { sessionValues, tokenValues, userPatchValues, userValues } from "../sql/values.js";
import { SQLITE_VALUES, violatedConstraint } from "./dialect.js";
import { prepareAccountStatements } from "./statements.js";
import type { WriteQueue } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** Accounts in SQLite: `SqliteStore.accounts`, sharing the store's connection and write queue. */
export class SqliteAuthStore implements AuthStore {
  private readonly sql: ReturnType<typeof prepareAccountStatements>;
  /** API tokens in use; this store's own writes drop what they change (in their transaction, which commits in the same turn). */
  readonly tokens: ApiTokenCache;

  constructor(
    db: Database,
    private readonly writes: WriteQueue,
  ) {
    this.sql = prepareAccountStatements(db);
    this.tokens = new ApiTokenCache({ trusted: unchangedElsewhere(db) });
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.sql.listUsers.all().map(toUser);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const row = this.sql.getUser.get(id);
    return row && toUser(row);
  }

  async findUserByUsername(username: string): Promise<UserRecord | undefined> {
    const row = this.sql.findUser.get(usernameKey(username));
    return row && toUser(row);
  }

  addUser(user: UserRecord, audit?: AuditActor): Promise<UserRecord> {
    return this.writes.run(() => {
      this.insertUser(user);
      return user;
    }, audit);
  }

  addFirstUser(user: UserRecord): Promise<boolean> {
    return this.writes.run(() => {
      if (this.sql.anyUser.get()) return false;
      this.insertUser(user);
      return true;
    });
  }

  updateUser(id: string, patch: UserPatch, audit?: AuditActor): Promise<UserRecord> {
    return this.writes.run(() => {
      if (demotes(patch)) this.keepAnAdmin(id, "demote");
      this.tokens.clear();
      const row = this.sql.updateUser.get(...userPatchValues(id, patch, SQLITE_VALUES));
      if (!row) throw notFound("user", id);
      return toUser(row);
    }, audit);
  }

  deleteUser(id: string, audit?: AuditActor): Promise<void> {
    return this.writes.run(() => {
      this.keepAnAdmin(id, "delete");
      this.tokens.clear();
      // Sessions and tokens go with it (ON DELETE CASCADE), in the same transaction.
      if (this.sql.deleteUser.run(id).changes === 0) throw notFound("user", id);
    }, audit);
  }

  /** In the write's transaction, so no other write changes the admins before this one commits. */
  private keepAnAdmin(id: string, action: "demote" | "delete"): void {
    const row = this.sql.getUser.get(id);
    if (row) keepAnAdmin(toUser(row), this.sql.otherAdmin.get(id) !== undefined, action);
  }

  createSession(session: SessionRecord): Promise<void> {
    return this.writes.run(() => {
      this.sql.insertSession.run(...sessionValues(session, SQLITE_VALUES));
    });
  }

  async getSession(id: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    const row = this.sql.getSession.get(id);
    return row && { session: toSession(row), user: joinedUser(row) };
  }

  extendSession(id: string, expiresAt: Date): Promise<void> {
    return this.writes.run(() => {
      this.sql.extendSession.run(expiresAt.getTime(), id);
    });
  }

  deleteSession(id: string): Promise<void> {
    return this.writes.run(() => {
      this.sql.deleteSession.run(id);
    });
  }

  deleteUserSessions(userId: string, keepSessionId = "", audit?: AuditActor): Promise<void> {
    return this.writes.run(() => {
      this.sql.deleteUserSessions.run(userId, keepSessionId);
    }, audit);
  }

  addApiToken(token: ApiTokenRecord, audit?: AuditActor): Promise<void> {
    return this.writes.run(() => {
      this.sql.insertToken.run(...tokenValues(token, SQLITE_VALUES));
    }, audit);
  }

  findApiToken(secretHash: string): Promise<{ token: ApiTokenRecord; user: UserRecord } | undefined> {
    return this.tokens.find(secretHash, () => {
      const row = this.sql.findToken.get(secretHash);
      return row && { token: toToken(row), user: joinedUser(row) };
    });
  }

  async listApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    return this.sql.listTokens.all(userId).map(toToken);
  }

  deleteApiToken(userId: string, tokenId: string, audit?: AuditActor): Promise<void> {
    return this.writes.run(() => {
      this.tokens.clear();
      if (this.sql.deleteToken.run(tokenId, userId).changes === 0) {
        throw notFound("API token", tokenId);
      }
    }, audit);
  }

  touchApiToken(tokenId: string, at: Date): Promise<void> {
    this.tokens.touched(tokenId, at);
    return this.writes.run(() => {
      this.sql.touchToken.run(at.getTime(), tokenId);
    });
  }

  takeLoginAttempt(keys: ReadonlyArray<{ key: string; limit: number }>, at: Date, since: Date): Promise<{ refused: undefined } | { refused: string; oldest: Date }> {
    // One write: the count and the insert cannot interleave with another attempt's.
    return this.writes.run(() => {
      for (const { key, limit } of keys) {
        const row = this.sql.countFailures.get(key, since.getTime());
        if (row && row.count >= limit) return { refused: key, oldest: new Date(row.oldest ?? at.getTime()) };
      }
      for (const { key } of keys) this.sql.insertFailure.run(key, at.getTime());
      return { refused: undefined };
    });
  }

  forgetLoginAttempt(key: string, at: Date): Promise<void> {
    return this.writes.run(() => {
      this.sql.forgetFailure.run(key, at.getTime());
    });
  }

  clearLoginFailures(keys: readonly string[]): Promise<void> {
    return this.writes.run(() => {
      for (const key of keys) this.sql.clearFailures.run(key);
    });
  }

  clearLoginFailuresByPrefix(prefixes: readonly string[]): Promise<void> {
    return this.writes.run(() => {
      for (const prefix of prefixes) this.sql.clearFailuresByPrefix.run({ prefix });
    });
  }

  pruneLoginFailures(before: Date): Promise<void> {
    return this.writes.run(() => {
      this.sql.pruneFailures.run(before.getTime());
    });
  }

  private insertUser(user: UserRecord): void {
    try {
      this.sql.insertUser.run(...userValues(user, SQLITE_VALUES));
    } catch (error) {
      rethrowConflict(error, violatedConstraint, { username: user.username });
    }
  }
}

/**
 * How often, at most, a lookup asks SQLite whether another process changed the file: the
 * question costs ~1 µs on a quiet database but 3-6 µs right after this process's own commits
 * (as much as the lookup it saves), so under writes it is asked once per interval, not per call.
 */
export const OTHER_WRITERS_CHECK_MS = 10;

/**
 * Whether no other connection (the CLI, another process on the same file) has committed since
 * the last time this was asked: SQLite's data_version changes exactly then, and this
 * connection's own commits leave it alone. Within OTHER_WRITERS_CHECK_MS of the last question,
 * the last answer stands.
 */
function unchangedElsewhere(db: Database): () => boolean {
  const dataVersion = db.prepare("PRAGMA data_version").pluck();
  let seen = dataVersion.get();
  let askedAt = performance.now();
  return () => {
    const now = performance.now();
    if (now - askedAt < OTHER_WRITERS_CHECK_MS) return true;
    askedAt = now;
    const version = dataVersion.get();
    if (version === seen) return true;
    seen = version;
    return false;
  };
}
