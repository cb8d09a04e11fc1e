import type { Database } from "better-sqlite3";
import type { GroupRecord, ItemView } from "../../domain.js";
import { notFound } from "../../errors.js";
import { placeAt, type GroupPatch, type GroupStore, type NewGroup } from "../group-store.js";
import { rethrowConflict } from "../sql/conflicts.js";
import { GROUP_SQL, groupPatchValues, groupValues, toGroup, type GroupRow, type PlaceRow } from "../sql/group-statements.js";
import { toItem, type ItemRow } from "../sql/rows.js";
import { SQL } from "../sql/statements.js";
import { SQLITE_VALUES, violatedConstraint } from "./dialect.js";
import type { SqliteWriteTx, WriteQueue } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** Groups and the page order in SQLite: `SqliteStore.groups`, sharing the store's connection and write queue. */
export class SqliteGroupStore implements GroupStore {
  private readonly sql;

  constructor(
    db: Database,
    private readonly writes: WriteQueue,
  ) {
    this.sql = {
      listGroups: db.prepare<[], GroupRow>(GROUP_SQL.listGroups),
      getGroup: db.prepare<[string], GroupRow>(GROUP_SQL.getGroup),
      insertGroup: db.prepare(GROUP_SQL.insertGroup),
      updateGroup: db.prepare(GROUP_SQL.updateGroup),
      deleteGroup: db.prepare<[string]>(GROUP_SQL.deleteGroup),
      setGroupPosition: db.prepare<[number, string]>(GROUP_SQL.setGroupPosition),
      itemPlace: db.prepare<[string], PlaceRow>(GROUP_SQL.itemPlace),
      itemsIn: db.prepare<[string | null], PlaceRow>(GROUP_SQL.itemsIn),
      placeItem: db.prepare<[string | null, number, string]>(GROUP_SQL.placeItem),
      getItem: db.prepare<[string], ItemRow>(SQL.getItem),
    };
  }

  async listGroups(): Promise<GroupRecord[]> {
    return this.sql.listGroups.all().map(toGroup);
  }

  async getGroup(id: string): Promise<GroupRecord | undefined> {
    const row = this.sql.getGroup.get(id);
    return row && toGroup(row);
  }

  addGroup(group: NewGroup, audit?: AuditActor): Promise<GroupRecord> {
    return this.writes.run((tx) => {
      this.withConflicts(group.name, () => this.sql.insertGroup.run(...groupValues(group, SQLITE_VALUES)));
      return this.logGroup(tx, group.id);
    }, audit);
  }

  updateGroup(id: string, patch: GroupPatch, audit?: AuditActor): Promise<GroupRecord> {
    return this.writes.run((tx) => {
      const { changes } = this.withConflicts(patch.name, () => this.sql.updateGroup.run(...groupPatchValues(id, patch, SQLITE_VALUES)));
      if (changes === 0) throw notFound("group", id);
      return this.logGroup(tx, id);
    }, audit);
  }

  deleteGroup(id: string, audit?: AuditActor): Promise<void> {
    return this.writes.run((tx) => {
      if (!this.sql.getGroup.get(id)) throw notFound("group", id);
      // Its items go after the ungrouped ones, keeping their order, before the group goes.
      const ungrouped = this.sql.itemsIn.all(null).map((r) => r.id);
      const members = this.sql.itemsIn.all(id).map((r) => r.id);
      this.renumber(tx, null, [...ungrouped, ...members]);
      this.sql.deleteGroup.run(id);
      tx.log({ kind: "group_delete", id });
      this.renumberGroups(
        tx,
        this.sql.listGroups.all().map((g) => g.id),
      );
    }, audit);
  }

  moveItem(itemId: string, groupId: string | undefined, position: number, audit?: AuditActor): Promise<ItemView> {
    return this.writes.run((tx) => {
      const place = this.sql.itemPlace.get(itemId);
      if (!place) throw notFound("item", itemId);
      const target = groupId ?? null;
      if (target !== null && !this.sql.getGroup.get(target)) throw notFound("group", target);
      const order = placeAt(
        this.sql.itemsIn.all(target).map((r) => r.id),
        itemId,
        position,
      );
      this.renumber(tx, target, order);
      // Close the gap it left behind.
      if (place.group_id !== target)
        this.renumber(
          tx,
          place.group_id,
          this.sql.itemsIn.all(place.group_id).map((r) => r.id),
        );
      return this.readItem(itemId);
    }, audit);
  }

  moveGroup(id: string, position: number, audit?: AuditActor): Promise<GroupRecord> {
    return this.writes.run((tx) => {
      if (!this.sql.getGroup.get(id)) throw notFound("group", id);
      this.renumberGroups(
        tx,
        placeAt(
          this.sql.listGroups.all().map((g) => g.id),
          id,
          position,
        ),
      );
      return toGroup(this.sql.getGroup.get(id)!);
    }, audit);
  }

  /** Gives `order`'s items `group` and positions 0, 1, 2, …; logs each whose place changed. */
  private renumber(tx: SqliteWriteTx, group: string | null, order: readonly string[]): void {
    order.forEach((id, position) => {
      const place = this.sql.itemPlace.get(id);
      if (place && place.group_id === group && place.position === position) return;
      this.sql.placeItem.run(group, position, id);
      tx.log({ kind: "item_upsert", item: this.readItem(id) });
    });
  }

  /** Gives the groups in `order` positions 0, 1, 2, …; logs each that moved. */
  private renumberGroups(tx: SqliteWriteTx, order: readonly string[]): void {
    order.forEach((id, position) => {
      const row = this.sql.getGroup.get(id);
      if (!row || row.position === position) return;
      this.sql.setGroupPosition.run(position, id);
      this.logGroup(tx, id);
    });
  }

  private logGroup(tx: SqliteWriteTx, id: string): GroupRecord {
    const group = toGroup(this.sql.getGroup.get(id)!);
    tx.log({ kind: "group_upsert", group });
    return group;
  }

  private readItem(id: string): ItemView {
    const row = this.sql.getItem.get(id);
    if (!row) throw new Error(`item ${id} vanished inside its own write`);
    return toItem(row, undefined);
  }

  private withConflicts<T>(name: string | undefined, statement: () => T): T {
    try {
      return statement();
    } catch (error) {
      rethrowConflict(error, (e) => violatedConstraint(e, "item_groups"), { name });
    }
  }
}
