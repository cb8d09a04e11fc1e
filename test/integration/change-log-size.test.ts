/**
 * The change log grows with what changed, not with the size of what it belongs to: in both
 * stores, each status change of an item with 40 notes of 5 KB adds a few hundred bytes to the
 * log table (it was over 200 KB, the item with every note), and readChanges still gives the
 * whole item with its notes as they were at each revision.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { ItemView } from "../../server/domain.js";
import { newId } from "../../server/ids.js";
import type { PostgresStore } from "../../server/store/postgres/postgres-store.js";
import type { Store } from "../../server/store/store.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";

const NOTES = 40;
const NOTE_TEXT = "n".repeat(5_000);
const STATUS_CHANGES = 30;
const MAX_BYTES_PER_CHANGE = 5_000;

/** Writes an item with 40 long notes, then changes its status 30 times; returns log bytes per status change. */
async function measure(store: Store, logBytes: () => Promise<number>): Promise<{ perChange: number; perNote: number; last: ItemView }> {
  const at = () => new Date();
  const up = await store.addStatus({ id: newId(), name: "Up", description: "", color: "#00FF00", kind: 1, created: at(), updated: at() });
  const down = await store.addStatus({ id: newId(), name: "Down", description: "", color: "#FF0000", kind: 2, created: at(), updated: at() });
  const item = await store.addItem({ id: newId(), name: "API", description: "the public API", statusId: up.id, created: at() });
  const beforeNotes = await logBytes();
  for (let n = 0; n < NOTES; n++) await store.addNote({ id: newId(), itemId: item.id, text: `${n} ${NOTE_TEXT}`, created: at(), updated: at() });
  const perNote = ((await logBytes()) - beforeNotes) / NOTES;

  const before = await logBytes();
  const since = (await store.changeLogBounds()).latest;
  for (let k = 0; k < STATUS_CHANGES; k++) {
    // Half the changes move the item between statuses, half recolor the status it shows.
    if (k % 2 === 0) await store.updateItem(item.id, { statusId: k % 4 === 0 ? down.id : up.id, updated: at() });
    else await store.updateStatus(k % 4 === 1 ? down.id : up.id, { color: k % 3 === 0 ? "#123456" : "#654321", updated: at() });
  }
  const perChange = ((await logBytes()) - before) / STATUS_CHANGES;
  const changes = await store.readChanges(since, 1_000);
  const itemChanges = changes.filter((c) => c.kind === "item_upsert");
  expect(itemChanges).toHaveLength(STATUS_CHANGES);
  const last = itemChanges.at(-1)!;
  if (last.kind !== "item_upsert") throw new Error("unreachable");
  return { perChange, perNote, last: last.item };
}

function expectSmall(result: { perChange: number; perNote: number; last: ItemView }, label: string) {
  console.log(`${label}: ${Math.round(result.perChange)} bytes of log per status change, ${Math.round(result.perNote)} per added 5 KB note`);
  expect(result.perChange).toBeLessThan(MAX_BYTES_PER_CHANGE);
  // A note event holds that note, not the item's others.
  expect(result.perNote).toBeLessThan(NOTE_TEXT.length + 2_000);
  // What readChanges gives is still the whole item, every note included.
  expect(result.last.notes).toHaveLength(NOTES);
  expect(result.last.notes!.every((n, i) => n.text === `${i} ${NOTE_TEXT}`)).toBe(true);
}

describe("SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "statusthing-log-size-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`logs under ${MAX_BYTES_PER_CHANGE} bytes per status change of an item with ${NOTES} notes of 5 KB`, async () => {
    const store = new SqliteStore({ path: join(dir, "statusthing.db") });
    try {
      const bytes = async () => store.db.prepare("SELECT coalesce(sum(length(CAST(payload AS BLOB)) + length(kind) + length(entity_id)), 0) FROM changes").pluck().get() as number;
      expectSmall(await measure(store, bytes), "SQLite");
    } finally {
      await store.close();
    }
  }, 60_000);
});

const describePg = await describeWithPostgres("the change-log size test");
describePg("PostgreSQL", () => {
  let schemas: TestSchemas;
  let store: PostgresStore | undefined;
  afterAll(async () => {
    await store?.close();
    await schemas?.dropAll();
  });

  it(`logs under ${MAX_BYTES_PER_CHANGE} bytes per status change of an item with ${NOTES} notes of 5 KB`, async () => {
    schemas = new TestSchemas();
    const schema = await schemas.create();
    store = await schemas.open(schema);
    const bytes = async () => {
      const { rows } = await schemas.admin.query<{ bytes: string }>(
        `SELECT coalesce(sum(octet_length(payload) + octet_length(kind) + octet_length(entity_id)), 0) AS bytes FROM ${schema}.changes`,
      );
      return Number(rows[0]!.bytes);
    };
    expectSmall(await measure(store, bytes), "PostgreSQL");
  }, 60_000);
});
