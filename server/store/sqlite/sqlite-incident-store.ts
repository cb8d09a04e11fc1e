import type { Database } from "better-sqlite3";
import { notFound } from "../../errors.js";
import type { IncidentRecord, MaintenanceRecord } from "../../incident-records.js";
import type { IncidentKind, IncidentKinds, IncidentListQuery, IncidentStore, IncidentWrite, ItemChange, ItemNow } from "../incident-store.js";
import { decodeRecord, INCIDENT_SQL, insertValues, itemsNowSql, listSql, statusesNowSql, updateValues, type IncidentRow } from "../sql/incidents.js";
import { SQLITE_VALUES } from "./dialect.js";
import type { SqliteWriteTx, WriteQueue } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** How the incident store changes an item inside a write: the SQLite store's own item writes (status, note, log, history). */
export type SqliteItemChanger = (tx: SqliteWriteTx, change: ItemChange, at: Date) => void;

/** `store.incidents` on SQLite: the store's connection and group-commit queue (see IncidentStore). */
export class SqliteIncidentStore implements IncidentStore {
  private readonly sql;

  constructor(
    private readonly db: Database,
    private readonly writes: () => WriteQueue,
    private readonly changeItem: SqliteItemChanger,
  ) {
    this.sql = {
      get: db.prepare<[string, string], IncidentRow>(INCIDENT_SQL.get),
      insert: db.prepare(INCIDENT_SQL.insert),
      update: db.prepare(INCIDENT_SQL.update),
      remove: db.prepare(INCIDENT_SQL.remove),
      live: db.prepare<[], IncidentRow & { kind?: never }>(INCIDENT_SQL.live.replace("SELECT body, version", "SELECT kind, body, version")),
      due: db.prepare<[number, number], string>(INCIDENT_SQL.due).pluck(),
    };
  }

  async get<K extends IncidentKind>(kind: K, id: string): Promise<IncidentKinds[K] | undefined> {
    const row = this.sql.get.get(kind, id);
    return row && decodeRecord(kind, row.body);
  }

  async list<K extends IncidentKind>(query: IncidentListQuery & { kind: K }): Promise<Array<IncidentKinds[K]>> {
    const { sql, values } = listSql(query, SQLITE_VALUES);
    return this.db
      .prepare<unknown[], IncidentRow>(sql)
      .all(...values)
      .map((row) => decodeRecord(query.kind, row.body));
  }

  async live(): Promise<{ incidents: IncidentRecord[]; maintenances: MaintenanceRecord[] }> {
    const rows = this.sql.live.all() as unknown as Array<IncidentRow & { kind: IncidentKind }>;
    return {
      incidents: rows.filter((r) => r.kind === "incident").map((r) => decodeRecord("incident", r.body)),
      maintenances: rows.filter((r) => r.kind === "maintenance").map((r) => decodeRecord("maintenance", r.body)),
    };
  }

  async dueMaintenance(now: Date, limit: number): Promise<string[]> {
    return this.sql.due.all(now.getTime(), limit);
  }

  write<K extends IncidentKind, R>(change: IncidentWrite<K, R>, audit?: AuditActor): Promise<R> {
    return this.writes().run((tx) => {
      const row = this.sql.get.get(change.kind, change.id);
      const current = row && decodeRecord(change.kind, row.body);
      const wanted = change.reads(current);
      const outcome = change.decide({ current, items: this.itemsNow(wanted.itemIds), statuses: this.statusesNow(wanted.statusIds) });
      const record = outcome.record;
      if (!record) return outcome.result;
      if (!row) this.sql.insert.run(...insertValues(change.kind, record, SQLITE_VALUES));
      else if (this.sql.update.run(...updateValues(change.kind, record, Number(row.version), SQLITE_VALUES)).changes === 0) {
        throw new Error(`${change.kind} ${change.id} changed inside its own write`);
      }
      for (const itemChange of outcome.itemChanges) this.changeItem(tx, itemChange, outcome.at);
      tx.log(
        change.kind === "incident"
          ? { kind: "incident_upsert", incident: record as IncidentRecord, previous: current as IncidentRecord | undefined }
          : { kind: "maintenance_upsert", maintenance: record as MaintenanceRecord, previous: current as MaintenanceRecord | undefined },
      );
      return outcome.result;
    }, audit);
  }

  remove(kind: IncidentKind, id: string, audit?: AuditActor): Promise<void> {
    return this.writes().run((tx) => {
      if (this.sql.remove.run(kind, id).changes === 0) throw notFound(kind, id);
      tx.log({ kind: kind === "incident" ? "incident_delete" : "maintenance_delete", id });
    }, audit);
  }

  private itemsNow(ids: readonly string[]): Map<string, ItemNow> {
    const unique = [...new Set(ids)];
    const found = new Map<string, ItemNow>();
    if (unique.length === 0) return found;
    const rows = this.db.prepare<string[], { id: string; name: string; status_id: string | null }>(itemsNowSql(unique.length)).all(...unique);
    for (const row of rows) found.set(row.id, { id: row.id, name: row.name, statusId: row.status_id ?? undefined });
    return found;
  }

  private statusesNow(ids: readonly string[]): Set<string> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Set();
    return new Set(
      this.db
        .prepare<string[], string>(statusesNowSql(unique.length))
        .pluck()
        .all(...unique),
    );
  }
}
