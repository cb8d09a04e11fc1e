import type { Pool, PoolClient } from "pg";
import type { GroupRecord, ItemView } from "../../domain.js";
import { notFound } from "../../errors.js";
import { placeAt, type GroupPatch, type GroupStore, type NewGroup } from "../group-store.js";
import { rethrowConflict } from "../sql/conflicts.js";
import { GROUP_SQL, groupPatchValues, groupValues, toGroup, type GroupRow, type PlaceRow } from "../sql/group-statements.js";
import { toItem, type ItemRow } from "../sql/rows.js";
import { PG_VALUES, numbered, violatedConstraint } from "./dialect.js";
import { Q } from "./statements.js";
import type { PgWriteQueue, WriteTx } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** The group statements with PostgreSQL placeholders. */
const G = Object.fromEntries(Object.entries(GROUP_SQL).map(([name, sql]) => [name, numbered(sql)])) as { readonly [name in keyof typeof GROUP_SQL]: string };

/**
 * Groups and the page order in PostgreSQL: `PostgresStore.groups`. Its writes go through the
 * store's write queue, so they hold the change log's lock: moves from every replica are serialized.
 */
export class PostgresGroupStore implements GroupStore {
  constructor(
    private readonly pool: Pool,
    private readonly writes: PgWriteQueue,
  ) {}

  async listGroups(): Promise<GroupRecord[]> {
    return (await this.pool.query<GroupRow>(G.listGroups)).rows.map(toGroup);
  }

  async getGroup(id: string): Promise<GroupRecord | undefined> {
    const [row] = (await this.pool.query<GroupRow>(G.getGroup, [id])).rows;
    return row && toGroup(row);
  }

  addGroup(group: NewGroup, audit?: AuditActor): Promise<GroupRecord> {
    return this.writes.run(async (tx) => {
      await withConflicts(group.name, () => tx.client.query(G.insertGroup, groupValues(group, PG_VALUES)));
      return logGroup(tx, group.id);
    }, audit);
  }

  updateGroup(id: string, patch: GroupPatch, audit?: AuditActor): Promise<GroupRecord> {
    return this.writes.run(async (tx) => {
      const { rowCount } = await withConflicts(patch.name, () => tx.client.query(G.updateGroup, groupPatchValues(id, patch, PG_VALUES)));
      if (rowCount === 0) throw notFound("group", id);
      return logGroup(tx, id);
    }, audit);
  }

  deleteGroup(id: string, audit?: AuditActor): Promise<void> {
    return this.writes.run(async (tx) => {
      if (!(await readGroup(tx.client, id))) throw notFound("group", id);
      // Its items go after the ungrouped ones, keeping their order, before the group goes.
      const ungrouped = await idsIn(tx.client, null);
      const members = await idsIn(tx.client, id);
      await renumber(tx, null, [...ungrouped, ...members]);
      await tx.client.query(G.deleteGroup, [id]);
      tx.log({ kind: "group_delete", id });
      await renumberGroups(tx, await groupIds(tx.client));
    }, audit);
  }

  moveItem(itemId: string, groupId: string | undefined, position: number, audit?: AuditActor): Promise<ItemView> {
    return this.writes.run(async (tx) => {
      const [place] = (await tx.client.query<PlaceRow>(G.itemPlace, [itemId])).rows;
      if (!place) throw notFound("item", itemId);
      const target = groupId ?? null;
      if (target !== null && !(await readGroup(tx.client, target))) throw notFound("group", target);
      await renumber(tx, target, placeAt(await idsIn(tx.client, target), itemId, position));
      // Close the gap it left behind.
      if (place.group_id !== target) await renumber(tx, place.group_id, await idsIn(tx.client, place.group_id));
      return readItem(tx.client, itemId);
    }, audit);
  }

  moveGroup(id: string, position: number, audit?: AuditActor): Promise<GroupRecord> {
    return this.writes.run(async (tx) => {
      if (!(await readGroup(tx.client, id))) throw notFound("group", id);
      await renumberGroups(tx, placeAt(await groupIds(tx.client), id, position));
      return (await readGroup(tx.client, id))!;
    }, audit);
  }
}

async function withConflicts<T>(name: string | undefined, statement: () => Promise<T>): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    rethrowConflict(error, violatedConstraint, { name });
  }
}

async function readGroup(client: PoolClient, id: string): Promise<GroupRecord | undefined> {
  const [row] = (await client.query<GroupRow>(G.getGroup, [id])).rows;
  return row && toGroup(row);
}

async function groupIds(client: PoolClient): Promise<string[]> {
  return (await client.query<GroupRow>(G.listGroups)).rows.map((g) => g.id);
}

async function idsIn(client: PoolClient, group: string | null): Promise<string[]> {
  return (await client.query<PlaceRow>(G.itemsIn, [group])).rows.map((r) => r.id);
}

async function readItem(client: PoolClient, id: string): Promise<ItemView> {
  const [row] = (await client.query<ItemRow>(Q.getItem, [id])).rows;
  if (!row) throw new Error(`item ${id} vanished inside its own write`);
  return toItem(row, undefined);
}

async function logGroup(tx: WriteTx, id: string): Promise<GroupRecord> {
  const group = (await readGroup(tx.client, id))!;
  tx.log({ kind: "group_upsert", group });
  return group;
}

/** Gives `order`'s items `group` and positions 0, 1, 2, …; logs each whose place changed. */
async function renumber(tx: WriteTx, group: string | null, order: readonly string[]): Promise<void> {
  for (const [position, id] of order.entries()) {
    const [place] = (await tx.client.query<PlaceRow>(G.itemPlace, [id])).rows;
    if (place && place.group_id === group && place.position === position) continue;
    await tx.client.query(G.placeItem, [group, position, id]);
    tx.log({ kind: "item_upsert", item: await readItem(tx.client, id) });
  }
}

/** Gives the groups in `order` positions 0, 1, 2, …; logs each that moved. */
async function renumberGroups(tx: WriteTx, order: readonly string[]): Promise<void> {
  for (const [position, id] of order.entries()) {
    const group = await readGroup(tx.client, id);
    if (!group || group.position === position) continue;
    await tx.client.query(G.setGroupPosition, [position, id]);
    await logGroup(tx, id);
  }
}
