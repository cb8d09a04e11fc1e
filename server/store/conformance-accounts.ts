/** The conformance suite's part on `Store.accounts` (users, sessions, API tokens, login attempts): see conformance.ts. */
import type { ApiTokenRecord, UserRecord } from "../domain.js";
import { newId } from "../ids.js";
import { expectDomainError, type TestFunctions } from "./conformance-fixtures.js";
import type { Store } from "./store.js";

const T0 = new Date("2024-03-01T10:00:00.000Z");
const T1 = new Date("2024-03-01T11:30:00.000Z");
const LATER = new Date("2100-01-01T00:00:00.000Z");

/** A valid new user, as a service would hand it to the store. */
function newUser(username: string, fields: Partial<UserRecord> = {}): UserRecord {
  return {
    id: newId(),
    username,
    firstName: "",
    lastName: "",
    email: "",
    avatarUrl: "",
    passwordHash: `hash of ${username}`,
    mustChangePassword: false,
    role: "editor",
    lastLogin: undefined,
    created: T0,
    updated: T0,
    ...fields,
  };
}

/** A user none of whose fields has its default: a session's or token's joined user must carry each one. */
function everyFieldSet(username: string): UserRecord {
  return newUser(username, {
    firstName: "Ann",
    lastName: "Lee",
    email: `${username}@example.com`,
    avatarUrl: "https://example.com/ann.png",
    mustChangePassword: true,
    role: "viewer",
    lastLogin: T1,
    updated: T1,
  });
}

function newToken(userId: string, fields: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id: newId(),
    userId,
    name: "ci",
    secretHash: newId(),
    created: T0,
    expiresAt: undefined,
    lastUsed: undefined,
    scope: "status",
    itemIds: ["item-a", "item-b"],
    ...fields,
  };
}

