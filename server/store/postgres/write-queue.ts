import type { Pool, PoolClient } from "pg";
import { unavailable } from "../../errors.js";
import { encodeChangePayload, type LoggedChange } from "../change-codec.js";
import { CommitHooks } from "../commit-hooks.js";
import type { WriteBatchObserver } from "../write-observer.js";
import { currentAuditActor, type AuditActor } from "../audit-context.js";
import { needsAuditRow } from "../sql/audit.js";
import { insertAuditRow } from "./postgres-audit.js";
import { recordOutboxEvents } from "./postgres-outbox-store.js";

/**
 * The channel on which every commit that logged changes rings the doorbell (payload: its last
 * revision). Channels are database-wide, so it is named after the schema's log lock key: two
 * StatusThings in two schemas of one database do not ring each other.
 */
export function changesChannel(logLockKey: string): string {
  return `statusthing_changes_${logLockKey}`;
}

/** The notification payload that announces deleted credentials (a change announcement carries a revision number instead). */
export const REVOCATION_PAYLOAD = "revoked";

/** What a write gets: the connection, inside its transaction, and the change log. */
export interface WriteTx {
  readonly client: PoolClient;
  /**
   * Appends a change to the log. It is numbered and written at commit, and only if this write
   * succeeds. Returns a key for rows that must carry the change's revision: write it to their
   * `pending_change` column, and the commit puts the revision in their `revision` (see appendChanges).
   */
  log(change: LoggedChange): number;
}

/** A change this transaction logged, with the key rows wait on for its revision. */
interface QueuedChange {
  change: LoggedChange;
  pending: number;
}

interface PendingWrite {
  run: (tx: WriteTx) => Promise<unknown>;
  /** The audited call this write belongs to, if any (captured when it was queued). */
  audit: AuditActor | undefined;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown; changes: QueuedChange[] } | { ok: false; error: unknown };

/**
 * Writes that log changes, on PostgreSQL, and the change log itself.
 *
 * Revision order must be commit order as readers see it: a reader that has seen revision N must
 * never later find a revision below N appear (it would skip it, since it reads `revision > N`).
 * With revisions from a plain SEQUENCE two transactions could take 5 and 6 and commit 6 first.
 * So every writing transaction, on every replica, first takes one transaction-scoped advisory
 * lock (`pg_advisory_xact_lock`, a key derived from the schema): writes to the data and the log
 * are serialized. The transaction then numbers its changes from `change_log_state.latest`,
 * inserts them and NOTIFYs, and releases the lock only at COMMIT — after PostgreSQL has made
 * the commit visible. The next writer can number its changes only after that, so revisions
 * become visible strictly in order, and `readChanges(after)` by revision never skips one. Taking
 * the lock at the start (not just before logging) also means each write reads the state every
 * earlier revision left, so the records in the log replay to exactly what the tables hold.
 * The counter row rolls back with a failed transaction, so revisions have no gaps.
 *
 * Serial writes are plenty for a status page; to make the most of them, writes that arrive
 * while a transaction runs are grouped into the next one (group commit), each in its own
 * savepoint: one that throws is rolled back alone and the others still commit. Only one
 * connection per process waits for the lock; reads never wait for it. Every promise settles
 * after COMMIT has returned; when the batch logged changes, the commit hooks run just before.
 */
