import { auditNotKept, invalidArgument } from "../errors.js";
import type { AuditRecord, AuditStore } from "../store/audit-store.js";

/** What ListAuditEvents asks for, as the RPC layer parsed it. */
export interface AuditQuery {
  actorId: string;
  objectId: string;
  since: Date | undefined;
  until: Date | undefined;
  pageSize: number;
  pageToken: string;
}

export const DEFAULT_AUDIT_PAGE = 100;
/** How long audit events are kept unless `--audit-days` says otherwise. */
export const DEFAULT_AUDIT_DAYS = 365;
export const MAX_AUDIT_PAGE = 500;

/** Reads and prunes the audit log; the writes to it are the store's (one per audited write, same transaction). */
export class AuditService {
  constructor(private readonly deps: { audit: AuditStore | undefined; now: () => Date; retentionDays: number }) {}

  /** The store's audit log; a store of one's own may keep none. */
  private get log(): AuditStore {
    if (!this.deps.audit) throw auditNotKept();
    return this.deps.audit;
  }

  /** One page of events, newest first, and the token of the next page ("" on the last). */
  async list(query: AuditQuery): Promise<{ events: AuditRecord[]; nextPageToken: string }> {
    if (query.pageSize > MAX_AUDIT_PAGE) throw invalidArgument("page_size", `must be at most ${MAX_AUDIT_PAGE}`);
    if (query.since && query.until && query.since >= query.until) throw invalidArgument("until", "must be after since");
    const limit = query.pageSize || DEFAULT_AUDIT_PAGE;
    const beforeId = query.pageToken === "" ? undefined : decodePageToken(query.pageToken);
    const rows = await this.log.listAuditEvents({
      actorId: query.actorId.trim() || undefined,
      objectId: query.objectId.trim() || undefined,
      since: query.since,
      until: query.until,
      beforeId,
      limit: limit + 1,
    });
    const events = rows.slice(0, limit);
    return { events, nextPageToken: rows.length > limit ? encodePageToken(events.at(-1)!.id) : "" };
  }

  /** Deletes events older than the retention (`--audit-days`). */
  async prune(): Promise<number> {
    if (!this.deps.audit) return 0;
    return this.deps.audit.pruneAuditEvents(new Date(this.deps.now().getTime() - this.deps.retentionDays * 86_400_000));
  }
}

/** A page token is the last id seen, opaque to clients. */
function encodePageToken(id: string): string {
  return Buffer.from(`a1:${id}`).toString("base64url");
}

function decodePageToken(token: string): string {
  const text = Buffer.from(token, "base64url").toString("utf8");
  if (!/^a1:[0-9A-Za-z]{27}$/.test(text)) throw invalidArgument("page_token", "is not a token from a previous page");
  return text.slice(3);
}
