/**
 * Upgrading a database whose change log holds whole items (the old format, hundreds of KB per
 * row): the old rows are dropped, the revision counter is kept, and new changes go on from it.
 * (A watcher resuming from before then gets a fresh snapshot: its revision is no longer retained.)
 */
import BetterSqlite3 from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { newId } from "../../server/ids.js";
import { migrations as pgMigrations } from "../../server/store/postgres/migrations.js";
import type { PostgresStore } from "../../server/store/postgres/postgres-store.js";
import { migrations as sqliteMigrations } from "../../server/store/sqlite/migrations.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import type { Store } from "../../server/store/store.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";

/** An item_upsert payload as the old format wrote it: the item with every note. */
function oldItemPayload(id: string): string {
  const notes = Array.from({ length: 3 }, (_, n) => ({ id: `n${n}`, itemId: id, text: "x".repeat(1_000), created: 0, updated: 0 }));
  return JSON.stringify({ id, name: "old", description: "", status: null, notes, created: 0, updated: 0 });
}

async function expectUpgraded(store: Store) {
  expect(await store.changeLogBounds()).toEqual({ oldest: 4, latest: 3 });
  expect(await store.readChanges(0, 100)).toEqual([]);
  const now = new Date();
  await store.addStatus({ id: newId(), name: "After", description: "", color: "#000000", kind: 1, created: now, updated: now });
  expect((await store.readChanges(0, 100)).map((c) => [c.revision, c.kind])).toEqual([[4, "status_upsert"]]);
}

describe("SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "statusthing-upgrade-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("drops the old log on upgrade and keeps the revision", async () => {
    const path = join(dir, "statusthing.db");
    const db = new BetterSqlite3(path);
    // The schema just before the migration that changed the log's format (4).
    const before = 3;
    for (const sql of sqliteMigrations.slice(0, before)) db.exec(sql);
    db.pragma(`user_version = ${before}`);
    const insert = db.prepare("INSERT INTO changes (at, kind, entity_id, payload) VALUES (?, 'item_upsert', ?, ?)");
    for (let i = 0; i < 3; i++) insert.run(Date.now(), `item${i}`, oldItemPayload(`item${i}`));
    db.close();

    const store = new SqliteStore({ path });
    try {
      await expectUpgraded(store);
    } finally {
      await store.close();
    }
  });
});

const describePg = await describeWithPostgres("the change-log upgrade test");
describePg("PostgreSQL", () => {
  let schemas: TestSchemas;
  let store: PostgresStore | undefined;
  afterAll(async () => {
    await store?.close();
    await schemas?.dropAll();
  });

  it("drops the old log on upgrade and keeps the revision", async () => {
    schemas = new TestSchemas();
    const schema = await schemas.create();
    const client = await schemas.admin.connect();
    try {
      await client.query(`SET search_path = ${schema}`);
      // The schema just before the migration that changed the log's format (2).
      const before = 1;
      await client.query("CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
      for (const [i, sql] of pgMigrations.slice(0, before).entries()) {
        await client.query(sql);
        await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [i + 1]);
      }
      for (let r = 1; r <= 3; r++) {
        await client.query("INSERT INTO changes (revision, at, kind, entity_id, payload) VALUES ($1, now(), 'item_upsert', $2, $3)", [r, `item${r}`, oldItemPayload(`item${r}`)]);
      }
      await client.query("UPDATE change_log_state SET latest = 3");
    } finally {
      client.release();
    }
    store = await schemas.open(schema);
    await expectUpgraded(store);
  });
});