export class PgWriteQueue {
  private pending: PendingWrite[] = [];
  private readonly channel: string;
  /** Told about each batch run (size, seconds from taking a connection to COMMIT). */
  onBatch: WriteBatchObserver | undefined;
  private draining: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    /** The advisory lock key of the log, an int8 as text. */
    private readonly logLockKey: string,
    /** Run after each commit that logged changes. */
    private readonly hooks: CommitHooks = new CommitHooks(),
    private readonly maxBatch = 200,
  ) {
    if (!/^-?\d+$/.test(logLockKey)) throw new Error(`bad lock key ${JSON.stringify(logLockKey)}`);
    this.channel = changesChannel(logLockKey);
  }

  /** Runs `write` in the next transaction; resolves once it is committed. */
  run<T>(write: (tx: WriteTx) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(unavailable("the store is closed"));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: write, audit: currentAuditActor(), resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Refuses new writes and waits for the pending ones to commit. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
  }

  /** Keys for rows waiting on a revision; unique among this process's open transactions. */
  private nextPending = 0;

  private logTo(changes: QueuedChange[], change: LoggedChange): number {
    const pending = ++this.nextPending;
    changes.push({ change, pending });
    return pending;
  }

  private schedule(): void {
    if (this.draining) return;
    // Wait for this turn of the event loop, so writes issued together share a transaction.
    this.draining = new Promise((resolve) => setImmediate(resolve))
      .then(() => this.drain())
      .finally(() => {
        this.draining = undefined;
        if (this.pending.length > 0) this.schedule();
      });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) await this.runBatch(this.pending.splice(0, this.maxBatch));
  }

  private async runBatch(batch: PendingWrite[]): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    // Writes nearly always succeed (the services validate first), and every round trip to the
    // server counts while the log's lock is held: so a batch first runs without savepoints, and
    // only if one of its writes fails is it rolled back and run again, each write in its own.
    const started = process.hrtime.bigint();
    if (!(batch.length > 1 && (await this.runOptimistically(client, batch)))) await this.runWithSavepoints(client, batch);
    this.onBatch?.(batch.length, Number(process.hrtime.bigint() - started) / 1e9);
  }

  /**
   * Runs the batch in one transaction, no savepoints. Returns false, with everything rolled back
   * and no promise settled, when a write failed before COMMIT: the caller runs the batch again
   * with savepoints. (Each write is a function of its inputs, so running it again is safe.)
   */
  private async runOptimistically(client: PoolClient, batch: PendingWrite[]): Promise<boolean> {
    const values: unknown[] = [];
    const changes: QueuedChange[] = [];
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.logLockKey}::int8)`);
      for (const write of batch) values.push(await this.runAudited(client, write, changes));
      if (changes.length > 0) await appendChanges(client, changes, this.channel);
    } catch {
      // Nothing is committed: whatever failed (a write, or the connection) shows again in the careful run.
      await client.query("ROLLBACK").catch(() => {});
      return false;
    }
    try {
      await client.query("COMMIT");
    } catch (error) {
      // A failed COMMIT may or may not have committed: running the writes again could apply
      // them twice, so they fail as they would have in one transaction.
      client.release(error instanceof Error ? error : new Error(String(error)));
      for (const write of batch) write.reject(error);
      return true;
    }
    client.release();
    if (changes.length > 0) this.hooks.run();
    batch.forEach((write, i) => {
      if (write.audit) write.audit.recorded = true;
      write.resolve(values[i]);
    });
    return true;
  }

  /** Runs one write and, if it is its call's first, the call's audit row after it, on the same connection and transaction. */
  private async runAudited(client: PoolClient, write: PendingWrite, changes: QueuedChange[]): Promise<unknown> {
    const value = await write.run({ client, log: (change) => this.logTo(changes, change) });
    if (needsAuditRow(write.audit)) await insertAuditRow(client, write.audit, value);
    return value;
  }

  private async runWithSavepoints(client: PoolClient, batch: PendingWrite[]): Promise<void> {
    // One write alone needs no savepoint: if it fails, the whole transaction rolls back.
    const alone = batch.length === 1;
    const outcomes: Outcome[] = [];
    let logged = false;
    let broken: Error | undefined;
    try {
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${this.logLockKey}::int8)`);
      for (const write of batch) {
        const changes: QueuedChange[] = [];
        if (!alone) await client.query("SAVEPOINT write");
        try {
          const value = await this.runAudited(client, write, changes);
          if (!alone) await client.query("RELEASE SAVEPOINT write");
          outcomes.push({ ok: true, value, changes });
        } catch (error) {
          // If the connection itself failed, this throws too, and the whole batch fails below.
          if (!alone) await client.query("ROLLBACK TO SAVEPOINT write; RELEASE SAVEPOINT write");
          outcomes.push({ ok: false, error });
        }
      }
      if (alone && !outcomes[0]!.ok) {
        await client.query("ROLLBACK");
      } else {
        const changes = outcomes.flatMap((o) => (o.ok ? o.changes : []));
        if (changes.length > 0) await appendChanges(client, changes, this.channel);
        await client.query("COMMIT");
        logged = changes.length > 0;
      }
    } catch (error) {
      // BEGIN, the lock, a savepoint or COMMIT failed (lost connection, timeout): nothing in the
      // batch is known to be committed.
      broken = error instanceof Error ? error : new Error(String(error));
      await client.query("ROLLBACK").catch(() => {});
      for (const write of batch) write.reject(error);
      return;
    } finally {
      // A connection that failed is destroyed, not returned to the pool.
      client.release(broken);
    }
    if (logged) this.hooks.run();
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok && write.audit) write.audit.recorded = true;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }
}

/**
 * Numbers `changes` after the newest revision, appends them to the log, gives the rows that
 * wait on a change (status history) its revision, and rings the doorbell, in one statement.
 * Runs inside the writing transaction, under the log's lock: NOTIFY is only delivered once the
 * transaction commits, and not at all if it rolls back.
 */
async function appendChanges(client: PoolClient, changes: readonly QueuedChange[], channel: string): Promise<void> {
  const encoded = changes.map((c) => encodeChangePayload(c.change));
  const at = new Date();
  const { rows } = await client.query<{ latest: string }>(
    `WITH state AS (
       UPDATE change_log_state SET latest = latest + cardinality($1::text[]) RETURNING latest
     ), logged AS (
       INSERT INTO changes (revision, at, kind, entity_id, payload)
       SELECT state.latest - cardinality($1::text[]) + c.n, $4::timestamptz, c.kind, c.entity_id, c.payload
       FROM state, unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS c(kind, entity_id, payload, n)
     ), numbered AS (
       UPDATE status_transitions t SET revision = state.latest - cardinality($1::text[]) + c.n, pending_change = NULL
       FROM state, unnest($6::bigint[]) WITH ORDINALITY AS c(pending, n)
       WHERE t.pending_change = c.pending
     )
     SELECT latest, pg_notify($5, latest::text) FROM state`,
    [encoded.map((c) => c.kind), encoded.map((c) => c.entityId), encoded.map((c) => c.payload), at, channel, changes.map((c) => c.pending)],
  );
  // The notifications they cause, in the same transaction: sent if and only if the changes commit.
  const latest = Number(rows[0]?.latest);
  await recordOutboxEvents(
    client,
    changes.map((c) => c.change),
    latest - changes.length + 1,
    at,
  );
}
