import pg from "pg";
import * as vitest from "vitest";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../server/app.js";
import type { ChangeRecord, ItemView, StatusRecord, UserRecord } from "../../server/domain.js";
import { DomainError } from "../../server/errors.js";
import { newId } from "../../server/ids.js";
import { createLogger } from "../../server/logger.js";
import { DatabaseTooNewError, migrations } from "../../server/store/postgres/migrations.js";
import type { PostgresStore } from "../../server/store/postgres/postgres-store.js";
import { PgWriteQueue } from "../../server/store/postgres/write-queue.js";
import { postgresUnavailable, redact, TEST_DATABASE_URL, TestSchemas } from "../helpers/postgres.js";
import { waitUntil } from "../helpers/server-process.js";
import { caught, describeStoreContract, newItem, newNote, newStatus, type StoreUnderTest } from "../../server/store/conformance.js";

// In CI PostgreSQL must be there: the tests fail without it. Elsewhere they skip, and say why.
const unavailable = await postgresUnavailable();
const inCi = process.env.CI === "true";
if (unavailable && !inCi) {
  console.warn(`skipping the PostgreSQL store tests: ${unavailable} (set STATUSTHING_TEST_DATABASE_URL to run them)`);
}

describe.runIf(inCi)("PostgreSQL for the store tests", () => {
  it("is reachable (CI sets STATUSTHING_TEST_DATABASE_URL; the tests never skip in CI)", () => {
    // Runs (and passes, or fails saying why) in every CI run, so a skipped suite cannot go unseen.
    expect(unavailable).toBeUndefined();
  });
});

const describePg = unavailable === undefined ? describe : describe.skip;

let schemas: TestSchemas;
beforeAll(() => {
  if (unavailable === undefined) schemas = new TestSchemas();
});
afterAll(async () => {
  await schemas?.dropAll();
});

if (unavailable === undefined) {
  describeStoreContract(
    `PostgresStore (${redact(TEST_DATABASE_URL!)}, a schema per test)`,
    async (): Promise<StoreUnderTest> => {
      const schema = await schemas.create();
      let current = await schemas.open(schema);
      return {
        store: current,
        async reopen() {
          await current.close();
          current = await schemas.open(schema);
          return current;
        },
        async cleanup() {
          await current.close();
          await schemas.drop(schema);
        },
      };
    },
    vitest,
  );
}

/** Every store a test opened, closed after it. */
let opened: PostgresStore[] = [];
async function open(schema: string, options: Parameters<TestSchemas["open"]>[1] = {}): Promise<PostgresStore> {
  const store = await schemas.open(schema, options);
  opened.push(store);
  return store;
}
afterEach(async () => {
  for (const store of opened.reverse()) await store.close();
  opened = [];
});

const T0 = new Date("2024-03-01T10:00:00.000Z");
const allItems = { statusIds: [], kinds: [], withNotes: true } as const;

function user(username: string): UserRecord {
  return {
    id: newId(),
    username,
    firstName: "",
    lastName: "",
    email: "",
    avatarUrl: "",
    passwordHash: "$argon2id$fake",
    mustChangePassword: false,
    lastLogin: undefined,
    created: T0,
    updated: T0,
  };
}

/** Replays a change log into items and statuses by id. */
function replay(changes: readonly ChangeRecord[]): { items: Map<string, ItemView>; statuses: Map<string, StatusRecord> } {
  const items = new Map<string, ItemView>();
  const statuses = new Map<string, StatusRecord>();
  for (const change of changes) {
    if (change.kind === "item_upsert") items.set(change.item.id, change.item);
    else if (change.kind === "item_delete") items.delete(change.id);
    else if (change.kind === "status_upsert") statuses.set(change.status.id, change.status);
    else if (change.kind === "status_delete") statuses.delete(change.id);
  }
  return { items, statuses };
}

/**
 * Follows the log as a replica's hub does (`readChanges(after)`, small batches, in a loop) until
 * `stop()` and the log is drained, and checks every batch: revisions start right after the last
 * one read and go up by one. A revision that became visible after a higher one would show up as
 * a gap here (and be skipped forever by a real reader).
 */
