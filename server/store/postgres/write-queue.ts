import { randomUUID } from "node:crypto";
import pg, { type Pool, type PoolClient, type QueryConfig } from "pg";
import { unavailable } from "../../errors.js";
import { decodeLogEntry, encodeChangePayload, type LogEntry, type LoggedChange } from "../change-codec.js";
import { CommitHooks } from "../commit-hooks.js";
import type { WriteBatchObserver } from "../write-observer.js";
import type { AuditActor } from "../audit-context.js";
import { auditValues, needsAuditRow } from "../sql/audit.js";
import { PG_VALUES } from "./dialect.js";
import { noticeKeys, outboxEventsStatement } from "./postgres-outbox-store.js";
import type { NoticeRow } from "../sql/outbox.js";

/**
 * The channel on which every commit that logged changes rings the doorbell (payload: its last
 * revision, then "@" and the id of the write queue that committed it). Channels are database-wide, so it is named after the schema's log lock key: two
 * StatusThings in two schemas of one database do not ring each other.
 */
export function changesChannel(logLockKey: string): string {
  return `statusthing_changes_${logLockKey}`;
}

/** The notification payload that announces deleted credentials (a change announcement carries a revision number and its writer instead). */
export const REVOCATION_PAYLOAD = "revoked";

/** The notification payload that announces other changes to users or API tokens (cached tokens are read again). */
export const ACCOUNTS_PAYLOAD = "accounts";

/** What a write gets: the connection, inside its transaction, and the change log. */
export interface WriteTx {
  readonly client: PoolClient;
  /**
   * Appends a change to the log. It is numbered and written at the group's end, and only if this
   * write succeeds. Returns a key that names the change to `transition`.
   */
  log(change: LoggedChange): number;
  /**
   * Records a status transition of the change `log` returned `pending` for: written at commit
   * with that change's revision, and only if this write succeeds, unless the item's newest
   * transition (an earlier write's in this group, or the table's) already says the same.
   */
  transition(pending: number, transition: QueuedTransition): void;
}

/** A status transition as a write records it: the item's part (see transitionValues), deleted, and when. */
export interface QueuedTransition {
  item: readonly [itemId: string, itemName: string, statusId: string | null, statusName: string | null, statusColor: string | null, statusKind: number | null];
  deleted: boolean;
  at: Date;
}

/** A change this transaction logged, with the key its status transition names it by. */
interface QueuedChange {
  change: LoggedChange;
  pending: number;
}

/**
 * What the writes of a group leave to be written at its end, in one statement (see appendGroup):
 * their changes, status transitions and audit rows.
 */
interface GroupLog {
  changes: QueuedChange[];
  transitions: Array<{ pending: number; transition: QueuedTransition }>;
  audits: Array<ReturnType<typeof auditValues>>;
}

function emptyLog(): GroupLog {
  return { changes: [], transitions: [], audits: [] };
}

/**
 * Writes of one kind that a group runs together when they come one after another (see
 * PgWriteQueue.run): fewer round trips while the log's lock is held.
 */
export interface BatchedWrites<I> {
  /**
   * Does what the writes with these inputs would do one after the other, logging their changes
   * in that order, in as few statements as it can; returns each write's value, in order. Throws
   * if any of them fails: the group is then run again, each write alone.
   */
  runAll(tx: WriteTx, inputs: readonly I[]): Promise<unknown[]>;
}

/** A write that may run with others of its kind: how, and its own input. */
export interface Batchable<I> {
  writes: BatchedWrites<I>;
  input: I;
}

