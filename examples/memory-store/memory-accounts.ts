/** The accounts half of the in-memory example store: users, sessions, API tokens, login attempts. */
import { lastAdmin, notFound, usernameKey, usernameTaken, type ApiTokenRecord, type AuthStore, type SessionRecord, type UserPatch, type UserRecord } from "../../server/index.js";

/** Everything the accounts keep; outlives a MemoryAccounts, like a database file. */
export class AccountData {
  readonly users = new Map<string, UserRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  readonly tokens = new Map<string, ApiTokenRecord>();
  failures: Array<{ key: string; at: Date }> = [];
}

const userNotFound = (id: string) => notFound("user", id);

/** `AuthStore` over maps. Every method runs to its end without awaiting, so each is atomic. */
export class MemoryAccounts implements AuthStore {
  constructor(private readonly data: AccountData) {}

  async listUsers() {
    return [...this.data.users.values()].map((u) => ({ ...u }));
  }
  async getUser(id: string) {
    const user = this.data.users.get(id);
    return user && { ...user };
  }
  async findUserByUsername(username: string) {
    const key = usernameKey(username);
    const user = [...this.data.users.values()].find((u) => usernameKey(u.username) === key);
    return user && { ...user };
  }
  async addUser(user: UserRecord) {
    if (await this.findUserByUsername(user.username)) {
      throw usernameTaken(user.username);
    }
    this.data.users.set(user.id, { ...user });
    return { ...user };
  }
  async addFirstUser(user: UserRecord) {
    if (this.data.users.size > 0) return false;
    this.data.users.set(user.id, { ...user });
    return true;
  }
  async updateUser(id: string, patch: UserPatch) {
    const user = this.data.users.get(id);
    if (!user) throw userNotFound(id);
    if (patch.role !== undefined && patch.role !== "admin") this.keepAnAdmin(user, "demote");
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    const updated = { ...user, ...defined };
    this.data.users.set(id, updated);
    return { ...updated };
  }
  async deleteUser(id: string) {
    const user = this.data.users.get(id);
    if (user) this.keepAnAdmin(user, "delete");
    if (!this.data.users.delete(id)) throw userNotFound(id);
    for (const [key, session] of this.data.sessions) if (session.userId === id) this.data.sessions.delete(key);
    for (const [key, token] of this.data.tokens) if (token.userId === id) this.data.tokens.delete(key);
  }
  /** The last admin stays (the store contract's rule): demoting or deleting it throws LAST_ADMIN. */
  private keepAnAdmin(user: UserRecord, action: "demote" | "delete") {
    const isAdmin = (u: UserRecord) => (u.role ?? "admin") === "admin";
    if (isAdmin(user) && ![...this.data.users.values()].some((u) => u.id !== user.id && isAdmin(u))) throw lastAdmin(user.username, action);
  }

  async createSession(session: SessionRecord) {
    this.data.sessions.set(session.id, { ...session });
  }
  async getSession(id: string) {
    const session = this.data.sessions.get(id);
    const user = session && this.data.users.get(session.userId);
    return session && user && { session: { ...session }, user: { ...user } };
  }
  async extendSession(id: string, expiresAt: Date) {
    const session = this.data.sessions.get(id);
    if (session) this.data.sessions.set(id, { ...session, expiresAt });
  }
  async deleteSession(id: string) {
    this.data.sessions.delete(id);
  }
  async deleteUserSessions(userId: string, keepSessionId?: string) {
    for (const [id, session] of this.data.sessions) if (session.userId === userId && id !== keepSessionId) this.data.sessions.delete(id);
  }

  async addApiToken(token: ApiTokenRecord) {
    this.data.tokens.set(token.id, { ...token });
  }
  async findApiToken(secretHash: string) {
    const token = [...this.data.tokens.values()].find((t) => t.secretHash === secretHash);
    const user = token && this.data.users.get(token.userId);
    return token && user && { token: { ...token }, user: { ...user } };
  }
  async listApiTokens(userId: string) {
    return [...this.data.tokens.values()].filter((t) => t.userId === userId).map((t) => ({ ...t }));
  }
  async deleteApiToken(userId: string, tokenId: string) {
    if (this.data.tokens.get(tokenId)?.userId !== userId) throw notFound("API token", tokenId);
    this.data.tokens.delete(tokenId);
  }
  async touchApiToken(tokenId: string, at: Date) {
    const token = this.data.tokens.get(tokenId);
    if (token) this.data.tokens.set(tokenId, { ...token, lastUsed: at });
  }

  async takeLoginAttempt(keys: ReadonlyArray<{ key: string; limit: number }>, at: Date, since: Date) {
    for (const { key, limit } of keys) {
      const counted = this.data.failures.filter((f) => f.key === key && f.at >= since);
      if (counted.length >= limit) {
        const oldest = counted.reduce((min, f) => (f.at < min ? f.at : min), counted[0]?.at ?? at);
        return { refused: key, oldest };
      }
    }
    for (const { key } of keys) this.data.failures.push({ key, at });
    return { refused: undefined };
  }
  async forgetLoginAttempt(key: string, at: Date) {
    const index = this.data.failures.findIndex((f) => f.key === key && f.at.getTime() === at.getTime());
    if (index >= 0) this.data.failures.splice(index, 1);
  }
  async clearLoginFailures(keys: readonly string[]) {
    this.data.failures = this.data.failures.filter((f) => !keys.includes(f.key));
  }
  async clearLoginFailuresByPrefix(prefixes: readonly string[]) {
    this.data.failures = this.data.failures.filter((f) => !prefixes.some((p) => f.key.startsWith(p)));
  }
  async pruneLoginFailures(before: Date) {
    this.data.failures = this.data.failures.filter((f) => f.at >= before);
  }
}