async function follow(store: PostgresStore, stop: () => boolean): Promise<{ changes: ChangeRecord[]; reads: number }> {
  const changes: ChangeRecord[] = [];
  let after = 0;
  let reads = 0;
  for (;;) {
    const finished = stop();
    const batch = await store.readChanges(after, 25);
    reads++;
    for (const change of batch) {
      if (change.revision !== after + 1) throw new Error(`read revision ${change.revision} right after ${after}: revision ${after + 1} was skipped`);
      after = change.revision;
      changes.push(change);
    }
    if (finished && batch.length === 0) return { changes, reads };
    if (batch.length === 0) await new Promise((r) => setTimeout(r, 1));
  }
}

describePg("PostgresStore: migrations", () => {
  it("starts each existing item's status history with its current status at its creation, marked reconstructed", async () => {
    const schema = await schemas.create();
    await schemas.admin.query(`SET search_path TO ${schema}`);
    try {
      await schemas.admin.query(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
      await schemas.admin.query(migrations[0]!);
      await schemas.admin.query("INSERT INTO schema_migrations (version) VALUES (1)");
      await schemas.admin
        .query(`INSERT INTO statuses (id, name, name_key, color, kind, created_at, updated_at) VALUES ('s1', 'Up', 'up', '#00FF00', 1, to_timestamp(1), to_timestamp(1));
        INSERT INTO items (id, name, name_key, status_id, created_at, updated_at) VALUES ('i1', 'api', 'api', 's1', to_timestamp(2), to_timestamp(5)), ('i2', 'web', 'web', NULL, to_timestamp(3), to_timestamp(3));`);
    } finally {
      await schemas.admin.query("SET search_path TO DEFAULT");
    }
    const store = await open(schema);
    expect(await store.recentTransitions(undefined, 10)).toEqual([
      { itemId: "i2", itemName: "web", at: new Date(3000), revision: 0, status: undefined, deleted: false, reconstructed: true },
      { itemId: "i1", itemName: "api", at: new Date(2000), revision: 0, status: { id: "s1", name: "Up", color: "#00FF00", kind: 1 }, deleted: false, reconstructed: true },
    ]);
    await store.updateItem("i1", { name: "api v2", updated: new Date(6000) });
    expect(await store.recentTransitions("i1", 10)).toHaveLength(1);
  });

  it("brings a fresh schema to the newest version, recording each migration once, and reopens without migrating again", async () => {
    const schema = await schemas.create();
    const first = await open(schema);
    const versions = async () => (await schemas.admin.query<{ version: number }>(`SELECT version FROM ${schema}.schema_migrations ORDER BY version`)).rows.map((r) => r.version);
    expect(await versions()).toEqual(migrations.map((_, i) => i + 1));
    await first.addItem(newItem("kept"));
    await first.close();
    const second = await open(schema);
    expect(await versions()).toEqual(migrations.map((_, i) => i + 1));
    expect((await second.listItems(allItems)).map((i) => i.name)).toEqual(["kept"]);
  });

  it("migrates once when several replicas start at once on a fresh schema", async () => {
    const schema = await schemas.create();
    const stores = await Promise.all([open(schema), open(schema), open(schema)]);
    const { rows } = await schemas.admin.query(`SELECT version FROM ${schema}.schema_migrations`);
    expect(rows).toHaveLength(migrations.length);
    await stores[0]!.addStatus(newStatus("Up"));
    expect((await stores[2]!.listStatuses([])).map((s) => s.name)).toEqual(["Up"]);
  });

  it("refuses a database from a newer StatusThing, says so, and leaves its schema as it was", async () => {
    const schema = await schemas.create();
    const future = migrations.length + 1;
    await schemas.admin.query(`CREATE TABLE ${schema}.schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    await schemas.admin.query(`INSERT INTO ${schema}.schema_migrations (version) SELECT generate_series(1, ${future})`);
    await schemas.admin.query(`CREATE TABLE ${schema}.from_the_future (x integer)`);

    const error = await caught(() => open(schema));
    expect(error).toBeInstanceOf(DatabaseTooNewError);
    expect((error as Error).message).toMatch(/newer/i);
    expect((error as Error).message).toContain(String(future));

    const tables = await schemas.admin.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", [schema]);
    expect(tables.rows.map((r) => r.table_name)).toEqual(["from_the_future", "schema_migrations"]);
  });

  it("sets a statement timeout on its connections", async () => {
    const store = await open(await schemas.create(), { statementTimeoutMs: 1_234 });
    expect((await store.pool.query("SHOW statement_timeout")).rows[0].statement_timeout).toBe("1234ms");
    const error = await caught(() => store.pool.query("SELECT pg_sleep(3)"));
    expect((error as Error).message).toMatch(/statement timeout/);
    await expect((await open(await schemas.create())).pool.query("SHOW statement_timeout")).resolves.toMatchObject({ rows: [{ statement_timeout: "30s" }] });
  });
});

describePg("PostgresStore: two replicas starting at once", () => {
  const DEFAULTS = () => [newStatus("UP", { kind: 1 }), newStatus("DOWN", { kind: 2 }), newStatus("WARNING", { kind: 3 })];

  it("seeds the default statuses exactly once, even when both seed at the same moment", async () => {
    const schema = await schemas.create();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    await Promise.all([a!.seedDefaultStatuses(DEFAULTS()), b!.seedDefaultStatuses(DEFAULTS()), a!.seedDefaultStatuses(DEFAULTS())]);
    expect((await a!.listStatuses([])).map((s) => s.name)).toEqual(["UP", "DOWN", "WARNING"]);
    expect((await b!.readChanges(0, 100)).map((c) => c.revision)).toEqual([1, 2, 3]);
  });

  it("makes exactly one first user when both try at once", async () => {
    const schema = await schemas.create();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    const made = await Promise.all([a!.accounts.addFirstUser(user("admin")), b!.accounts.addFirstUser(user("admin2")), b!.accounts.addFirstUser(user("admin3"))]);
    expect(made.filter(Boolean)).toHaveLength(1);
    expect(await a!.accounts.listUsers()).toHaveLength(1);
  });

  it("gives a name to only one of two replicas that take it at once", async () => {
    const schema = await schemas.create();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    const results = await Promise.allSettled([a!.addStatus(newStatus("Degraded")), b!.addStatus(newStatus(" degraded "))]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failure = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((failure.reason as DomainError).kind).toBe("already_exists");
  });

  it("counts login attempts across replicas: no more than the limit get through, however many arrive at once", async () => {
    const schema = await schemas.create();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    const since = new Date(Date.now() - 60_000);
    const attempts = Array.from({ length: 24 }, (_, i) =>
      (i % 2 ? a! : b!).accounts.takeLoginAttempt(
        [
          { key: "user:alice", limit: 5 },
          { key: `addr:10.0.0.${i % 3}`, limit: 100 },
        ],
        new Date(),
        since,
      ),
    );
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r.refused === undefined)).toHaveLength(5);
    expect(results.filter((r) => r.refused === "user:alice")).toHaveLength(19);
  });

  it("clears login failures by key prefix, and only those", async () => {
    const schema = await schemas.create();
    const [a] = await Promise.all([open(schema)]);
    const since = new Date(Date.now() - 60_000);
    for (const key of ["ua:alice|10.0.0.1|0", "ua:alice|10.0.0.2|1", "ua:alicex|10.0.0.1|0"]) {
      expect((await a!.accounts.takeLoginAttempt([{ key, limit: 1 }], new Date(), since)).refused).toBeUndefined();
    }
    await a!.accounts.clearLoginFailuresByPrefix(["ua:alice|"]);
    expect((await a!.accounts.takeLoginAttempt([{ key: "ua:alice|10.0.0.1|0", limit: 1 }], new Date(), since)).refused).toBeUndefined();
    expect((await a!.accounts.takeLoginAttempt([{ key: "ua:alice|10.0.0.2|1", limit: 1 }], new Date(), since)).refused).toBeUndefined();
    expect((await a!.accounts.takeLoginAttempt([{ key: "ua:alicex|10.0.0.1|0", limit: 1 }], new Date(), since)).refused).toBe("ua:alicex|10.0.0.1|0");
  });

  it("shares sessions: one replica sees a session another created", async () => {
    const schema = await schemas.create();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    const admin = user("admin");
    await a!.accounts.addUser(admin);
    await a!.accounts.createSession({ id: "s1", userId: admin.id, expiresAt: new Date(Date.now() + 60_000), created: T0 });
    expect(await b!.accounts.getSession("s1")).toMatchObject({ session: { id: "s1", userId: admin.id }, user: { username: "admin" } });
  });
});

describePg("PostgresStore: change log across replicas", () => {
  it("numbers every change in one sequence, in commit order, with none skipped by a reader following the log", async () => {
    const schema = await schemas.create();
    const [a, b, reader] = await Promise.all([open(schema), open(schema), open(schema)]);
    const up = await a!.addStatus(newStatus("Up"));
    let writing = true;
    const following = follow(reader!, () => !writing);
    following.catch(() => {}); // awaited below; a failure must not surface early as unhandled
    // Concurrent writers on two replicas: each replica groups its writes into transactions, and
    // the two replicas' transactions race for the log.
    const writers = Array.from({ length: 12 }, async (_, w) => {
      const store = w % 2 ? a! : b!;
      for (let n = 0; n < 12; n++) {
        const item = await store.addItem(newItem(`w${w}-${n}`, { statusId: up.id }));
        await store.addNote(newNote(item.id, `note ${n}`));
        if (n % 4 === 0) await store.updateStatus(up.id, { description: `w${w} round ${n}`, updated: new Date() });
        if (n % 5 === 0) await store.deleteItem(item.id);
      }
    });
    await Promise.all(writers).finally(() => (writing = false));
    const { changes, reads } = await following;
    expect(reads).toBeGreaterThan(5);
    const latest = (await a!.changeLogBounds()).latest;
    expect(changes.map((c) => c.revision)).toEqual(Array.from({ length: latest }, (_, i) => i + 1));
    // The log replays to exactly what the tables hold.
    const replayed = replay(changes);
    const snapshot = await b!.snapshot();
    expect(snapshot.revision).toBe(latest);
    const byId = <T extends { id: string }>(x: T, y: T) => (x.id < y.id ? -1 : 1);
    expect([...replayed.items.values()].sort(byId)).toEqual([...snapshot.items].sort(byId));
    expect([...replayed.statuses.values()].sort(byId)).toEqual([...snapshot.statuses].sort(byId));
  });

  it("never lets a transaction that commits late with a lower revision be skipped", async () => {
    const schema = await schemas.create();
    const [a, b, reader] = await Promise.all([open(schema), open(schema), open(schema)]);
    // A write on replica A that logs a change and then stays open a while before committing.
    const slow = new PgWriteQueue(a!.pool, (await a!.pool.query("SELECT hashtextextended($1, 0)::text AS k", [`statusthing:${schema}:changes`])).rows[0].k);
    let writing = true;
    const following = follow(reader!, () => !writing);
    following.catch(() => {}); // awaited below; a failure must not surface early as unhandled
    const events: string[] = [];
    const slowWrite = slow.run(async (tx) => {
      tx.log({ kind: "status_delete", id: "slow" });
      events.push("slow write holds the log");
      await tx.client.query("SELECT pg_sleep(0.3)");
    });
    await waitUntil(() => events.length > 0, 5_000, "the slow write to start");
    // Replica B writes meanwhile: its changes must come after the slow one's, never before it.
    const fast = Promise.all(Array.from({ length: 5 }, (_, i) => b!.addStatus(newStatus(`fast ${i}`)).then(() => events.push(`fast ${i}`))));
    await Promise.all([slowWrite, fast]).finally(() => (writing = false));
    const { changes } = await following;
    expect(changes[0]).toEqual({ revision: 1, kind: "status_delete", id: "slow" });
    expect(changes.map((c) => c.revision)).toEqual([1, 2, 3, 4, 5, 6]);
    await slow.close();
  });

  it("rings the doorbell on replica B for a write made on replica A, and B reads it from the log", async () => {
    const schema = await schemas.create();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    let rings = 0;
    const unsubscribe = b!.subscribeChanges(() => rings++);
    // The first ring says "listening now": catch up on whatever came before.
    await waitUntil(() => rings === 1, 5_000, "the subscription to start listening");
    const started = Date.now();
    const status = await a!.addStatus(newStatus("Up"));
    await waitUntil(() => rings >= 2, 5_000, "a notification of A's write on B");
    // Loose on purpose (no timed test may flake): only NOTIFY, not a periodic re-check, is this quick.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await b!.readChanges(0, 10)).toEqual([{ revision: 1, kind: "status_upsert", status }]);
    // A failed write commits nothing and rings nothing.
    const before = rings;
    await expect(a!.addStatus(newStatus("UP"))).rejects.toBeInstanceOf(DomainError);
    await new Promise((r) => setTimeout(r, 100));
    expect(rings).toBe(before);
    unsubscribe();
    expect(b!.listenerBackendPid).toBeUndefined();
  });

  // Held back, the answer to A's COMMIT comes after the doorbell it sent: A must still know it as its own.
  it.each([
    ["", false],
    [", even when its doorbell arrives before COMMIT's answer does", true],
  ])("does not ring a replica for its own commits (its onCommit hooks ran already), but does for another's%s", async (_, holdCommitAnswers) => {
    const schema = await schemas.create();
    const [a, b] = await Promise.all([open(schema), open(schema)]);
    let heldAnswers = 0;
    if (holdCommitAnswers) {
      const writePool = (a as unknown as { writePool: pg.Pool }).writePool;
      writePool.on("acquire", (client) => {
        const patched = client as pg.PoolClient & { commitHeld?: true };
        if (patched.commitHeld) return;
        patched.commitHeld = true;
        const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        (client as { query: unknown }).query = async (...args: unknown[]) => {
          if (args[0] !== "COMMIT") return query(...args);
          const answer = await query(...args);
          await new Promise((r) => setTimeout(r, 300));
          heldAnswers++;
          return answer;
        };
      });
    }
    let rings = 0;
    let commits = 0;
    a!.onCommit(() => commits++);
    const unsubscribe = a!.subscribeChanges(() => rings++);
    await waitUntil(() => rings === 1, 5_000, "the subscription to start listening");
    await a!.addStatus(newStatus("mine"));
    expect(heldAnswers).toBe(holdCommitAnswers ? 1 : 0);
    expect(commits).toBe(1);
    await b!.addStatus(newStatus("theirs"));
    // A's own doorbell rang nothing; B's rings once.
    await waitUntil(() => rings >= 2, 5_000, "B's doorbell on A");
    await new Promise((r) => setTimeout(r, 200));
    expect(rings).toBe(2);
    expect(commits).toBe(1);
    unsubscribe();
  });

  it("does not ring a StatusThing in another schema of the same database", async () => {
    const [mine, other] = await Promise.all([schemas.create(), schemas.create()]);
    const [a, b, elsewhere] = await Promise.all([open(mine), open(mine), open(other)]);
    let rings = 0;
    let foreignRings = 0;
    const unsubscribe = [b!.subscribeChanges(() => rings++), elsewhere!.subscribeChanges(() => foreignRings++)];
    await waitUntil(() => rings === 1 && foreignRings === 1, 5_000, "both listening");
    await a!.addStatus(newStatus("Up"));
    await waitUntil(() => rings >= 2, 5_000, "a notification of A's write on B");
    // Give a stray notification as long as the real one took, and more.
    await new Promise((r) => setTimeout(r, 300));
    expect(foreignRings).toBe(1);
    for (const stop of unsubscribe) stop();
  });

  it("reconnects when its listening connection is terminated, rings once back, and keeps ringing", async () => {
    const schema = await schemas.create();
    const [a, b] = await Promise.all([open(schema), open(schema, { listenBackoff: { minMs: 20, maxMs: 200 } })]);
    let rings = 0;
    b!.subscribeChanges(() => rings++);
    await waitUntil(() => rings === 1 && b!.listenerBackendPid !== undefined, 5_000, "listening");
    const pid = b!.listenerBackendPid!;
    // Writes made while B's listener is down: their notifications are lost, the log is not.
    const { rows } = await schemas.admin.query<{ done: boolean }>("SELECT pg_terminate_backend($1) AS done", [pid]);
    expect(rows[0]!.done).toBe(true);
    await a!.addStatus(newStatus("while away"));
    await waitUntil(() => rings >= 2 && b!.listenerBackendPid !== undefined, 5_000, "the listener to reconnect and ring");
    expect(b!.listenerBackendPid).not.toBe(pid);
    const ringsBack = rings;
    await a!.addStatus(newStatus("after"));
    await waitUntil(() => rings > ringsBack, 5_000, "a notification after reconnecting");
    expect((await b!.readChanges(0, 10)).map((c) => c.revision)).toEqual([1, 2]);
  });

  it("keeps working when its pooled connections are terminated", async () => {
    const schema = await schemas.create();
    const store = await open(schema);
    await store.addStatus(newStatus("before"));
    const pids = (await store.pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows.map((r) => r.pid);
    await schemas.admin.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", [pids]);
    await new Promise((r) => setTimeout(r, 50));
    // The pool drops the dead connection; the next reads and writes get a fresh one.
    await expect(store.addStatus(newStatus("after"))).resolves.toMatchObject({ name: "after" });
    expect((await store.listStatuses([])).map((s) => s.name)).toEqual(["before", "after"]);
  });
});

describePg("PostgresStore: group commit's round trips", () => {
  /** Twenty items with status Up, the first with a note, in a fresh store. */
  async function twentyItems(): Promise<{ store: PostgresStore; status: StatusRecord; items: ItemView[] }> {
    const store = await schemas.open(await schemas.create());
    const status = await store.addStatus(newStatus("Up"));
    const items: ItemView[] = [];
    for (let i = 0; i < 20; i++) items.push(await store.addItem(newItem(`item ${i}`, { statusId: status.id })));
    await store.addNote(newNote(items[0]!.id, "first"));
    return { store, status, items };
  }

  /** Every statement sent on any connection while `work` runs, counted at the driver (the store is its only user). */
  async function countStatements<T>(work: () => Promise<T>): Promise<{ value: T; statements: number }> {
    let statements = 0;
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      statements++;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query;
    try {
      return { value: await work(), statements };
    } finally {
      pg.Client.prototype.query = query;
    }
  }

  it("runs a group's UpdateItems as one statement: five per group (BEGIN and the lock, the updates, the group's log, the outbox, COMMIT)", async () => {
    const { store, status, items } = await twentyItems();
    try {
      const sizes: number[] = [];
      store.observeWrites((size) => sizes.push(size));
      const { value: updated, statements } = await countStatements(() =>
        Promise.all(items.map((item, i) => store.updateItem(item.id, { description: `write ${i}`, updated: new Date() }))),
      );
      expect(updated.map((item) => item.description)).toEqual(items.map((_, i) => `write ${i}`));
      // The item as the write left it, with its status and notes.
      expect(updated[0]!.notes?.map((note) => note.text)).toEqual(["first"]);
      expect(updated[0]!.status?.id).toBe(status.id);
      expect(sizes).toEqual([20]);
      expect(statements).toBe(5);
    } finally {
      await store.close();
    }
  });

  it("updates an item twice in one group in order: a second statement, each write's item and change as after its own update", async () => {
    const { store, items } = await twentyItems();
    try {
      const down = await store.addStatus(newStatus("Down"));
      const { latest } = await store.changeLogBounds();
      const [a, b] = [items[1]!.id, items[2]!.id];
      const { value: updated, statements } = await countStatements(() =>
        Promise.all([
          store.updateItem(a, { description: "a1", updated: new Date() }),
          store.updateItem(b, { description: "b1", updated: new Date() }),
          store.updateItem(a, { statusId: down.id, updated: new Date() }),
          store.updateItem(a, { description: "a3", updated: new Date() }),
        ]),
      );
      expect(statements).toBe(4 + 3);
      expect(updated.map((item) => [item.id, item.description, item.status?.name])).toEqual([
        [a, "a1", "Up"],
        [b, "b1", "Up"],
        [a, "a1", "Down"],
        [a, "a3", "Down"],
      ]);
      const changes = await store.readChanges(latest, 10);
      expect(changes.map((c) => (c.kind === "item_upsert" ? [c.revision, c.item.description, c.item.status?.name] : c.kind))).toEqual([
        [latest + 1, "a1", "Up"],
        [latest + 2, "b1", "Up"],
        [latest + 3, "a1", "Down"],
        [latest + 4, "a3", "Down"],
      ]);
      // One transition: a's move to Down, at its change's revision.
      const history = await store.transitionsAfter(latest);
      expect(history.map((t) => [t.itemId, t.status?.name, t.revision])).toEqual([[a, "Down", latest + 3]]);
    } finally {
      await store.close();
    }
  });

  it("gives a failing UpdateItem of a group its own error and commits the others", async () => {
    const { store, items } = await twentyItems();
    try {
      const { latest } = await store.changeLogBounds();
      const results = await Promise.allSettled([
        store.updateItem(items[0]!.id, { description: "kept 0", updated: new Date() }),
        store.updateItem("no-such-item", { description: "lost", updated: new Date() }),
        store.updateItem(items[1]!.id, { statusId: "no-such-status", updated: new Date() }),
        store.updateItem(items[2]!.id, { description: "kept 2", updated: new Date() }),
      ]);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
      // The errors each write gets alone.
      const missingItem = await caught(() => store.updateItem("no-such-item", { description: "lost", updated: new Date() }));
      const missingStatus = await caught(() => store.updateItem(items[1]!.id, { statusId: "no-such-status", updated: new Date() }));
      expect(missingItem).toBeInstanceOf(DomainError);
      expect(missingStatus).toBeInstanceOf(DomainError);
      expect((results[1] as PromiseRejectedResult).reason).toEqual(missingItem);
      expect((results[2] as PromiseRejectedResult).reason).toEqual(missingStatus);
      const changes = await store.readChanges(latest, 10);
      expect(changes.map((c) => (c.kind === "item_upsert" ? [c.revision, c.item.description] : c.kind))).toEqual([
        [latest + 1, "kept 0"],
        [latest + 2, "kept 2"],
      ]);
    } finally {
      await store.close();
    }
  });

  it("commits nothing, and says so, when the outbox's statement (sent with COMMIT) fails", async () => {
    const schema = await schemas.create();
    const store = await schemas.open(schema);
    try {
      const up = await store.addStatus(newStatus("Up"));
      const down = await store.addStatus(newStatus("Down"));
      const items = [await store.addItem(newItem("boom", { statusId: up.id })), await store.addItem(newItem("calm", { statusId: up.id }))];
      // From now on the outbox refuses any event about "boom": the group's last statement before COMMIT fails.
      await schemas.admin.query(
        `CREATE FUNCTION ${schema}.refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.data LIKE '%boom%' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`,
      );
      await schemas.admin.query(`CREATE TRIGGER refuse_boom BEFORE INSERT ON ${schema}.outbox_events FOR EACH ROW EXECUTE FUNCTION ${schema}.refuse_boom()`);
      const { latest } = await store.changeLogBounds();
      const results = await Promise.allSettled(items.map((item) => store.updateItem(item.id, { statusId: down.id, updated: new Date() })));
      // The group's log and outbox fail for all its writes (the careful run fails the same way).
      expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
      expect((await store.changeLogBounds()).latest).toBe(latest);
      expect((await store.getItem(items[1]!.id, false))?.status?.name).toBe("Up");
      // The write connection goes on: a write that makes no event about "boom" commits.
      await expect(store.updateItem(items[1]!.id, { statusId: down.id, updated: new Date() })).resolves.toMatchObject({ status: { name: "Down" } });
      expect((await store.changeLogBounds()).latest).toBe(latest + 1);
    } finally {
      await store.close();
    }
  });

  it("runs a rename on its own, so a taken name fails as it would one write after another", async () => {
    const { store, items } = await twentyItems();
    try {
      // In order: item 0 takes item 1's name while item 1 still has it (fails), then item 1 is renamed.
      const results = await Promise.allSettled([
        store.updateItem(items[0]!.id, { name: "item 1", updated: new Date() }),
        store.updateItem(items[1]!.id, { name: "renamed", updated: new Date() }),
        store.updateItem(items[2]!.id, { description: "kept", updated: new Date() }),
      ]);
      expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
      expect((await store.getItem(items[0]!.id, false))?.name).toBe("item 0");
    } finally {
      await store.close();
    }
  });
});

describePg("PostgresStore: an app on each replica", () => {
  let apps: App[] = [];
  afterEach(async () => {
    for (const app of apps) {
      app.beginShutdown();
      await app.close();
    }
    apps = [];
  });

  it("feeds replica B's watchers (its hub) with a write made through replica A's app", async () => {
    const schema = await schemas.create();
    const logger = createLogger("silent");
    const [a, b] = await Promise.all([schemas.open(schema), schemas.open(schema)]);
    const appA = await createApp({ store: a, logger, adminPassword: "correct horse battery" });
    const appB = await createApp({ store: b, logger, adminPassword: "correct horse battery" });
    apps.push(appA, appB);
    // Both started on one database: one admin, the defaults seeded once.
    expect(await b.accounts.listUsers()).toHaveLength(1);
    expect((await b.listStatuses([])).length).toBe(3);
    const before = appB.hub.currentRevision;
    const started = Date.now();
    await a.addStatus(newStatus("made on A"));
    await waitUntil(() => appB.hub.currentRevision === before + 1, 5_000, "replica B's hub to see A's write");
    // Loose on purpose (no timed test may flake): only NOTIFY, not a periodic re-check, is this quick.
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
