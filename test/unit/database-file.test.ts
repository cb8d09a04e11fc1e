import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DatabaseFileWatch, inspectBeforeOpen } from "../../server/store/sqlite/database-file.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import { newStatus } from "../../server/store/conformance.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-dbfile-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("inspectBeforeOpen", () => {
  it("says a missing or empty file makes a new database, an existing one does not", () => {
    const path = join(dir, "a.db");
    expect(inspectBeforeOpen(path)).toEqual({ creates: true });
    writeFileSync(path, "");
    expect(inspectBeforeOpen(path)).toEqual({ creates: true });
    new SqliteStore({ path }).close();
    expect(inspectBeforeOpen(path)).toEqual({ creates: false });
  });

  it("refuses a WAL or shared-memory file without its database, naming both", () => {
    const path = join(dir, "a.db");
    writeFileSync(`${path}-shm`, "x");
    expect(() => inspectBeforeOpen(path)).toThrow(`${path}-shm exists but the database file ${path} does not`);
    expect(() => new SqliteStore({ path })).toThrow(/was deleted or moved/);
  });
});

describe("DatabaseFileWatch", () => {
  it("notices a database file replaced by another (renamed over it), and stays lost", () => {
    const path = join(dir, "a.db");
    const store = new SqliteStore({ path });
    try {
      const watch = new DatabaseFileWatch(path);
      expect(watch.check()).toBeUndefined();
      writeFileSync(join(dir, "other.db"), "");
      renameSync(join(dir, "other.db"), path);
      expect(watch.check()).toMatch(/was replaced by another file/);
      unlinkSync(path);
      expect(watch.check()).toMatch(/was replaced by another file/);
    } finally {
      void store.close();
    }
  });

  it("watches the WAL file too: a store whose WAL is deleted refuses writes", async () => {
    const path = join(dir, "a.db");
    const store = new SqliteStore({ path });
    try {
      await store.addStatus(newStatus("Before"));
      unlinkSync(`${path}-wal`);
      await expect(store.addStatus(newStatus("After"))).rejects.toMatchObject({ kind: "unavailable" });
      expect(store.unavailableReason()).toMatch(/deleted or replaced/);
    } finally {
      await store.close();
    }
  });
});
