import type { Database } from "better-sqlite3";
import type { LogEntry, LoggedChange } from "../change-codec.js";
import { CommitHooks } from "../commit-hooks.js";

/** What a write gets: the change log, written in the write's own transaction. */
export interface SqliteWriteTx {
  /** Appends a change to the log, in this write's savepoint; returns its revision. */
  log(change: LoggedChange): number;
}
import type { WriteBatchObserver } from "../write-observer.js";
import type { AuditActor } from "../audit-context.js";
import { needsAuditRow } from "../sql/audit.js";
import { connectionsAccepted } from "../../connection-arrivals.js";

/** The most writes one commit runs: its turn blocks the event loop (some 0.2 ms a write, plus the fsync). */
export const MAX_GROUP_WRITES = 256;
/** How long a group may wait for connections being accepted before it commits, however many come. */
const MAX_HOLD_MS = 250;

interface PendingWrite {
  run: (tx: SqliteWriteTx) => unknown;
  /** The audited call this write belongs to, if any. */
  audit: AuditActor | undefined;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit for SQLite. Writes that arrive while the event loop is busy are run together in
 * one transaction (up to MAX_GROUP_WRITES), each inside its own savepoint, and made durable by
 * a single fsync. A write that throws rolls back only its own savepoint; the others still commit.
 * Every promise settles after COMMIT has returned; when the batch logged changes, the commit
 * hooks run just before, with those changes (a rolled-back write's are not among them).
 */
export class WriteQueue {
  private pending: PendingWrite[] = [];
  /** Told about each committed batch (size, seconds). */
  onBatch: WriteBatchObserver | undefined;
  private scheduled = false;
  /** When the pending group began to wait for connections being accepted (performance.now()), if it has. */
  private holdStarted: number | undefined;
  /** connectionsAccepted() when last looked at. */
  private acceptedSeen = connectionsAccepted();
  private readonly recordAudit: ((actor: AuditActor, written: unknown) => void) | undefined;
  private readonly begin;
  private readonly commit;
  private readonly rollback;
  private readonly savepoint;
  private readonly release;
  private readonly rollbackToSavepoint;

  private readonly appendChange: (change: LoggedChange) => LogEntry;
  private readonly hooks: CommitHooks;
  private readonly refusal: () => Error | undefined;

  constructor(
    private readonly db: Database,
    options: {
      /** Appends a change to the log; returns it as the log now holds it. Without it, writes cannot log changes. */
      appendChange?: (change: LoggedChange) => LogEntry;
      /** Run after each commit that logged changes, with those changes. */
      hooks?: CommitHooks;
      /** Why writes cannot be acknowledged now, if they cannot (checked before and after each batch). */
      refusal?: () => Error | undefined;
      /** Writes a call's audit row, in the write's savepoint (see audit/audit-context.ts). */
      recordAudit?: (actor: AuditActor, written: unknown) => void;
    } = {},
  ) {
    this.appendChange =
      options.appendChange ??
      (() => {
        throw new Error("this write queue keeps no change log");
      });
    this.hooks = options.hooks ?? new CommitHooks();
    this.refusal = options.refusal ?? (() => undefined);
    this.recordAudit = options.recordAudit;
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
    this.savepoint = db.prepare("SAVEPOINT write");
    this.release = db.prepare("RELEASE write");
    this.rollbackToSavepoint = db.prepare("ROLLBACK TO write");
  }

  /**
   * Runs `write` (synchronous SQL) in the next group commit; resolves once it is durable. With
   * `audit`, the call's audit row is written with it unless the call already has one.
   */
  run<T>(write: (tx: SqliteWriteTx) => T, audit?: AuditActor): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: write, audit, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.onTurn);
      }
    });
  }

  /**
   * Commits the group at the end of its turn, unless connections are still being accepted: then
   * it waits a turn more (while young and not too large). Node accepts one connection per turn,
   * so while many clients connect at once, a commit (its fsync, then every answer) in each turn
   * would keep the rest waiting in the kernel's queue, seconds at 200 at once; held, the turns
   * stay short until they are in, and their writes join the group.
   */
  private readonly onTurn = () => {
    if (!this.scheduled) return; // close() drained the queue meanwhile
    const accepted = connectionsAccepted();
    const connecting = accepted !== this.acceptedSeen;
    this.acceptedSeen = accepted;
    const now = performance.now();
    this.holdStarted ??= now;
    if (connecting && this.pending.length < MAX_GROUP_WRITES && now - this.holdStarted < MAX_HOLD_MS) {
      setImmediate(this.onTurn);
      return;
    }
    this.flush(MAX_GROUP_WRITES);
  };

  /**
   * Runs the pending writes now, the oldest `limit` of them; more left wait for the next turn
   * (a group's commit blocks the event loop). Called by the scheduler, and by close() to drain all.
   */
  flush(limit = Infinity): void {
    this.scheduled = false;
    this.holdStarted = undefined;
    const batch = this.pending.length > limit ? this.pending.splice(0, limit) : this.pending;
    if (batch === this.pending) this.pending = [];
    else {
      this.scheduled = true;
      setImmediate(this.onTurn);
    }
    if (batch.length === 0) return;
    const refused = this.refusal();
    if (refused) {
      for (const write of batch) write.reject(refused);
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    const started = process.hrtime.bigint();
    /** The changes of the writes that succeeded, in revision order: handed to the commit hooks. */
    const logged: LogEntry[] = [];
    try {
      this.begin.run();
      for (const write of batch) {
        this.savepoint.run();
        const loggedHere: LogEntry[] = [];
        const tx: SqliteWriteTx = {
          log: (change) => {
            const entry = this.appendChange(change);
            loggedHere.push(entry);
            return entry.revision;
          },
        };
        try {
          const value = write.run(tx);
          // The call's first write carries its audit row, in the same savepoint: both or neither.
          if (this.recordAudit && needsAuditRow(write.audit)) this.recordAudit(write.audit, value);
          outcomes.push({ ok: true, value });
          for (const entry of loggedHere) logged.push(entry);
          this.release.run();
        } catch (error) {
          this.rollbackToSavepoint.run();
          this.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      this.commit.run();
      this.onBatch?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
    } catch (error) {
      // BEGIN or COMMIT failed (disk full, I/O error): nothing in the batch is durable.
      if (this.db.inTransaction) this.rollback.run();
      for (const write of batch) write.reject(error);
      return;
    }
    // Committed, but into a file that may have lost its name meanwhile: not acknowledged then.
    const lost = this.refusal();
    if (lost) {
      for (const write of batch) write.reject(lost);
      return;
    }
    if (logged.length > 0) this.hooks.run(logged);
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok && write.audit) write.audit.recorded = true;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }
}
