import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3, { type Database } from "better-sqlite3";
import * as vitest from "vitest";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DomainError } from "../../server/errors.js";
import { DatabaseTooNewError, migrations } from "../../server/store/sqlite/migrations.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import { MAX_GROUP_WRITES, WriteQueue } from "../../server/store/sqlite/write-queue.js";
import { noteConnectionAccepted } from "../../server/connection-arrivals.js";
import { caught, describeStoreContract, newItem, newNote, newStatus, type StoreUnderTest } from "../../server/store/conformance.js";

/** A fresh temp folder per test; everything opened in it is closed before it is deleted. */
let dir: string;
let opened: Array<{ close(): unknown }>;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-sqlite-"));
  opened = [];
});
afterEach(async () => {
  for (const handle of opened.reverse()) await handle.close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(path = join(dir, "statusthing.db"), busyTimeoutMs?: number): SqliteStore {
  const store = new SqliteStore({ path, ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }) });
  opened.push(store);
  return store;
}

/** A second, independent connection to the same file: it sees only what has been committed. */
function openRaw(path = join(dir, "statusthing.db"), options?: BetterSqlite3.Options): Database {
  const db = new BetterSqlite3(path, options);
  opened.push(db);
  return db;
}

describeStoreContract(
  "SqliteStore (temp file)",
  async (): Promise<StoreUnderTest> => {
    const folder = mkdtempSync(join(tmpdir(), "statusthing-contract-"));
    const path = join(folder, "statusthing.db");
    let current = new SqliteStore({ path });
    return {
      store: current,
      async reopen() {
        await current.close();
        current = new SqliteStore({ path });
        return current;
      },
      async cleanup() {
        await current.close();
        rmSync(folder, { recursive: true, force: true });
      },
    };
  },
  vitest,
);

describe("SqliteStore: migrations", () => {
  it("starts each existing item's status history with its current status at its creation, marked reconstructed", async () => {
    const path = join(dir, "before-history.db");
    const old = new BetterSqlite3(path);
    for (const migration of migrations.slice(0, 3)) old.exec(migration);
    old.pragma("user_version = 3");
    old.exec(`INSERT INTO statuses (id, name, name_key, color, kind, created_at, updated_at) VALUES ('s1', 'Up', 'up', '#00FF00', 1, 1000, 1000);
      INSERT INTO items (id, name, name_key, status_id, created_at, updated_at) VALUES ('i1', 'api', 'api', 's1', 2000, 5000), ('i2', 'web', 'web', NULL, 3000, 3000);`);
    old.close();
    const store = openStore(path);
    const history = await store.recentTransitions(undefined, 10);
    expect(history).toEqual([
      { itemId: "i2", itemName: "web", at: new Date(3000), revision: 0, status: undefined, deleted: false, reconstructed: true },
      { itemId: "i1", itemName: "api", at: new Date(2000), revision: 0, status: { id: "s1", name: "Up", color: "#00FF00", kind: 1 }, deleted: false, reconstructed: true },
    ]);
    // A later change of status follows the reconstructed start; a rename does not.
    await store.updateItem("i1", { name: "api v2", updated: new Date(6000) });
    expect(await store.recentTransitions("i1", 10)).toHaveLength(1);
  });

  it("brings a fresh database to the newest schema version", () => {
    const store = openStore();
    expect(store.db.pragma("user_version", { simple: true })).toBe(migrations.length);
    const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(["items", "notes", "statuses"]));
  });

  it("opens its own database again without migrating twice", async () => {
    const first = openStore();
    await first.addItem(newItem("kept"));
    await first.close();
    const second = openStore();
    expect(second.db.pragma("user_version", { simple: true })).toBe(migrations.length);
    expect((await second.listItems({ statusIds: [], kinds: [], withNotes: false })).map((i) => i.name)).toEqual(["kept"]);
  });

  it("refuses a database from a newer StatusThing, says so, and leaves its schema and data as they were", () => {
    const path = join(dir, "future.db");
    const future = new BetterSqlite3(path);
    future.exec("CREATE TABLE from_the_future (x INTEGER)");
    future.pragma(`user_version = ${migrations.length + 1}`);
    future.close();

    const error = (() => {
      try {
        openStore(path);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DatabaseTooNewError);
    const message = (error as Error).message;
    expect(message).toMatch(/newer/i);
    expect(message).toContain(String(migrations.length + 1));

    const check = openRaw(path, { readonly: true });
    expect(check.pragma("user_version", { simple: true })).toBe(migrations.length + 1);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()).toEqual(["from_the_future"]);
  });
});

