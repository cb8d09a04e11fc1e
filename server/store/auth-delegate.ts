import type { ApiTokenRecord, SessionRecord, UserRecord } from "../domain.js";
import type { AuthStore, UserPatch } from "./auth-store.js";

/**
 * A store whose accounts live in a separate AuthStore object (same database, same connection):
 * every AuthStore method is passed on to `auth`. The built-in stores extend it, so the
 * forwarding is written once.
 */
export abstract class AuthDelegatingStore implements AuthStore {
  protected abstract readonly auth: AuthStore;

  listUsers(): Promise<UserRecord[]> {
    return this.auth.listUsers();
  }
  getUser(id: string): Promise<UserRecord | undefined> {
    return this.auth.getUser(id);
  }
  findUserByUsername(username: string): Promise<UserRecord | undefined> {
    return this.auth.findUserByUsername(username);
  }
  addUser(user: UserRecord): Promise<UserRecord> {
    return this.auth.addUser(user);
  }
  addFirstUser(user: UserRecord): Promise<boolean> {
    return this.auth.addFirstUser(user);
  }
  updateUser(id: string, patch: UserPatch): Promise<UserRecord> {
    return this.auth.updateUser(id, patch);
  }
  deleteUser(id: string): Promise<void> {
    return this.auth.deleteUser(id);
  }
  createSession(session: SessionRecord): Promise<void> {
    return this.auth.createSession(session);
  }
  getSession(id: string): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    return this.auth.getSession(id);
  }
  extendSession(id: string, expiresAt: Date): Promise<void> {
    return this.auth.extendSession(id, expiresAt);
  }
  deleteSession(id: string): Promise<void> {
    return this.auth.deleteSession(id);
  }
  deleteUserSessions(userId: string, keepSessionId?: string): Promise<void> {
    return this.auth.deleteUserSessions(userId, keepSessionId);
  }
  addApiToken(token: ApiTokenRecord): Promise<void> {
    return this.auth.addApiToken(token);
  }
  findApiToken(secretHash: string): Promise<{ token: ApiTokenRecord; user: UserRecord } | undefined> {
    return this.auth.findApiToken(secretHash);
  }
  listApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    return this.auth.listApiTokens(userId);
  }
  deleteApiToken(userId: string, tokenId: string): Promise<void> {
    return this.auth.deleteApiToken(userId, tokenId);
  }
  touchApiToken(tokenId: string, at: Date): Promise<void> {
    return this.auth.touchApiToken(tokenId, at);
  }
  takeLoginAttempt(
    keys: ReadonlyArray<{ key: string; limit: number }>,
    at: Date,
    since: Date,
  ): Promise<{ refused: undefined } | { refused: string; oldest: Date }> {
    return this.auth.takeLoginAttempt(keys, at, since);
  }
  forgetLoginAttempt(key: string, at: Date): Promise<void> {
    return this.auth.forgetLoginAttempt(key, at);
  }
  clearLoginFailures(keys: readonly string[]): Promise<void> {
    return this.auth.clearLoginFailures(keys);
  }
  clearLoginFailuresByPrefix(prefixes: readonly string[]): Promise<void> {
    return this.auth.clearLoginFailuresByPrefix(prefixes);
  }
  pruneLoginFailures(before: Date): Promise<void> {
    return this.auth.pruneLoginFailures(before);
  }
}
