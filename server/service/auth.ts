import { DEFAULT_THROTTLE, LoginThrottle, type ThrottleOptions } from "../auth/login-throttle.js";
import { DEFAULT_PASSWORD, DefaultPasswordCheck } from "../auth/default-password.js";
import { checkNewPassword, hashPassword, verifyAgainstNothing, verifyPassword } from "../auth/passwords.js";
import type { Principal } from "../auth/principal.js";
import { generateApiTokenSecret, generateSessionToken, hashSecret, API_TOKEN_PREFIX } from "../auth/secrets.js";
import type { ApiTokenRecord, TokenScope, UserRecord } from "../domain.js";
import { roleOf } from "../auth/access-policy.js";
import { noteAuditObject, type AuditActor } from "../store/audit-context.js";
import { scopeRank, widestScopeFor } from "../auth/permissions.js";
import { apiTokenExpired, apiTokenInvalid, invalidArgument, scopeTooWide, wrongCredentials, wrongCurrentPassword } from "../errors.js";
import { newId } from "../ids.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import { requireName } from "./validate.js";

export interface AuthOptions {
  /** Failed-login limits (see `ThrottleOptions`); unset fields keep their defaults. */
  throttle: Partial<ThrottleOptions>;
  /** Session lifetime; it slides: a session used in its second half is extended. */
  sessionMs: number;
}

export const DEFAULT_AUTH_OPTIONS: AuthOptions = {
  throttle: DEFAULT_THROTTLE,
  sessionMs: 30 * 24 * 60 * 60 * 1000,
};

/** The initial admin's username and the original's default password. */
export const INITIAL_ADMIN = "admin";
export { DEFAULT_PASSWORD };

/** The most items one API token may be limited to. */
const MAX_TOKEN_ITEMS = 100;

/** API tokens' last use is recorded to the minute, not on every request. */
const TOUCH_EVERY_MS = 60_000;

const loginFailed = wrongCredentials;

/** Logins, sessions, password changes and API tokens. */
export class AuthService {
  readonly options: AuthOptions;
  private readonly throttle: LoginThrottle;
  private readonly defaultPassword = new DefaultPasswordCheck();

  constructor(
    private readonly deps: { store: Store; now: () => Date; log: Logger },
    options: Partial<AuthOptions> = {},
  ) {
    this.options = { ...DEFAULT_AUTH_OPTIONS, ...options };
    this.throttle = new LoginThrottle({ accounts: deps.store.accounts, now: deps.now }, this.options.throttle);
  }

  /**
   * Checks credentials and starts a session. Unknown users and wrong passwords get the same
   * answer after the same work. Too many failures → resource_exhausted with a retry time.
   */
  async login(username: string, password: string, clientAddress: string): Promise<{ user: UserRecord; token: string; expiresAt: Date }> {
    const { store, now } = this.deps;
    // The attempt counts before the password is checked, so simultaneous guesses count too.
    const attempt = await this.throttle.take(username, clientAddress);
    const user = username.trim() === "" ? undefined : await store.accounts.findUserByUsername(username);
    const ok = user ? await verifyPassword(user.passwordHash, password) : await verifyAgainstNothing(password);
    if (!user || !ok) {
      await this.throttle.failed();
      throw loginFailed();
    }
    await this.throttle.succeeded(attempt);
    const token = generateSessionToken();
    const at = now();
    const expiresAt = new Date(at.getTime() + this.options.sessionMs);
    await store.accounts.createSession({ id: hashSecret(token), userId: user.id, expiresAt, created: at });
    const updated = await store.accounts.updateUser(user.id, { lastLogin: at, updated: user.updated });
    return { user: updated, token, expiresAt };
  }

  /** Ends a session. */
  async logout(sessionId: string): Promise<void> {
    await this.deps.store.accounts.deleteSession(sessionId);
  }

