/**
 * Upgrading a SQLite database from before roles (#19): its users could do everything, so they
 * come out of the migration as admins, and the last-admin rule holds for them at once.
 */
import BetterSqlite3 from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DomainError } from "../../server/errors.js";
import { newId } from "../../server/ids.js";
import { migrations } from "../../server/store/sqlite/migrations.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";

describe("a SQLite database from before roles", () => {
  const dir = mkdtempSync(join(tmpdir(), "statusthing-roles-upgrade-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps its users, as admins; the last of them cannot be demoted", async () => {
    const path = join(dir, "statusthing.db");
    const db = new BetterSqlite3(path);
    // The schema just before the migration that added roles (6).
    const before = 5;
    for (const sql of migrations.slice(0, before)) db.exec(sql);
    db.pragma(`user_version = ${before}`);
    const insert = db.prepare("INSERT INTO users (id, username, username_key, password_hash, created_at, updated_at) VALUES (?, ?, ?, 'old hash', 0, 0)");
    const ids = ["ann", "bob"].map((name) => {
      const id = newId();
      insert.run(id, name, name);
      return id;
    });
    db.close();

    const store = new SqliteStore({ path });
    try {
      const users = await store.accounts.listUsers();
      expect(users.map((u) => [u.id, u.username, u.role, u.passwordHash])).toEqual([
        [ids[0], "ann", "admin", "old hash"],
        [ids[1], "bob", "admin", "old hash"],
      ]);
      await store.accounts.updateUser(ids[0]!, { role: "editor", updated: new Date() });
      const refused = await store.accounts.updateUser(ids[1]!, { role: "editor", updated: new Date() }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(DomainError);
      expect((refused as DomainError).reason).toBe("LAST_ADMIN");
    } finally {
      await store.close();
    }
  });
});
