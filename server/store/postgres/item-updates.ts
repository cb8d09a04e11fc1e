/**
 * UpdateItem on PostgreSQL: one item's update, or a group's run of them in one statement
 * (#13: while the log's lock is held, each round trip delays every writer behind it).
 */
import type { PoolClient } from "pg";
import type { ItemView, NoteRecord } from "../../domain.js";
import { toItem, toNote, type ItemRow } from "../sql/rows.js";
import type { ItemPatch } from "../store.js";
import { PG } from "./statements.js";
import type { BatchedWrites, WriteTx } from "./write-queue.js";

/** A row of PG.updateItemReturning or PG.updateItemsReturning: the item, its status and its notes. */
export type UpdatedItemRow = ItemRow & ItemNotesColumns;

/** The notes of an item as the update statements give them: one array per column, in creation order. */
interface ItemNotesColumns {
  id: string;
  note_ids: string[];
  note_texts: string[];
  note_created: Date[];
  note_updated: Date[];
}

/** The item, with its notes, that an update statement returned. */
export function updatedItem(row: UpdatedItemRow): ItemView {
  const notes: NoteRecord[] = row.note_ids.map((id, i) =>
    toNote({ id, item_id: row.id, text: row.note_texts[i]!, created_at: row.note_created[i]!, updated_at: row.note_updated[i]! }),
  );
  return toItem(row, notes);
}

/** One UpdateItem, as the store takes it. */
export interface ItemUpdate {
  id: string;
  patch: ItemPatch;
}

/**
 * Whether an update may run with others in one statement. A rename may not: a unique name is
 * checked row by row as the statement goes, in no set order, so two renames in one statement
 * could both pass where the second, run after the first, must fail.
 */
export function batchable(update: ItemUpdate): boolean {
  return update.patch.name === undefined;
}

/**
 * A group's consecutive UpdateItems in one statement per run of distinct items (an UPDATE changes
 * a row once, so an item updated twice starts a new run). Each write's item is then logged by
 * `logUpdated`, in the writes' order, as it would be after its own statement.
 */
export function itemUpdatesTogether(logUpdated: (tx: WriteTx, item: ItemView) => void): BatchedWrites<ItemUpdate> {
  return {
    async runAll(tx, updates) {
      const items: ItemView[] = [];
      for (const run of distinctRuns(updates)) {
        const byId = await updateAll(tx.client, run);
        for (const { id } of run) {
          const item = byId.get(id);
          // Not found, or so the write alone will say (a missing item fails the group's try).
          if (!item) throw new Error(`item ${id} was not updated`);
          logUpdated(tx, item);
          items.push(item);
        }
      }
      return items;
    },
  };
}

/** `updates` cut into consecutive runs in which no item comes twice. */
export function distinctRuns(updates: readonly ItemUpdate[]): ItemUpdate[][] {
  const runs: ItemUpdate[][] = [];
  let ids = new Set<string>();
  for (const update of updates) {
    if (runs.length === 0 || ids.has(update.id)) {
      runs.push([]);
      ids = new Set();
    }
    runs[runs.length - 1]!.push(update);
    ids.add(update.id);
  }
  return runs;
}

async function updateAll(client: PoolClient, run: readonly ItemUpdate[]): Promise<Map<string, ItemView>> {
  const { rows } = await client.query<UpdatedItemRow>({
    name: "statusthing_update_items",
    text: PG.updateItemsReturning,
    values: [run.map((u) => u.id), run.map((u) => u.patch.description ?? null), run.map((u) => u.patch.statusId ?? null), run.map((u) => u.patch.updated)],
  });
  return new Map(rows.map((row) => [row.id, updatedItem(row)]));
}