  /**
   * Finds who is calling. A bad or expired API token is an error (scripts should hear it); a bad
   * or expired session cookie just means anonymous (a stale cookie must not break the page).
   */
  async authenticate(credentials: { sessionToken?: string; bearer?: string }): Promise<Principal | undefined> {
    const { store, now } = this.deps;
    if (credentials.bearer !== undefined) {
      if (!credentials.bearer.startsWith(API_TOKEN_PREFIX)) throw apiTokenInvalid();
      const found = await store.accounts.findApiToken(hashSecret(credentials.bearer));
      if (!found) throw apiTokenInvalid();
      const at = now();
      if (found.token.expiresAt && found.token.expiresAt <= at) throw apiTokenExpired();
      if (!found.token.lastUsed || at.getTime() - found.token.lastUsed.getTime() > TOUCH_EVERY_MS) {
        await store.accounts.touchApiToken(found.token.id, at);
      }
      return { user: found.user, via: "token", token: found.token };
    }
    if (credentials.sessionToken !== undefined) {
      const sessionId = hashSecret(credentials.sessionToken);
      const found = await store.accounts.getSession(sessionId);
      if (!found) return undefined;
      const at = now().getTime();
      if (found.session.expiresAt.getTime() <= at) {
        await store.accounts.deleteSession(sessionId);
        return undefined;
      }
      const principal: Principal = { user: found.user, via: "session", sessionId };
      if (found.session.expiresAt.getTime() - at < this.options.sessionMs / 2) {
        const expiresAt = new Date(at + this.options.sessionMs);
        await store.accounts.extendSession(sessionId, expiresAt);
        principal.renewed = { token: credentials.sessionToken, expiresAt };
      }
      return principal;
    }
    return undefined;
  }

  /**
   * Who the credentials name now, without extending the session or recording the token's use:
   * for re-checking a stream opened with them. Undefined once they name no one (a revoked or
   * expired token, an ended or expired session, a deleted user).
   */
  async currentPrincipal(credentials: { sessionToken?: string; bearer?: string }): Promise<Principal | undefined> {
    const { store, now } = this.deps;
    if (credentials.bearer !== undefined) {
      const found = await store.accounts.findApiToken(hashSecret(credentials.bearer));
      if (!found || (found.token.expiresAt && found.token.expiresAt <= now())) return undefined;
      return { user: found.user, via: "token", token: found.token };
    }
    if (credentials.sessionToken !== undefined) {
      const sessionId = hashSecret(credentials.sessionToken);
      const found = await store.accounts.getSession(sessionId);
      if (!found || found.session.expiresAt <= now()) return undefined;
      return { user: found.user, via: "session", sessionId };
    }
    return undefined;
  }

  /** Changes the caller's password and ends its other sessions. */
  async changePassword(principal: Principal, current: string, next: string, audit?: AuditActor): Promise<void> {
    const { store, now } = this.deps;
    const user = await store.accounts.getUser(principal.user.id);
    if (!user || !(await verifyPassword(user.passwordHash, current))) {
      throw wrongCurrentPassword();
    }
    checkNewPassword("new_password", next, user.username);
    if (next === current) throw invalidArgument("new_password", "must differ from the current password");
    await store.accounts.updateUser(user.id, { passwordHash: await hashPassword(next), mustChangePassword: false, updated: now() }, audit);
    await store.accounts.deleteUserSessions(user.id, principal.sessionId, audit);
  }

