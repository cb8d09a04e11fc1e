import type { Pool, PoolClient } from "pg";
import type { AuditActor } from "../audit-context.js";
import type { AuditFilter, AuditRecord, AuditStore } from "../audit-store.js";
import { AUDIT_SQL, auditListQuery, auditValues, needsAuditRow, toAuditRecord, type AuditRow } from "../sql/audit.js";
import { numbered, PG_VALUES } from "./dialect.js";
import { transaction } from "./transaction.js";

const INSERT = numbered(AUDIT_SQL.insert);

/** Writes `actor`'s audit row on `client`, inside the transaction of the write it records. */
export async function insertAuditRow(client: PoolClient, actor: AuditActor, written: unknown): Promise<void> {
  await client.query(INSERT, auditValues(actor, written, new Date(), PG_VALUES));
}

/**
 * Runs a write that goes straight to the pool (accounts, webhooks, subscribers): for `actor`'s
 * audited call not yet recorded, in a transaction with its audit row; else as it is.
 */
export async function withAuditRow<T>(pool: Pool, actor: AuditActor | undefined, write: (on: Pool | PoolClient) => Promise<T>): Promise<T> {
  if (!needsAuditRow(actor)) return write(pool);
  return auditedTransaction(pool, actor, write);
}

/** Runs `write` in a transaction, with `actor`'s audit row if its call is audited and not yet recorded. */
export async function auditedTransaction<T>(pool: Pool, actor: AuditActor | undefined, write: (client: PoolClient) => Promise<T>): Promise<T> {
  const audited = needsAuditRow(actor);
  const value = await transaction(pool, async (client) => {
    const written = await write(client);
    if (audited) await insertAuditRow(client, actor, written);
    return written;
  });
  if (audited) actor.recorded = true;
  return value;
}

/** The audit log in PostgreSQL: `PostgresStore.audit`. */
export class PostgresAuditStore implements AuditStore {
  constructor(private readonly pool: Pool) {}

  async listAuditEvents(filter: AuditFilter): Promise<AuditRecord[]> {
    const { sql, values } = auditListQuery(filter, PG_VALUES);
    return (await this.pool.query<AuditRow>(numbered(sql), values)).rows.map(toAuditRecord);
  }

  async pruneAuditEvents(before: Date): Promise<number> {
    return (await this.pool.query(numbered(AUDIT_SQL.prune), [before])).rowCount ?? 0;
  }
}