describe("SqliteStore: connection settings", () => {
  it("runs in WAL mode with synchronous=FULL and foreign keys on", () => {
    const store = openStore();
    expect(store.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(store.db.pragma("synchronous", { simple: true })).toBe(2);
    expect(store.db.pragma("foreign_keys", { simple: true })).toBe(1);
  });

  it("waits for another process's lock for the busy timeout (5 s unless told)", () => {
    expect(openStore().db.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(openStore(join(dir, "other.db"), 250).db.pragma("busy_timeout", { simple: true })).toBe(250);
  });
});

describe("SqliteStore: group commit", () => {
  it("acknowledges a write only once another connection can see it", async () => {
    const store = openStore();
    const reader = openRaw();
    const countItems = reader.prepare("SELECT count(*) FROM items WHERE id = ?").pluck();
    const countNotes = reader.prepare("SELECT count(*) FROM notes WHERE id = ?").pluck();
    const seenAtAck: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const item = await store.addItem(newItem(`svc ${i}`));
        seenAtAck.push(countItems.get(item.id) as number);
        const note = await store.addNote(newNote(item.id, `note ${i}`));
        seenAtAck.push(countNotes.get(note.id) as number);
      }),
    );
    expect(seenAtAck).toEqual(Array.from({ length: 100 }, () => 1));
  });

  it("resolves many concurrent writes from many writers, all durable", async () => {
    const path = join(dir, "statusthing.db");
    const store = openStore(path);
    const status = await store.addStatus(newStatus("Up"));
    const acknowledged: string[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, writer) => {
        for (let n = 0; n < 15; n++) {
          const item = await store.addItem(newItem(`w${writer}-${n}`, { statusId: status.id }));
          const note = await store.addNote(newNote(item.id, `w${writer}-${n} note`));
          acknowledged.push(item.id, note.id);
        }
      }),
    );
    expect(acknowledged.length).toBe(600);
    await store.close();
    const check = openRaw(path, { readonly: true });
    const ids = new Set(check.prepare("SELECT id FROM items UNION ALL SELECT id FROM notes").pluck().all() as string[]);
    expect(acknowledged.filter((id) => !ids.has(id))).toEqual([]);
  });

  it("rejects only the failing write of a batch, rolling back all it did; the rest commit", async () => {
    const path = join(dir, "statusthing.db");
    const store = openStore(path);
    await store.addItem(newItem("Taken"));
    const ghost = newStatus("ghost");
    // Issued in the same tick, so they share one transaction.
    const results = await Promise.allSettled([
      store.addItem(newItem("a")),
      store.addStatus(newStatus("b")),
      store.addItem(newItem("taken", { newStatus: ghost })),
      store.addItem(newItem("c")),
      store.addStatus(newStatus("B")),
      store.addItem(newItem("d")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "rejected", "fulfilled"]);
    for (const i of [2, 4]) expect(((results[i] as PromiseRejectedResult).reason as DomainError).kind).toBe("already_exists");
    const check = openRaw(path, { readonly: true });
    expect(check.prepare("SELECT name FROM items ORDER BY seq").pluck().all()).toEqual(["Taken", "a", "c", "d"]);
    expect(check.prepare("SELECT name FROM statuses ORDER BY seq").pluck().all()).toEqual(["b"]);
  });

  it("rejects the whole batch when the database is locked by another process, then recovers", async () => {
    const path = join(dir, "statusthing.db");
    const store = openStore(path, 50);
    const other = openRaw(path);
    other.exec("BEGIN IMMEDIATE");
    const locked = await Promise.allSettled([store.addItem(newItem("x")), store.addItem(newItem("y"))]);
    expect(locked.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    other.exec("ROLLBACK");
    await expect(store.addItem(newItem("x"))).resolves.toMatchObject({ name: "x" });
    expect((await store.listItems({ statusIds: [], kinds: [], withNotes: false })).map((i) => i.name)).toEqual(["x"]);
  });

  it("rejects, rather than hangs, a write made after close", async () => {
    const store = openStore();
    await store.close();
    const error = await Promise.race([caught(() => store.addItem(newItem("late"))), new Promise((r) => setTimeout(() => r("hung"), 2_000))]);
    expect(error).toBeInstanceOf(Error);
  });
});