  /**
   * Makes an API token for the caller. Its scope is at most what the caller's role allows (by
   * default exactly that); `itemIds` limits its writes to those items, which must exist.
   */
  async createApiToken(
    principal: Principal,
    name: string,
    expiresAt: Date | undefined,
    limits: { scope?: TokenScope | undefined; itemIds?: readonly string[] } = {},
    audit?: AuditActor,
  ): Promise<{ token: ApiTokenRecord; secret: string }> {
    const at = this.deps.now();
    if (expiresAt && expiresAt <= at) throw invalidArgument("expires_at", "must be in the future");
    const role = roleOf(principal);
    const widest = widestScopeFor(role);
    const scope = limits.scope ?? widest;
    if (scopeRank(scope) > scopeRank(widest)) {
      throw scopeTooWide(role, widest, scope);
    }
    const itemIds = await this.existingItems(limits.itemIds ?? []);
    const secret = generateApiTokenSecret();
    const token: ApiTokenRecord = {
      id: newId(),
      userId: principal.user.id,
      name: requireName("name", name),
      secretHash: hashSecret(secret),
      created: at,
      expiresAt,
      lastUsed: undefined,
      scope,
      itemIds,
    };
    noteAuditObject(audit, token.id);
    await this.deps.store.accounts.addApiToken(token, audit);
    return { token, secret };
  }

  /** The item ids, trimmed and without repeats; each must name an item. */
  private async existingItems(ids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(ids.map((id) => id.trim()))];
    if (unique.length > MAX_TOKEN_ITEMS) throw invalidArgument("item_ids", `at most ${MAX_TOKEN_ITEMS} items`);
    for (const id of unique) {
      if (id === "" || !(await this.deps.store.getItem(id, false))) throw invalidArgument("item_ids", `no item ${JSON.stringify(id)}`);
    }
    return unique;
  }

  /** The caller's tokens, or every user's with their owner (admins only: see the permission table). */
  async listApiTokens(principal: Principal, allUsers = false): Promise<Array<{ token: ApiTokenRecord; owner: UserRecord }>> {
    const owners = allUsers ? await this.deps.store.accounts.listUsers() : [principal.user];
    const lists = await Promise.all(owners.map(async (owner) => (await this.deps.store.accounts.listApiTokens(owner.id)).map((token) => ({ token, owner }))));
    return lists.flat();
  }

  /** Revokes one of the caller's tokens, or of the user `ownerId` names. */
  async revokeApiToken(principal: Principal, tokenId: string, ownerId = "", audit?: AuditActor): Promise<void> {
    if (tokenId.trim() === "") throw invalidArgument("token_id", "is required");
    await this.deps.store.accounts.deleteApiToken(ownerId.trim() === "" ? principal.user.id : ownerId.trim(), tokenId.trim(), audit);
  }

  /**
   * On a store without users, creates `admin`: with `password` if given, else with the
   * original's default "password", which must then be changed before anything else.
   */
  async ensureInitialAdmin(password: string | undefined): Promise<boolean> {
    const at = this.deps.now();
    if (password !== undefined) checkNewPassword("--admin-password", password, INITIAL_ADMIN);
    return this.deps.store.accounts.addFirstUser({
      id: newId(),
      username: INITIAL_ADMIN,
      firstName: "",
      lastName: "",
      email: "",
      avatarUrl: "",
      passwordHash: await hashPassword(password ?? DEFAULT_PASSWORD),
      mustChangePassword: password === undefined,
      role: "admin",
      lastLogin: undefined,
      created: at,
      updated: at,
    });
  }

  /**
   * Whether the initial admin still has the default password: worth a warning at start, and the
   * sign-in page's hint. Cheap after the first call for a given hash.
   */
  async defaultPasswordInUse(): Promise<boolean> {
    const admin = await this.deps.store.accounts.findUserByUsername(INITIAL_ADMIN);
    return admin !== undefined && admin.mustChangePassword && (await this.defaultPassword.matches(admin.passwordHash));
  }

  /**
   * Why the user must change the password before anything else, or undefined. Only the initial
   * admin can have the default password (it is too short for any password chosen since), so any
   * other must-change password was chosen by someone else: an admin, or the CLI.
   */
  async mustChangeReason(user: UserRecord): Promise<"default-password" | "set-by-admin" | undefined> {
    if (!user.mustChangePassword) return undefined;
    return (await this.defaultPassword.matches(user.passwordHash)) ? "default-password" : "set-by-admin";
  }
}