/** Checks `store.accounts` against the `AuthStore` contract. `current` gives the store under test. */
export function describeAccountsContract(current: () => Store, test: TestFunctions): void {
  const { describe, it, expect } = test;
  const accounts = () => current().accounts;

  describe("accounts", () => {
    it("adds users and reads them back with every field, in creation order; usernames compare case-insensitively", async () => {
      const ann = newUser("Ann", { firstName: "Ann", lastName: "Lee", email: "ann@example.com", avatarUrl: "https://example.com/a.png", mustChangePassword: true });
      const bob = newUser("bob", { lastLogin: T1 });
      await accounts().addUser(ann);
      await accounts().addUser(bob);
      expect(await accounts().listUsers()).toEqual([ann, bob]);
      expect(await accounts().getUser(bob.id)).toEqual(bob);
      expect(await accounts().findUserByUsername(" ANN ")).toEqual(ann);
      expect(await accounts().findUserByUsername("carol")).toBeUndefined();
      expect(await accounts().getUser("no-such-user")).toBeUndefined();
      const taken = await expectDomainError(() => accounts().addUser(newUser("ann")), "already_exists");
      expect(taken.field).toBe("username");
    });

    it("adds a first user only while there are none", async () => {
      expect(await accounts().addFirstUser(newUser("admin"))).toBe(true);
      expect(await accounts().addFirstUser(newUser("other"))).toBe(false);
      expect((await accounts().listUsers()).map((u) => u.username)).toEqual(["admin"]);
    });

    it("updates the fields given and leaves the others; an unknown user is not_found", async () => {
      const ann = newUser("ann", { firstName: "Ann", mustChangePassword: true });
      await accounts().addUser(ann);
      const updated = await accounts().updateUser(ann.id, { email: "ann@example.com", mustChangePassword: false, lastLogin: T1, role: "viewer", updated: T1 });
      expect(updated).toEqual({ ...ann, email: "ann@example.com", mustChangePassword: false, lastLogin: T1, role: "viewer", updated: T1 });
      expect(await accounts().getUser(ann.id)).toEqual(updated);
      await expectDomainError(() => accounts().updateUser("no-such-user", { updated: T1 }), "not_found");
    });

    it("keeps sessions with their user: extends, ends one, or all of a user's but one", async () => {
      const ann = everyFieldSet("ann");
      await accounts().addUser(ann);
      for (const id of ["s1", "s2", "s3"]) await accounts().createSession({ id, userId: ann.id, expiresAt: T1, created: T0 });
      expect(await accounts().getSession("s1")).toEqual({ session: { id: "s1", userId: ann.id, expiresAt: T1, created: T0 }, user: ann });
      await accounts().extendSession("s1", LATER);
      expect((await accounts().getSession("s1"))?.session.expiresAt).toEqual(LATER);
      await accounts().deleteSession("s1");
      expect(await accounts().getSession("s1")).toBeUndefined();
      await accounts().deleteUserSessions(ann.id, "s3");
      expect(await accounts().getSession("s2")).toBeUndefined();
      expect(await accounts().getSession("s3")).toBeDefined();
      await accounts().deleteUserSessions(ann.id);
      expect(await accounts().getSession("s3")).toBeUndefined();
    });

    it("keeps API tokens: found by secret hash with their user, listed per user, touched, revoked only by their owner", async () => {
      const ann = everyFieldSet("ann");
      const bob = newUser("bob");
      await accounts().addUser(ann);
      await accounts().addUser(bob);
      const first = newToken(ann.id, { name: "first", expiresAt: LATER });
      const second = newToken(ann.id, { name: "second" });
      await accounts().addApiToken(first);
      await accounts().addApiToken(second);
      await accounts().addApiToken(newToken(bob.id));
      expect(await accounts().findApiToken(first.secretHash)).toEqual({ token: first, user: ann });
      expect(await accounts().findApiToken("no-such-hash")).toBeUndefined();
      expect(await accounts().listApiTokens(ann.id)).toEqual([first, second]);
      await accounts().touchApiToken(second.id, T1);
      expect((await accounts().findApiToken(second.secretHash))?.token.lastUsed).toEqual(T1);
      await expectDomainError(() => accounts().deleteApiToken(bob.id, first.id), "not_found");
      await accounts().deleteApiToken(ann.id, first.id);
      expect((await accounts().listApiTokens(ann.id)).map((t) => t.name)).toEqual(["second"]);
    });

    it("deletes a user with their sessions and tokens; an unknown user is not_found", async () => {
      const ann = newUser("ann");
      await accounts().addUser(ann);
      await accounts().createSession({ id: "s1", userId: ann.id, expiresAt: LATER, created: T0 });
      const token = newToken(ann.id);
      await accounts().addApiToken(token);
      await accounts().deleteUser(ann.id);
      expect(await accounts().getUser(ann.id)).toBeUndefined();
      expect(await accounts().getSession("s1")).toBeUndefined();
      expect(await accounts().findApiToken(token.secretHash)).toBeUndefined();
      await expectDomainError(() => accounts().deleteUser(ann.id), "not_found");
    });

    it("keeps the last admin: demoting or deleting the only admin is LAST_ADMIN, even when two admins try it on each other at once", async () => {
      const ann = newUser("ann", { role: "admin" });
      const bob = newUser("bob", { role: "admin" });
      const carol = newUser("carol");
      for (const user of [ann, bob, carol]) await accounts().addUser(user);
      const outcomes = await Promise.allSettled([accounts().updateUser(ann.id, { role: "editor", updated: T1 }), accounts().updateUser(bob.id, { role: "viewer", updated: T1 })]);
      expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
      const admins = (await accounts().listUsers()).filter((u) => u.role === "admin");
      expect(admins).toHaveLength(1);
      const admin = admins[0];
      if (!admin) throw new Error("no admin left");
      const refused = await expectDomainError(() => accounts().updateUser(admin.id, { role: "editor", updated: T1 }), "failed_precondition");
      expect(refused.reason).toBe("LAST_ADMIN");
      expect((await expectDomainError(() => accounts().deleteUser(admin.id), "failed_precondition")).reason).toBe("LAST_ADMIN");
      await accounts().updateUser(admin.id, { firstName: "Still", role: "admin", updated: T1 });
      await accounts().deleteUser(carol.id);
      expect((await accounts().getUser(admin.id))?.role).toBe("admin");
    });

    it("counts login attempts per key up to each key's limit, and forgets them when told", async () => {
      const since = new Date(T0.getTime() - 60_000);
      const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
      const keys = [
        { key: "user:ann", limit: 2 },
        { key: "addr:10.0.0.1", limit: 10 },
      ];
      expect(await accounts().takeLoginAttempt(keys, at(1), since)).toEqual({ refused: undefined });
      expect(await accounts().takeLoginAttempt(keys, at(2), since)).toEqual({ refused: undefined });
      // The user's limit is reached: refused, naming that key and its oldest attempt, and not counted.
      expect(await accounts().takeLoginAttempt(keys, at(3), since)).toEqual({ refused: "user:ann", oldest: at(1) });
      // Attempts before `since` do not count.
      expect(await accounts().takeLoginAttempt(keys, at(4), at(2))).toEqual({ refused: undefined });
      await accounts().forgetLoginAttempt("user:ann", at(4));
      expect(await accounts().takeLoginAttempt(keys, at(5), at(2))).toEqual({ refused: undefined });
      await accounts().clearLoginFailures(["user:ann"]);
      expect(await accounts().takeLoginAttempt([{ key: "user:ann", limit: 1 }], at(6), since)).toEqual({ refused: undefined });
      await accounts().clearLoginFailuresByPrefix(["user:"]);
      expect(await accounts().takeLoginAttempt([{ key: "user:ann", limit: 1 }], at(7), since)).toEqual({ refused: undefined });
      // The address still has its four attempts (seconds 1, 2, 4 and 5), until they are pruned.
      expect(await accounts().takeLoginAttempt([{ key: "addr:10.0.0.1", limit: 4 }], at(8), since)).toEqual({ refused: "addr:10.0.0.1", oldest: at(1) });
      await accounts().pruneLoginFailures(at(100));
      expect(await accounts().takeLoginAttempt([{ key: "addr:10.0.0.1", limit: 1 }], at(101), since)).toEqual({ refused: undefined });
    });
  });
}