describe("WriteQueue", () => {
  let db: Database;
  let observer: Database;
  let queue: WriteQueue;
  beforeEach(() => {
    const path = join(dir, "queue.db");
    db = openRaw(path);
    db.pragma("journal_mode = WAL");
    db.exec("CREATE TABLE t (v INTEGER NOT NULL UNIQUE)");
    observer = openRaw(path, { readonly: true });
    queue = new WriteQueue(db);
  });
  const committed = () => observer.prepare("SELECT v FROM t ORDER BY v").pluck().all() as number[];
  const insert = (v: number) => db.prepare("INSERT INTO t (v) VALUES (?)").run(v);

  it("runs writes queued together in one transaction, committed once", async () => {
    const seenByOthers: number[][] = [];
    const writes = [1, 2, 3, 4].map((v) =>
      queue.run(() => {
        seenByOthers.push(committed());
        insert(v);
        return v * 10;
      }),
    );
    expect(await Promise.all(writes)).toEqual([10, 20, 30, 40]);
    // Nothing was committed while the batch ran: one transaction for the four.
    expect(seenByOthers).toEqual([[], [], [], []]);
    expect(committed()).toEqual([1, 2, 3, 4]);
  });

  it("rolls back a failing write's partial work, and commits the others", async () => {
    const results = await Promise.allSettled([
      queue.run(() => insert(1)),
      queue.run(() => {
        insert(2);
        insert(3);
        throw new Error("write 2 fails after doing part of its work");
      }),
      queue.run(() => insert(1)), // UNIQUE violation
      queue.run(() => insert(4)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    expect(((results[1] as PromiseRejectedResult).reason as Error).message).toMatch(/write 2 fails/);
    expect(committed()).toEqual([1, 4]);
  });

  it("runs writes queued later in a later batch", async () => {
    await queue.run(() => insert(1));
    const seen = await queue.run(() => committed());
    expect(seen).toEqual([1]);
  });

  const nextTurn = () => new Promise<void>((done) => setImmediate(done));
  const groupSizes = () => {
    const sizes: number[] = [];
    queue.onBatch = (size) => sizes.push(size);
    return sizes;
  };

  it("commits a group at the end of its turn when no connection is being accepted", async () => {
    const sizes = groupSizes();
    const writes: Array<Promise<unknown>> = [];
    for (let v = 1; v <= 4; v++) {
      writes.push(queue.run(() => insert(v)));
      await nextTurn();
    }
    await Promise.all(writes);
    expect(sizes).toEqual([1, 1, 1, 1]);
  });

  it("holds a group while connections are accepted turn after turn (a connect storm), so their writes join it", async () => {
    const sizes = groupSizes();
    const writes: Array<Promise<unknown>> = [];
    // As Node's listener under a storm: one connection a turn, each bringing a write.
    for (let v = 1; v <= 4; v++) {
      noteConnectionAccepted();
      writes.push(queue.run(() => insert(v)));
      await nextTurn();
    }
    await Promise.all(writes);
    expect(sizes).toEqual([4]);
    expect(committed()).toEqual([1, 2, 3, 4]);
  });

  it("commits a held group even while connections keep coming", async () => {
    let done = false;
    const write = queue.run(() => insert(1)).finally(() => (done = true));
    while (!done) {
      noteConnectionAccepted();
      await nextTurn();
    }
    await write;
    expect(committed()).toEqual([1]);
  });

  it("commits at most MAX_GROUP_WRITES writes at once (a group's commit blocks the event loop), the rest next, in order", async () => {
    const sizes = groupSizes();
    const count = MAX_GROUP_WRITES + 3;
    const order: number[] = [];
    await Promise.all(Array.from({ length: count }, (_, i) => queue.run(() => (insert(i), order.push(i)))));
    expect(sizes).toEqual([MAX_GROUP_WRITES, 3]);
    expect(order).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(committed()).toHaveLength(count);
  });
});
