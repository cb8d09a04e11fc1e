/** One audit row: a committed write, who made it, from where. Never a secret (see audit/summarize.ts). */
export interface AuditRecord {
  id: string;
  at: Date;
  actor: string;
  actorId: string;
  procedure: string;
  objectType: string;
  objectId: string;
  clientAddress: string;
  summary: string;
}

/** Which audit rows to read: all filters optional; newest first, `limit` at most, older than the row `beforeId` when paging. */
export interface AuditFilter {
  actorId?: string | undefined;
  objectId?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  beforeId?: string | undefined;
  limit: number;
}

/**
 * The part of the store contract that keeps the audit log. Rows are written by the store itself,
 * in the transaction of each write given an audit context (its `audit` argument, see audit-context.ts).
 */
export interface AuditStore {
  /** Rows matching the filter, newest first (by id, which is time-ordered). */
  listAuditEvents(filter: AuditFilter): Promise<AuditRecord[]>;
  /** Deletes rows older than `before`; returns how many. */
  pruneAuditEvents(before: Date): Promise<number>;
}
