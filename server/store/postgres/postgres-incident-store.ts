import type { Pool } from "pg";
import { notFound } from "../../errors.js";
import type { IncidentRecord, MaintenanceRecord } from "../../incident-records.js";
import type { IncidentKind, IncidentKinds, IncidentListQuery, IncidentStore, IncidentWrite, ItemChange, ItemNow } from "../incident-store.js";
import { decodeRecord, INCIDENT_SQL, insertValues, itemsNowSql, listSql, statusesNowSql, updateValues, type IncidentRow } from "../sql/incidents.js";
import { numbered, PG_VALUES } from "./dialect.js";
import type { PgWriteQueue, WriteTx } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** How the incident store changes an item inside a write: the PostgreSQL store's own item writes (status, note, log, history). */
export type PgItemChanger = (tx: WriteTx, change: ItemChange, at: Date) => Promise<void>;

const Q = Object.fromEntries(Object.entries(INCIDENT_SQL).map(([name, sql]) => [name, numbered(sql)])) as { readonly [name in keyof typeof INCIDENT_SQL]: string };

/**
 * `store.incidents` on PostgreSQL. Writes go through the store's queue, so they hold the change
 * log's advisory lock like every write on every replica: a read-decide-write sees what any
 * earlier one committed, and the conditional update (version) would refuse a lost update anyway.
 */
export class PostgresIncidentStore implements IncidentStore {
  constructor(
    private readonly pool: Pool,
    private readonly writes: PgWriteQueue,
    private readonly changeItem: PgItemChanger,
  ) {}

  async get<K extends IncidentKind>(kind: K, id: string): Promise<IncidentKinds[K] | undefined> {
    const [row] = (await this.pool.query<IncidentRow>(Q.get, [kind, id])).rows;
    return row && decodeRecord(kind, row.body);
  }

  async list<K extends IncidentKind>(query: IncidentListQuery & { kind: K }): Promise<Array<IncidentKinds[K]>> {
    const { sql, values } = listSql(query, PG_VALUES);
    return (await this.pool.query<IncidentRow>(numbered(sql), values)).rows.map((row) => decodeRecord(query.kind, row.body));
  }

  async live(): Promise<{ incidents: IncidentRecord[]; maintenances: MaintenanceRecord[] }> {
    const { rows } = await this.pool.query<IncidentRow & { kind: IncidentKind }>(numbered(INCIDENT_SQL.live.replace("SELECT body, version", "SELECT kind, body, version")));
    return {
      incidents: rows.filter((r) => r.kind === "incident").map((r) => decodeRecord("incident", r.body)),
      maintenances: rows.filter((r) => r.kind === "maintenance").map((r) => decodeRecord("maintenance", r.body)),
    };
  }

  async dueMaintenance(now: Date, limit: number): Promise<string[]> {
    return (await this.pool.query<{ id: string }>(Q.due, [now, limit])).rows.map((r) => r.id);
  }

  write<K extends IncidentKind, R>(change: IncidentWrite<K, R>, audit?: AuditActor): Promise<R> {
    return this.writes.run(async (tx) => {
      const [row] = (await tx.client.query<IncidentRow>(Q.get, [change.kind, change.id])).rows;
      const current = row && decodeRecord(change.kind, row.body);
      const wanted = change.reads(current);
      const items = await this.itemsNow(tx, wanted.itemIds);
      const statuses = await this.statusesNow(tx, wanted.statusIds);
      const outcome = change.decide({ current, items, statuses });
      const record = outcome.record;
      if (!record) return outcome.result;
      if (!row) await tx.client.query(Q.insert, insertValues(change.kind, record, PG_VALUES));
      else if ((await tx.client.query(Q.update, updateValues(change.kind, record, Number(row.version), PG_VALUES))).rowCount === 0) {
        throw new Error(`${change.kind} ${change.id} changed inside its own write`);
      }
      for (const itemChange of outcome.itemChanges) await this.changeItem(tx, itemChange, outcome.at);
      tx.log(
        change.kind === "incident"
          ? { kind: "incident_upsert", incident: record as IncidentRecord, previous: current as IncidentRecord | undefined }
          : { kind: "maintenance_upsert", maintenance: record as MaintenanceRecord, previous: current as MaintenanceRecord | undefined },
      );
      return outcome.result;
    }, audit);
  }

  remove(kind: IncidentKind, id: string, audit?: AuditActor): Promise<void> {
    return this.writes.run(async (tx) => {
      if ((await tx.client.query(Q.remove, [kind, id])).rowCount === 0) throw notFound(kind, id);
      tx.log({ kind: kind === "incident" ? "incident_delete" : "maintenance_delete", id });
    }, audit);
  }

  private async itemsNow(tx: WriteTx, ids: readonly string[]): Promise<Map<string, ItemNow>> {
    const unique = [...new Set(ids)];
    const found = new Map<string, ItemNow>();
    if (unique.length === 0) return found;
    const { rows } = await tx.client.query<{ id: string; name: string; status_id: string | null }>(numbered(itemsNowSql(unique.length)), unique);
    for (const row of rows) found.set(row.id, { id: row.id, name: row.name, statusId: row.status_id ?? undefined });
    return found;
  }

  private async statusesNow(tx: WriteTx, ids: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Set();
    const { rows } = await tx.client.query<{ id: string }>(numbered(statusesNowSql(unique.length)), unique);
    return new Set(rows.map((r) => r.id));
  }
}