interface PendingWrite {
  run: (tx: WriteTx) => Promise<unknown>;
  batchable: Batchable<unknown> | undefined;
  /** The audited call this write belongs to, if any. */
  audit: AuditActor | undefined;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

type Outcome = { ok: true; value: unknown; log: GroupLog } | { ok: false; error: unknown };

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
 *
 * Every round trip counts while the lock is held, so what a group's writes append (changes,
 * status transitions, audit rows) is not written by each write: it is kept here and written
 * after the last write of the group has decided, in one statement with the outbox's notices
 * read (appendGroup), and then the outbox events in a second. Writes of a kind that can run
 * together (BatchedWrites: UpdateItems) and come one after another run as one. A group costs
 * BEGIN, its writes' own statements, those two and COMMIT; the statements it runs every time are
 * prepared once per connection. On a pipelined connection (the store's own write connection) a
 * group of several writes also sends its first write's statement with BEGIN, and COMMIT with the
 * outbox's statement: a group of UpdateItems takes three round trips.
 */
export class PgWriteQueue {
  private pending: PendingWrite[] = [];
  private readonly channel: string;
  /**
   * Ends this queue's doorbell payloads, so that its own commits are known when they ring: by
   * what they say, not by what this queue has noted, since a doorbell can arrive before COMMIT's
   * answer does.
   */
  private readonly origin = `@${randomUUID()}`;
  /** Starts a group's transaction and takes the log's lock, in one round trip. */
  private readonly begin: string;
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
    // No JIT: the group's statements take a millisecond or so, but unnest's row estimates make
    // them look costly enough that PostgreSQL compiled them first (130 ms for a group of 200).
    this.begin = `BEGIN; SET LOCAL jit = off; SELECT pg_advisory_xact_lock(${logLockKey}::int8)`;
  }

  /**
   * Runs `write` in the next transaction; resolves once it is committed. A `batchable` write
   * may instead run with the writes of its kind queued next to it (see BatchedWrites): `write`
   * is what it does alone, when one of the group's writes fails. With `audit`, the call's audit
   * row is written with it unless the call already has one.
   */
  run<T, I>(write: (tx: WriteTx) => Promise<T>, audit?: AuditActor, batchable?: Batchable<I>): Promise<T> {
    if (this.closed) return Promise.reject(unavailable("the store is closed"));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ run: write, batchable: batchable as Batchable<unknown> | undefined, audit, resolve: resolve as (value: unknown) => void, reject });
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

  private txFor(client: PoolClient, log: GroupLog): WriteTx {
    return {
      client,
      log: (change) => {
        const pending = ++this.nextPending;
        log.changes.push({ change, pending });
        return pending;
      },
      transition: (pending, transition) => log.transitions.push({ pending, transition }),
    };
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
    const log = emptyLog();
    let outbox: QueryConfig | undefined;
    let latest: string | undefined;
    let entries: LogEntry[] = [];
    try {
      // On a pipelined connection the first write's statement goes out right behind BEGIN and
      // the lock, in the same round trip: PostgreSQL runs it once it holds the lock, and if
      // taking the lock failed, it fails too (the transaction is aborted).
      const begun = client.query(this.begin);
      begun.catch(() => {}); // awaited below, after the writes have sent their statements
      if (!isPipelined(client)) await begun;
      for (let i = 0; i < batch.length;) {
        const kind = batch[i]!.batchable?.writes;
        let end = i + 1;
        while (kind && end < batch.length && batch[end]!.batchable?.writes === kind) end++;
        if (kind && end - i > 1) values.push(...(await this.runBatched(client, kind, batch.slice(i, end), log)));
        else values.push(await this.runAudited(client, batch[i]!, log));
        i = end;
      }
      await begun;
      ({ latest, outbox, entries } = await appendGroup(client, log, this.channel, this.origin));
    } catch {
      // Nothing is committed: whatever failed (a write, or the connection) shows again in the careful run.
      await client.query("ROLLBACK").catch(() => {});
      return false;
    }
    try {
      await commitAfter(client, outbox);
    } catch (error) {
      if (error instanceof NotCommitted) {
        await client.query("ROLLBACK").catch(() => {});
        return false;
      }
      // A failed COMMIT may or may not have committed: running the writes again could apply
      // them twice, so they fail as they would have in one transaction.
      client.release(error instanceof Error ? error : new Error(String(error)));
      for (const write of batch) write.reject(error);
      return true;
    }
    client.release();
    if (latest !== undefined) this.hooks.run(entries);
    batch.forEach((write, i) => {
      if (write.audit) write.audit.recorded = true;
      write.resolve(values[i]);
    });
    return true;
  }

  /** Runs one write and, if it is its call's first, queues the call's audit row, written with the group's log. */
  private async runAudited(client: PoolClient, write: PendingWrite, log: GroupLog): Promise<unknown> {
    const value = await write.run(this.txFor(client, log));
    if (needsAuditRow(write.audit)) log.audits.push(auditValues(write.audit, value, new Date(), PG_VALUES));
    return value;
  }

  /** Runs writes of one kind together, and queues their calls' audit rows as runAudited would. */
  private async runBatched(client: PoolClient, writes: BatchedWrites<unknown>, run: PendingWrite[], log: GroupLog): Promise<unknown[]> {
    const values = await writes.runAll(
      this.txFor(client, log),
      run.map((write) => write.batchable!.input),
    );
    const at = new Date();
    run.forEach((write, i) => {
      if (needsAuditRow(write.audit)) log.audits.push(auditValues(write.audit, values[i], at, PG_VALUES));
    });
    return values;
  }

  /**
   * Whether a doorbell's payload is one of this queue's commits, whose hooks ran (or will run)
   * here: a replica need not read the log again for it.
   */
  ownCommit(payload: string): boolean {
    return payload.endsWith(this.origin);
  }

  private async runWithSavepoints(client: PoolClient, batch: PendingWrite[]): Promise<void> {
    // One write alone needs no savepoint: if it fails, the whole transaction rolls back.
    const alone = batch.length === 1;
    const outcomes: Outcome[] = [];
    /** The newest revision the batch logged, if it logged any, and what it logged. */
    let logged: string | undefined;
    let entries: LogEntry[] = [];
    let broken: Error | undefined;
    try {
      await client.query(this.begin);
      for (const write of batch) {
        const log = emptyLog();
        if (!alone) await client.query("SAVEPOINT write");
        try {
          const value = await this.runAudited(client, write, log);
          if (!alone) await client.query("RELEASE SAVEPOINT write");
          outcomes.push({ ok: true, value, log });
        } catch (error) {
          // If the connection itself failed, this throws too, and the whole batch fails below.
          if (!alone) await client.query("ROLLBACK TO SAVEPOINT write; RELEASE SAVEPOINT write");
          outcomes.push({ ok: false, error });
        }
      }
      if (alone && !outcomes[0]!.ok) {
        await client.query("ROLLBACK");
      } else {
        const log = emptyLog();
        for (const o of outcomes) {
          if (!o.ok) continue;
          log.changes.push(...o.log.changes);
          log.transitions.push(...o.log.transitions);
          log.audits.push(...o.log.audits);
        }
        const appended = await appendGroup(client, log, this.channel, this.origin);
        if (appended.outbox) await client.query(appended.outbox);
        await client.query("COMMIT");
        logged = appended.latest;
        entries = appended.entries;
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
    if (logged !== undefined) this.hooks.run(entries);
    batch.forEach((write, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok && write.audit) write.audit.recorded = true;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }
}

const AUDIT_INSERT = `INSERT INTO audit_events (id, at, actor, actor_id, procedure, object_type, object_id, client_address, summary)
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])`;

/**
 * The end of a group, in one statement: numbers its changes after the newest revision, appends
 * them to the log, writes the status transitions with their changes' revisions, the audit rows,
 * rings the doorbell and reads the outbox's notices of the items changed; then the outbox events
 * those changes make, in a second. Runs inside the writing transaction, under the log's lock:
 * NOTIFY is only delivered once the transaction commits, and not at all if it rolls back.
 *
 * A transition is skipped when the item's newest one says the same (see isTransition): for the
 * group's first transition of an item, the newest in the table; for the next ones, the group's
 * one before (lag). Comparing with the one before even when that one was skipped is the same:
 * a skipped one said what the newest said.
 */
const APPEND_GROUP = `WITH state AS (
    UPDATE change_log_state SET latest = latest + cardinality($1::text[]) RETURNING latest
  ), logged AS (
    INSERT INTO changes (revision, at, kind, entity_id, payload)
    SELECT state.latest - cardinality($1::text[]) + c.n, $4::timestamptz, c.kind, c.entity_id, c.payload
    FROM state, unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS c(kind, entity_id, payload, n)
  ), candidates AS (
    SELECT c.*, lag(c.status_id) OVER w AS last_status_id, lag(c.status_kind) OVER w AS last_status_kind, lag(c.deleted) OVER w AS last_deleted,
      row_number() OVER w AS k
    FROM unnest($6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::integer[], $13::boolean[], $14::timestamptz[])
      WITH ORDINALITY AS c(change_n, item_id, item_name, status_id, status_name, status_color, status_kind, deleted, at, n)
    WINDOW w AS (PARTITION BY c.item_id ORDER BY c.n)
  ), newest AS (
    SELECT ids.item_id, t.status_id, t.status_kind, t.deleted
    FROM (SELECT DISTINCT item_id FROM unnest($7::text[]) AS item_id) ids,
    LATERAL (SELECT status_id, status_kind, deleted FROM status_transitions WHERE item_id = ids.item_id ORDER BY seq DESC LIMIT 1) t
  ), transitions AS (
    INSERT INTO status_transitions (item_id, item_name, status_id, status_name, status_color, status_kind, deleted, at, revision)
    SELECT c.item_id, c.item_name, c.status_id, c.status_name, c.status_color, c.status_kind, c.deleted, c.at, state.latest - cardinality($1::text[]) + c.change_n
    FROM state, candidates c LEFT JOIN newest l ON c.k = 1 AND l.item_id = c.item_id
    WHERE c.deleted OR CASE
      WHEN c.k > 1 THEN c.last_deleted OR c.last_status_id IS DISTINCT FROM c.status_id OR c.last_status_kind IS DISTINCT FROM c.status_kind
      ELSE l.item_id IS NULL OR l.deleted OR l.status_id IS DISTINCT FROM c.status_id OR l.status_kind IS DISTINCT FROM c.status_kind
    END
    ORDER BY c.n
  ), audited AS (
    INSERT INTO audit_events (id, at, actor, actor_id, procedure, object_type, object_id, client_address, summary)
    SELECT * FROM unnest($15::text[], $16::timestamptz[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[])
  )
  SELECT latest, pg_notify($5, latest::text || $25::text),
    (SELECT coalesce(json_agg(n), '[]') FROM (
      SELECT item_id, name, status_id, status_name, status_color, status_kind FROM outbox_item_notices WHERE item_id = ANY($24::text[])
    ) n) AS notices
  FROM state`;

/**
 * Runs appendGroup's statement (see APPEND_GROUP) for the group's log; returns the newest
 * revision it logged (undefined if it logged none; its doorbell ends with `origin`), the changes as the
 * log now holds them (for the commit hooks), and the statement left to run before COMMIT: the
 * outbox events its changes make, if any (see commitAfter).
 */
async function appendGroup(client: PoolClient, log: GroupLog, channel: string, origin: string): Promise<{ latest?: string; outbox?: QueryConfig; entries: LogEntry[] }> {
  const { changes, transitions, audits } = log;
  const column = <T>(rows: ReadonlyArray<readonly unknown[]>, i: number) => rows.map((r) => r[i] as T);
  if (changes.length === 0) {
    // Writes that logged nothing (and so recorded no transition) may still have audit rows.
    if (audits.length > 0) await client.query({ name: "statusthing_audit_group", text: AUDIT_INSERT, values: audits[0]!.map((_, i) => column(audits, i)) });
    return { entries: [] };
  }
  const encoded = changes.map((c) => encodeChangePayload(c.change));
  const changeN = new Map(changes.map((c, i) => [c.pending, i + 1]));
  const rows = transitions.map(({ pending, transition: t }) => [changeN.get(pending) ?? null, ...t.item, t.deleted, t.at]);
  const at = new Date();
  const keys = noticeKeys(changes.map((c) => c.change));
  const { rows: result } = await client.query<{ latest: string; notices: NoticeRow[] }>({
    name: "statusthing_append_group",
    text: APPEND_GROUP,
    values: [
      encoded.map((c) => c.kind),
      encoded.map((c) => c.entityId),
      encoded.map((c) => c.payload),
      at,
      channel,
      ...Array.from({ length: 9 }, (_, i) => column(rows, i)),
      ...Array.from({ length: 9 }, (_, i) => column(audits, i)),
      keys,
      origin,
    ],
  });
  // The notifications they cause, in the same transaction: sent if and only if the changes commit.
  const latest = result[0]!.latest;
  const first = Number(latest) - changes.length + 1;
  const outbox = outboxEventsStatement(
    changes.map((c) => c.change),
    first,
    at,
    result[0]?.notices ?? [],
  );
  const entries = encoded.map((c, i) => decodeLogEntry(first + i, c.kind, c.entityId, c.payload));
  return { latest: String(latest), outbox, entries };
}

/** Whether `client` sends its statements without waiting for the answers to earlier ones (pg's `pipeline` option). */
function isPipelined(client: PoolClient): boolean {
  return client.pipeline;
}

/** The statement before COMMIT failed, so the transaction did not commit: the writes may run again. */
class NotCommitted extends Error {}

/**
 * Runs `last` (if any) and COMMIT; on a pipelined connection in one round trip. If `last` fails
 * with an error PostgreSQL reports, the transaction is aborted and the COMMIT behind it only rolls
 * it back (it answers ROLLBACK, not an error): that is NotCommitted. Any other failure of either
 * leaves unknown whether the transaction committed.
 */
async function commitAfter(client: PoolClient, last: QueryConfig | undefined): Promise<void> {
  if (last && !isPipelined(client)) {
    try {
      await client.query(last);
    } catch {
      throw new NotCommitted("the statement before COMMIT failed");
    }
  } else if (last) {
    const [sent, committed] = await Promise.allSettled([client.query(last), client.query("COMMIT")]);
    if (sent.status === "rejected") throw sent.reason instanceof pg.DatabaseError ? new NotCommitted("the statement before COMMIT failed") : sent.reason;
    if (committed.status === "rejected") throw committed.reason;
    return;
  }
  await client.query("COMMIT");
}
