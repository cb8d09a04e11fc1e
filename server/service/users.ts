import { clearLoginThrottle } from "../auth/login-throttle.js";
import { checkNewPassword, hashPassword } from "../auth/passwords.js";
import type { Principal } from "../auth/principal.js";
import type { Role, UserRecord } from "../domain.js";
import { cannotDeleteSelf, DomainError, invalidArgument, lastUser, notFound } from "../errors.js";
import { newId } from "../ids.js";
import type { UserPatch } from "../store/auth-store.js";
import type { Store } from "../store/store.js";
import { charCount, EMAIL_MAX, PERSON_NAME_MAX, URL_MAX, USERNAME_PATTERN } from "../../shared/limits.js";
import type { AuditActor } from "../store/audit-context.js";

/** A user's details as a client sends them. */
export interface UserInput {
  username: string;
  password: string;
  firstName: string;
  lastName: string;
  email: string;
  avatarUrl: string;
  /** Unset: editor when adding, unchanged when updating. */
  role?: Role | undefined;
}

/** Letters, digits and . _ @ -, 1-64 characters, starting with a letter or digit. */
export function checkUsername(field: string, value: string): string {
  const username = value.trim();
  if (username === "") throw invalidArgument(field, "is required");
  if (!USERNAME_PATTERN.test(username)) throw invalidArgument(field, "use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
  return username;
}

function checkText(field: string, value: string, max: number): string {
  if (charCount(value) > max) throw invalidArgument(field, `must be at most ${max} characters`);
  return value.trim();
}

function checkEmail(field: string, value: string): string {
  const email = checkText(field, value, EMAIL_MAX);
  if (email !== "" && !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalidArgument(field, "is not an email address");
  return email;
}

/** Avatar URLs end up in `<img src>`: only http and https. */
function checkAvatarUrl(field: string, value: string): string {
  const url = checkText(field, value, URL_MAX);
  if (url === "") return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidArgument(field, "is not a URL");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw invalidArgument(field, "must be an http or https URL");
  return parsed.href;
}

/** Accounts and their roles. Who may call what is the permission table's business; the last admin stays. */
export class UsersService {
  constructor(private readonly deps: { store: Store; now: () => Date }) {}

  list(): Promise<UserRecord[]> {
    return this.deps.store.accounts.listUsers();
  }

  async get(id: string): Promise<UserRecord> {
    const user = id.trim() === "" ? undefined : await this.deps.store.accounts.getUser(id.trim());
    if (!user) throw notFound("user", id);
    return user;
  }

  /** The user signing in with this username (the CLI names users so), or not_found. */
  async getByUsername(username: string): Promise<UserRecord> {
    const user = username.trim() === "" ? undefined : await this.deps.store.accounts.findUserByUsername(username);
    if (!user) throw notFound("user", username);
    return user;
  }

  async add(input: UserInput, options: { mustChangePassword?: boolean } = {}, audit?: AuditActor): Promise<UserRecord> {
    const at = this.deps.now();
    const username = checkUsername("user.username", input.username);
    const user: UserRecord = {
      id: newId(),
      username,
      firstName: checkText("user.first_name", input.firstName, PERSON_NAME_MAX),
      lastName: checkText("user.last_name", input.lastName, PERSON_NAME_MAX),
      email: checkEmail("user.email_address", input.email),
      avatarUrl: checkAvatarUrl("user.avatar_url", input.avatarUrl),
      passwordHash: await hashPassword(checkNewPassword("user.password", input.password, username)),
      mustChangePassword: options.mustChangePassword ?? false,
      role: input.role ?? "editor",
      lastLogin: undefined,
      created: at,
      updated: at,
    };
    return this.deps.store.accounts.addUser(user, audit);
  }

  /**
   * Changes a user. A new password is a reset by someone else (your own goes through
   * ChangePassword, which checks the current one): see `resetPassword`.
   */
  async update(caller: Principal | undefined, id: string, input: Omit<UserInput, "username">, audit?: AuditActor): Promise<UserRecord> {
    const user = await this.get(id);
    if (input.password !== "" && caller?.user.id === user.id) {
      // Else a stolen session or token could take over the account without knowing the password.
      throw invalidArgument("password", "to change your own password use AuthService/ChangePassword, which asks for the current one");
    }
    const patch: UserPatch = { updated: this.deps.now() };
    if (input.firstName !== "") patch.firstName = checkText("first_name", input.firstName, PERSON_NAME_MAX);
    if (input.lastName !== "") patch.lastName = checkText("last_name", input.lastName, PERSON_NAME_MAX);
    if (input.email !== "") patch.email = checkEmail("email_address", input.email);
    if (input.avatarUrl !== "") patch.avatarUrl = checkAvatarUrl("avatar_url", input.avatarUrl);
    if (input.role !== undefined && input.role !== (user.role ?? "admin")) {
      // The store refuses to demote the last admin (LAST_ADMIN), atomically with the write.
      patch.role = input.role;
    }
    if (input.password !== "") {
      patch.passwordHash = await hashPassword(checkNewPassword("password", input.password, user.username));
      patch.mustChangePassword = true;
    }
    if (Object.keys(patch).length === 1) throw invalidArgument("user", "nothing to change");
    const updated = await this.deps.store.accounts.updateUser(user.id, patch, audit);
    if (patch.passwordHash) await this.endAccessAfterReset(user);
    return updated;
  }

  /**
   * Sets a user's password for them (the CLI's recovery): whoever had the old one loses every
   * session and API token, and the user's failed logins are forgotten so they can sign in at once.
   */
  async resetPassword(user: UserRecord, password: string, options: { mustChangePassword: boolean }, audit?: AuditActor): Promise<void> {
    const passwordHash = await hashPassword(checkNewPassword("password", password, user.username));
    await this.deps.store.accounts.updateUser(user.id, { passwordHash, mustChangePassword: options.mustChangePassword, updated: this.deps.now() }, audit);
    await this.endAccessAfterReset(user);
  }

  /** After a reset: sessions and tokens end (the reset may be because they leaked); throttling is lifted. */
  private async endAccessAfterReset(user: UserRecord): Promise<void> {
    const { store } = this.deps;
    await store.accounts.deleteUserSessions(user.id);
    for (const token of await store.accounts.listApiTokens(user.id)) {
      try {
        await store.accounts.deleteApiToken(user.id, token.id);
      } catch (error) {
        // Revoked at the same moment by someone else: gone either way.
        if (!(error instanceof DomainError && error.kind === "not_found")) throw error;
      }
    }
    await clearLoginThrottle(store.accounts, user.username);
  }

  /** Deletes a user with its sessions and tokens; never the caller's own account (so never the last). */
  async delete(caller: Principal | undefined, id: string, audit?: AuditActor): Promise<void> {
    const user = await this.get(id);
    if (caller && caller.user.id === user.id) {
      throw cannotDeleteSelf();
    }
    if ((await this.deps.store.accounts.listUsers()).length <= 1) throw lastUser();
    // The store refuses to delete the last admin (LAST_ADMIN), atomically with the write.
    await this.deps.store.accounts.deleteUser(user.id, audit);
  }
}
