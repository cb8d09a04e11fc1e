import type { Database, Statement } from "better-sqlite3";
import type { AuditActor } from "../audit-context.js";
import type { AuditFilter, AuditRecord, AuditStore } from "../audit-store.js";
import { AUDIT_SQL, auditListQuery, auditValues, toAuditRecord, type AuditRow } from "../sql/audit.js";
import { SQLITE_VALUES } from "./dialect.js";
import type { WriteQueue } from "./write-queue.js";

/** The audit log in SQLite: `SqliteStore.audit`. Rows are written by the write queue (`record`), in each audited write's savepoint. */
export class SqliteAuditStore implements AuditStore {
  private readonly insert: Statement<unknown[], never>;
  private readonly listings = new Map<string, Statement<unknown[], AuditRow>>();

  constructor(
    private readonly db: Database,
    private readonly writes: () => WriteQueue,
  ) {
    this.insert = db.prepare<unknown[], never>(AUDIT_SQL.insert);
  }

  /** Writes `actor`'s row; called by the write queue inside the write's transaction. */
  record(actor: AuditActor, written: unknown): void {
    this.insert.run(...auditValues(actor, written, new Date(), SQLITE_VALUES));
  }

  async listAuditEvents(filter: AuditFilter): Promise<AuditRecord[]> {
    const { sql, values } = auditListQuery(filter, SQLITE_VALUES);
    // A handful of filter combinations: each prepared once.
    let statement = this.listings.get(sql);
    if (!statement) this.listings.set(sql, (statement = this.db.prepare<unknown[], AuditRow>(sql)));
    return statement.all(...values).map(toAuditRecord);
  }

  pruneAuditEvents(before: Date): Promise<number> {
    return this.writes().run(() => this.db.prepare(AUDIT_SQL.prune).run(SQLITE_VALUES.time(before)).changes);
  }
}
