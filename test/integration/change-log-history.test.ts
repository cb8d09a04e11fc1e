/**
 * The compact change log read back: for a long random run of item, note and status writes
 * (edits, deletes, items deleted with their notes), every item change that readChanges gives
 * is the item exactly as GetItem showed it right after that write, notes included, whatever
 * revision the read starts from and however it is paged. Both stores.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ChangeRecord, ItemView } from "../../server/domain.js";
import { newId } from "../../server/ids.js";
import type { PostgresStore } from "../../server/store/postgres/postgres-store.js";
import type { Store } from "../../server/store/store.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { seededRandom } from "../helpers/watch.js";

const WRITES = 250;

/** Runs random writes; returns, per revision that logged an item, the item as GetItem gave it then. */
async function randomRun(store: Store): Promise<Map<number, ItemView>> {
  const random = seededRandom(42);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const at = () => new Date();
  const statuses = [
    await store.addStatus({ id: newId(), name: "A", description: "", color: "#000000", kind: 1, created: at(), updated: at() }),
    await store.addStatus({ id: newId(), name: "B", description: "", color: "#FFFFFF", kind: 2, created: at(), updated: at() }),
  ];
  const items: string[] = [];
  const notes = new Map<string, string[]>();
  const expected = new Map<number, ItemView>();
  const record = async (itemIds: string[]) => {
    const { latest } = await store.changeLogBounds();
    // The write's item changes are its newest revisions, one per item, in the given order.
    for (const [k, id] of itemIds.entries()) expected.set(latest - itemIds.length + 1 + k, (await store.getItem(id, true))!);
  };
  for (let n = 0; n < WRITES; n++) {
    const r = random();
    if (items.length < 3 || r < 0.12) {
      const id = newId();
      await store.addItem({
        id,
        name: `item ${n}`,
        description: "",
        statusId: pick(statuses).id,
        created: at(),
        ...(random() < 0.5 ? { initialNote: { id: newId(), itemId: id, text: `first ${n}`, created: at(), updated: at() } } : {}),
      });
      items.push(id);
      notes.set(
        id,
        (await store.listNotes(id)).map((x) => x.id),
      );
      await record([id]);
    } else if (r < 0.45) {
      const item = pick(items);
      const note = await store.addNote({ id: newId(), itemId: item, text: `note ${n}`, created: at(), updated: at() });
      notes.get(item)!.push(note.id);
      await record([item]);
    } else if (r < 0.6) {
      const item = pick(items.filter((i) => notes.get(i)!.length > 0).concat(items[0]!));
      const list = notes.get(item)!;
      if (list.length === 0) continue;
      await store.updateNote(pick(list), `edited ${n}`, at());
      await record([item]);
    } else if (r < 0.72) {
      const item = pick(items);
      const list = notes.get(item)!;
      if (list.length === 0) continue;
      const id = pick(list);
      await store.deleteNote(id, at());
      list.splice(list.indexOf(id), 1);
      await record([item]);
    } else if (r < 0.82) {
      const item = pick(items);
      await store.updateItem(item, { description: `described ${n}`, statusId: pick(statuses).id, updated: at() });
      await record([item]);
    } else if (r < 0.9) {
      const status = pick(statuses);
      await store.updateStatus(status.id, { color: random() < 0.5 ? "#123456" : "#654321", updated: at() });
      const showing = (await store.listItems({ statusIds: [status.id], kinds: [], withNotes: false })).map((i) => i.id);
      await record(showing);
    } else {
      const item = items.splice(Math.floor(random() * items.length), 1)[0]!;
      await store.deleteItem(item);
    }
  }
  return expected;
}

async function readAll(store: Store, after: number, page: number): Promise<ChangeRecord[]> {
  const out: ChangeRecord[] = [];
  for (;;) {
    const changes = await store.readChanges(after, page);
    if (changes.length === 0) return out;
    out.push(...changes);
    after = changes.at(-1)!.revision;
  }
}

async function check(store: Store) {
  const expected = await randomRun(store);
  const { latest } = await store.changeLogBounds();
  for (const [after, page] of [
    [0, 1_000],
    [0, 7],
    [Math.floor(latest / 3), 13],
    [Math.floor((2 * latest) / 3), 1],
  ] as const) {
    const changes = await readAll(store, after, page);
    expect(changes.map((c) => c.revision)).toEqual(Array.from({ length: latest - after }, (_, k) => after + 1 + k));
    let compared = 0;
    for (const change of changes) {
      if (change.kind !== "item_upsert") continue;
      const want = expected.get(change.revision);
      expect(want, `an item change at ${change.revision} that no write made`).toBeDefined();
      expect(change.item, `revision ${change.revision}, reading after ${after} by ${page}`).toEqual(want);
      compared++;
    }
    expect(compared).toBe([...expected.keys()].filter((r) => r > after).length);
  }
}

describe("SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "statusthing-log-history-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`gives every item change of ${WRITES} random writes with its notes as they were then`, async () => {
    const store = new SqliteStore({ path: join(dir, "statusthing.db") });
    try {
      await check(store);
    } finally {
      await store.close();
    }
  }, 60_000);
});

const describePg = await describeWithPostgres("the change-log history test");
describePg("PostgreSQL", () => {
  let schemas: TestSchemas;
  let store: PostgresStore | undefined;
  afterAll(async () => {
    await store?.close();
    await schemas?.dropAll();
  });

  it(`gives every item change of ${WRITES} random writes with its notes as they were then`, async () => {
    schemas = new TestSchemas();
    store = await schemas.open(await schemas.create());
    await check(store);
  }, 90_000);
});
