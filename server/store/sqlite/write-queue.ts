import type { Database } from "better-sqlite3";
import type { LoggedChange } from "../change-codec.js";
import { CommitHooks } from "../commit-hooks.js";

/** What a write gets: the change log, written in the write's own transaction. */
export interface SqliteWriteTx {
  /** Appends a change to the log, in this write's savepoint; returns its revision. */
  log(change: LoggedChange): number;
}

interface PendingWrite {
  run: (tx: SqliteWriteTx) => unknown;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/**
 * Group commit for SQLite. Writes that arrive while the event loop is busy are run together in
 * one transaction, each inside its own savepoint, and made durable by a single fsync. A write
 * that throws rolls back only its own savepoint; the others still commit. Every promise settles
 * after COMMIT has returned; when the batch logged changes, the commit hooks run just before.
 */
export class WriteQueue {
  private pending: PendingWrite[] = [];
  private scheduled = false;
  private readonly begin;
  private readonly commit;
  private readonly rollback;
  private readonly savepoint;
  private readonly release;
  private readonly rollbackToSavepoint;

  private readonly appendChange: (change: LoggedChange) => number;
  private readonly hooks: CommitHooks;
  private readonly refusal: () => Error | undefined;

  constructor(
    private readonly db: Database,
    options: {
      /** Appends a change to the log; returns its revision. Without it, writes cannot log changes. */
      appendChange?: (change: LoggedChange) => number;
      /** Run after each commit that logged changes. */
      hooks?: CommitHooks;
      /** Why writes cannot be acknowledged now, if they cannot (checked before and after each batch). */
      refusal?: () => Error | undefined;
    } = {},
  ) {
    this.appendChange =
      options.appendChange ??
      (() => {
        throw new Error("this write queue keeps no change log");
      });
    this.hooks = options.hooks ?? new CommitHooks();
    this.refusal = options.refusal ?? (() => undefined);
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
    this.savepoint = db.prepare("SAVEPOINT write");
    this.release = db.prepare("RELEASE write");
    this.rollbackToSavepoint = db.prepare("ROLLBACK TO write");
  }

  /** Runs `write` (synchronous SQL) in the next group commit; resolves once it is durable. */
  run<T>(write: (tx: SqliteWriteTx) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs every pending write now. Called by the scheduler, and by close() to drain. */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const refused = this.refusal();
    if (refused) {
      for (const write of batch) write.reject(refused);
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    let logged = false;
    try {
      this.begin.run();
      for (const write of batch) {
        this.savepoint.run();
        let loggedHere = false;
        const tx: SqliteWriteTx = {
          log: (change) => {
            loggedHere = true;
            return this.appendChange(change);
          },
        };
        try {
          outcomes.push({ ok: true, value: write.run(tx) });
          logged ||= loggedHere;
          this.release.run();
        } catch (error) {
          this.rollbackToSavepoint.run();
          this.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      this.commit.run();
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
    if (logged) this.hooks.run();
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }
}
