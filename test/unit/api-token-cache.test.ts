import { describe, expect, it } from "vitest";
import type { ApiTokenRecord, UserRecord } from "../../server/domain.js";
import { ApiTokenCache, type FoundToken } from "../../server/store/api-token-cache.js";

const T0 = new Date("2026-01-01T00:00:00Z");

function found(id: string): FoundToken {
  const user: UserRecord = {
    id: `user-${id}`,
    username: `user-${id}`,
    firstName: "",
    lastName: "",
    email: "",
    avatarUrl: "",
    passwordHash: "",
    mustChangePassword: false,
    role: "editor",
    lastLogin: undefined,
    created: T0,
    updated: T0,
  };
  const token: ApiTokenRecord = { id, userId: user.id, name: id, secretHash: `hash-${id}`, created: T0, expiresAt: undefined, lastUsed: undefined };
  return { token, user };
}

/** A database of tokens that counts its reads. */
function database(ids: string[]) {
  const rows = new Map(ids.map((id) => [`hash-${id}`, found(id)]));
  const db = { reads: 0, rows, read: (hash: string) => () => (db.reads++, rows.get(hash)) };
  return db;
}

describe("ApiTokenCache", () => {
  it("reads a found token once, and a token not found every time", async () => {
    const db = database(["a"]);
    const cache = new ApiTokenCache({ trusted: () => true });
    expect((await cache.find("hash-a", db.read("hash-a")))?.token.id).toBe("a");
    expect((await cache.find("hash-a", db.read("hash-a")))?.token.id).toBe("a");
    expect(db.reads).toBe(1);
    for (let i = 0; i < 3; i++) expect(await cache.find("hash-bad", db.read("hash-bad"))).toBeUndefined();
    expect(db.reads).toBe(4);
    expect(cache.size).toBe(1);
  });

  it("keeps at most `limit` tokens, dropping the oldest", async () => {
    const db = database(["a", "b", "c"]);
    const cache = new ApiTokenCache({ trusted: () => true, limit: 2 });
    for (const id of ["a", "b", "c"]) await cache.find(`hash-${id}`, db.read(`hash-${id}`));
    expect(cache.size).toBe(2);
    await cache.find("hash-a", db.read("hash-a"));
    expect(db.reads).toBe(4);
  });

  it("reads again after clear, when not trusted, and after maxAgeMs", async () => {
    const db = database(["a"]);
    let trusted = true;
    let now = 0;
    const cache = new ApiTokenCache({ trusted: () => trusted, maxAgeMs: 1_000, now: () => now });
    await cache.find("hash-a", db.read("hash-a"));
    cache.clear();
    await cache.find("hash-a", db.read("hash-a"));
    expect(db.reads).toBe(2);
    trusted = false;
    await cache.find("hash-a", db.read("hash-a"));
    expect(cache.size).toBe(0);
    trusted = true;
    await cache.find("hash-a", db.read("hash-a"));
    await cache.find("hash-a", db.read("hash-a"));
    expect(db.reads).toBe(4);
    now = 1_000;
    await cache.find("hash-a", db.read("hash-a"));
    expect(db.reads).toBe(5);
  });

  it("does not keep what a read saw when a change cleared the cache while it ran", async () => {
    const db = database(["a"]);
    const cache = new ApiTokenCache({ trusted: () => true });
    let finish!: () => void;
    const slow = cache.find("hash-a", () => new Promise<FoundToken | undefined>((resolve) => (finish = () => resolve(db.rows.get("hash-a")))));
    cache.clear(); // e.g. the token was revoked while the read was under way
    finish();
    expect((await slow)?.token.id).toBe("a");
    expect(cache.size).toBe(0);
  });

  it("records a token's use in its entry, and shares frozen entries", async () => {
    const db = database(["a"]);
    const cache = new ApiTokenCache({ trusted: () => true });
    const first = await cache.find("hash-a", db.read("hash-a"));
    expect(Object.isFrozen(first?.token)).toBe(true);
    expect(Object.isFrozen(first?.user)).toBe(true);
    cache.touched("a", T0);
    expect((await cache.find("hash-a", db.read("hash-a")))?.token.lastUsed).toEqual(T0);
    expect(db.reads).toBe(1);
  });
});
