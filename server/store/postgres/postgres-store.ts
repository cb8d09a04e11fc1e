import pg, { type Pool, type PoolClient, type PoolConfig } from "pg";
import type { ChangeRecord, ItemFilter, ItemView, NoteRecord, StatusRecord, StatusTransition, StoreSnapshot } from "../../domain.js";
import { notFound, statusInUse } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { assembleChanges, itemsNeedingNotes } from "../change-assembly.js";
import { CommitHooks, type CommitListener } from "../commit-hooks.js";
import {
  notesByItem,
  toDate,
  toItem,
  toLoggedNote,
  toLogEntry,
  toNote,
  toStatus,
  type ChangeRow,
  type ItemRow,
  type LoggedNoteRow,
  type NoteRow,
  type StatusRow,
} from "../sql/rows.js";
import { itemPatchValues, itemValues, noteValues, statusPatchValues, statusValues } from "../sql/values.js";
import { toTransition, transitionValues, type TransitionRow } from "../sql/status-history.js";
import type { WriteBatchObserver } from "../write-observer.js";
import { PostgresAuditStore } from "./postgres-audit.js";
import { PostgresSettingsStore } from "./postgres-settings-store.js";
import { PostgresInletStore } from "./postgres-inlet-store.js";
import { inletItemChange } from "../inlet-store.js";
import { PostgresOutboxStore } from "./postgres-outbox-store.js";
import { PostgresMailStore } from "./postgres-mail-store.js";
import type { ChangeMoment, ItemPatch, NewItem, NewStatus, StatusPatch, Store } from "../store.js";
import type { LogEntry } from "../change-codec.js";
import { ChangeListener, type LivenessCheck, type ReconnectBackoff } from "./change-listener.js";
import { reportConnectionLossAsUnavailable, surviveConnectionLoss } from "./connection-loss.js";
import { PG_VALUES, withConflicts } from "./dialect.js";
import { currentSchema, lockKey, migrate } from "./migrations.js";
import { PostgresAuthStore } from "./postgres-auth-store.js";
import { PostgresIncidentStore } from "./postgres-incident-store.js";
import type { ItemChange } from "../incident-store.js";
import { PostgresGroupStore } from "./postgres-group-store.js";
import { GROUP_SQL, toGroup, type GroupRow } from "../sql/group-statements.js";
import { PG, Q } from "./statements.js";
import { transaction } from "./transaction.js";
import { batchable, itemUpdatesTogether, updatedItem, type UpdatedItemRow } from "./item-updates.js";
import { ACCOUNTS_PAYLOAD, changesChannel, PgWriteQueue, REVOCATION_PAYLOAD, type WriteTx } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** Options for opening a PostgreSQL store. */
export interface PostgresStoreOptions {
  /** A libpq-style URL: `postgres://user:password@host:5432/database`. */
  connectionString: string;
  /**
   * The schema that holds StatusThing's tables (it must exist). Without it, the connection's
   * search_path decides: usually `public`, or what the URL's `options=-c search_path=…` says.
   */
  schema?: string;
  /** Connections in the pool for reads (default 10), besides the one that listens for changes and the one the write queue holds. */
  poolSize?: number;
  /** The longest any statement may run, in ms (PostgreSQL's statement_timeout; default 30 s). */
  statementTimeoutMs?: number;
  /** How long to wait for a connection, in ms (default 10 s). */
  connectTimeoutMs?: number;
  /** Where connection trouble is reported. */
  logger?: Logger;
  /** Reconnect delays of the connection that listens for changes. */
  listenBackoff?: ReconnectBackoff;
  /** How often the connection that listens for changes is checked, and how long it may take to answer (default every 30 s, 10 s). */
  listenCheck?: LivenessCheck;
}

/** Something to run queries on: the pool, or one connection inside a transaction. */
type Queryable = Pool | PoolClient;

/** Items from an ITEM_SELECT statement, with their notes if asked (two queries). */
async function loadItems(q: Queryable, sql: string, params: unknown[], withNotes: boolean): Promise<ItemView[]> {
  const { rows } = await q.query<ItemRow>(sql, params);
  if (!withNotes) return rows.map((r) => toItem(r, undefined));
  const ids = rows.map((r) => r.id);
  const notes = notesByItem(ids, ids.length === 0 ? [] : (await q.query<NoteRow>(PG.notesOfItems, [ids])).rows);
  return rows.map((r) => toItem(r, notes.get(r.id)));
}

/** One item (with notes if asked), or undefined. */
async function loadItem(q: Queryable, id: string, withNotes: boolean): Promise<ItemView | undefined> {
  return (await loadItems(q, Q.getItem, [id], withNotes))[0];
}

/** An item this write has just checked or written. */
async function mustLoadItem(q: Queryable, id: string, withNotes: boolean): Promise<ItemView> {
  const item = await loadItem(q, id, withNotes);
  if (!item) throw new Error(`item ${id} vanished inside its own write`);
  return item;
}

/**
 * The scale-out store: everything in PostgreSQL, so several stateless StatusThing replicas can
 * serve one page. Reads go straight to a pool; writes that log changes go through a group-commit
 * queue that serializes them, on every replica, under one advisory lock (see `PgWriteQueue` for
 * why revision order is then commit order). Each commit NOTIFYs the schema's channel, which
 * `subscribeChanges` LISTENs to on a dedicated connection. Open it with `PostgresStore.open`.
 */
export class PostgresStore implements Store {
  readonly accounts: PostgresAuthStore;
  /** The audit log, written with each audited write. */
  readonly audit: PostgresAuditStore;
  /** Incidents and maintenance windows, written in this store's transactions. */
  readonly incidents: PostgresIncidentStore;
  readonly groups: PostgresGroupStore;
  readonly settings: PostgresSettingsStore;
  /** Hooks, heartbeats and their per-item state. */
  readonly inlets: PostgresInletStore;
  /** The outbox: events written with each change, and the webhooks that read them. */
  readonly outbox: PostgresOutboxStore;
  /** Email subscribers, their queued mails and the mail cursor. */
  readonly mail: PostgresMailStore;
  private readonly hooks = new CommitHooks();
  private readonly writes: PgWriteQueue;
  private readonly listener: ChangeListener;
  /** The accounts, unwrapped: for their token cache. */
  private readonly accountStore: PostgresAuthStore;
  /** Whether someone subscribed to revocations, so the listener clears the token cache on each announcement. */
  private revocationsHeard = false;
  private closed: Promise<void> | undefined;

  private constructor(
    /** The connection pool (for tests and diagnostics). */
    readonly pool: Pool,
    /**
     * The write queue's own connection (a pool of one, so a lost one is replaced): its groups
     * never wait behind reads and token lookups for a pooled connection while writers wait on
     * them, and reads never wait behind a group.
     */
    private readonly writePool: Pool,
    /** The schema that holds the tables. */
    readonly schema: string,
    logLockKey: string,
    listenConfig: PoolConfig,
    logger: Logger | undefined,
    backoff: ReconnectBackoff | undefined,
    liveness: LivenessCheck | undefined,
  ) {
    this.writes = new PgWriteQueue(writePool, logLockKey, this.hooks);
    // Wrapped like the store itself (see open): a lost connection is `unavailable` here too.
    this.accountStore = new PostgresAuthStore(pool, `statusthing:${schema}:`, changesChannel(logLockKey), () => this.revocationsHeard && this.listener.connected === true);
    this.accounts = reportConnectionLossAsUnavailable(this.accountStore);
    this.audit = reportConnectionLossAsUnavailable(new PostgresAuditStore(pool));
    this.incidents = reportConnectionLossAsUnavailable(new PostgresIncidentStore(pool, this.writes, changeItemIn));
    this.groups = reportConnectionLossAsUnavailable(new PostgresGroupStore(pool, this.writes));
    this.settings = reportConnectionLossAsUnavailable(new PostgresSettingsStore(pool, this.writes));
    this.inlets = reportConnectionLossAsUnavailable(new PostgresInletStore(pool, this.writes, (client, id) => loadItem(client, id, false), writeInletChange));
    this.outbox = reportConnectionLossAsUnavailable(new PostgresOutboxStore(pool));
    this.mail = reportConnectionLossAsUnavailable(new PostgresMailStore(pool));
    this.listener = new ChangeListener(listenConfig, changesChannel(logLockKey), logger, backoff, liveness);
  }

  /** Connects, brings the schema up to date (refusing a database from a newer StatusThing), and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const config = connectionConfig(options);
    const statementTimeout = options.statementTimeoutMs ?? 30_000;
    const pool = new pg.Pool({ ...config, max: options.poolSize ?? 10, statement_timeout: statementTimeout });
    // Kept open while idle (a write need not wait for a connection to be made), but not keeping
    // the process alive by itself: a CLI run that forgot to close still exits. Pipelined: the
    // write queue sends a statement without waiting for the answer to the one before where that
    // saves a round trip under the log's lock (see PgWriteQueue).
    const writePool = new pg.Pool({
      ...config,
      max: 1,
      idleTimeoutMillis: 0,
      allowExitOnIdle: true,
      statement_timeout: statementTimeout,
      pipeline: true,
    });
    // A pooled connection that fails (server restart, pg_terminate_backend) must not crash the process.
    surviveConnectionLoss(pool, options.logger);
    surviveConnectionLoss(writePool, options.logger);
    try {
      // Migrates on the write queue's connection, which so is open from the start.
      const client = await writePool.connect();
      try {
        const schema = await currentSchema(client);
        await migrate(client, schema);
        const logLock = await lockKey(client, schema, "changes");
        const store = new PostgresStore(pool, writePool, schema, logLock, { ...config, keepAlive: true }, options.logger, options.listenBackoff, options.listenCheck);
        return reportConnectionLossAsUnavailable(store);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => {});
      await writePool.end().catch(() => {});
      throw error;
    }
  }

  onCommit(listener: CommitListener): () => void {
    return this.hooks.add(listener);
  }

  async listStatuses(kinds: readonly number[]): Promise<StatusRecord[]> {
    return (await this.pool.query<StatusRow>(PG.listStatuses, [[...kinds]])).rows.map(toStatus);
  }

  async getStatus(id: string): Promise<StatusRecord | undefined> {
    return readStatus(this.pool, id);
  }

  addStatus(status: NewStatus, audit?: AuditActor): Promise<StatusRecord> {
    return this.writes.run(async (tx) => {
      const created = await insertStatus(tx.client, status);
      tx.log({ kind: "status_upsert", status: created });
      return created;
    }, audit);
  }

  updateStatus(id: string, patch: StatusPatch, audit?: AuditActor): Promise<StatusRecord> {
    return this.writes.run(async (tx) => {
      const { rows } = await withConflicts({ name: patch.name }, () => tx.client.query<StatusRow>(PG.updateStatus, statusPatchValues(id, patch, PG_VALUES)));
      if (!rows[0]) throw notFound("status", id);
      const status = toStatus(rows[0]);
      tx.log({ kind: "status_upsert", status });
      // Items show their status: each one that shows this status changed too.
      for (const item of await loadItems(tx.client, Q.itemsWithStatus, [id], false)) {
        // A new kind is a new status for the item, as of this change.
        await recordTransition(tx, item, false, patch.updated, tx.log({ kind: "item_upsert", item }));
      }
      return status;
    }, audit);
  }

  deleteStatus(id: string, audit?: AuditActor): Promise<void> {
    return this.writes.run(async (tx) => {
      const { rows } = await tx.client.query<{ users: string }>(PG.statusUsers, [id]);
      if (!rows[0]) throw notFound("status", id);
      const users = Number(rows[0].users);
      if (users > 0) throw statusInUse(users);
      await tx.client.query(Q.deleteStatus, [id]);
      tx.log({ kind: "status_delete", id });
    }, audit);
  }

  async listItems(filter: ItemFilter): Promise<ItemView[]> {
    const params = [[...filter.statusIds], [...filter.kinds]];
    if (!filter.withNotes) return loadItems(this.pool, PG.listItems, params, false);
    // Items and notes from one snapshot, so no item misses a note committed in between.
    return this.readOnly((client) => loadItems(client, PG.listItems, params, true));
  }

  async getItem(id: string, withNotes: boolean): Promise<ItemView | undefined> {
    if (!withNotes) return loadItem(this.pool, id, false);
    return this.readOnly((client) => loadItem(client, id, true));
  }

  addItem(item: NewItem, audit?: AuditActor): Promise<ItemView> {
    return this.writes.run(async (tx) => {
      let statusId = item.statusId ?? null;
      if (item.newStatus) {
        const status = await insertStatus(tx.client, item.newStatus);
        tx.log({ kind: "status_upsert", status });
        statusId = status.id;
      }
      // A status that does not exist fails the foreign key.
      await withConflicts({ name: item.name, statusId: item.statusId }, () => tx.client.query(Q.insertItem, itemValues(item, statusId, PG_VALUES)));
      if (item.initialNote) await insertNote(tx.client, item.initialNote);
      return logItem(tx, item.id, true);
    }, audit);
  }

  updateItem(id: string, patch: ItemPatch, audit?: AuditActor): Promise<ItemView> {
    const update = { id, patch };
    return this.writes.run(
      async (tx) => {
        // One round trip, since writes hold the log's lock: the item as updated, with its status and
        // notes. No row means no such item, and a status that does not exist fails the foreign key.
        const { rows } = await withConflicts({ name: patch.name, statusId: patch.statusId }, () =>
          tx.client.query<UpdatedItemRow>({ name: "statusthing_update_item", text: PG.updateItemReturning, values: itemPatchValues(id, patch, PG_VALUES) }),
        );
        if (!rows[0]) throw notFound("item", id);
        const item = updatedItem(rows[0]);
        logUpdatedItem(tx, item);
        return item;
      },
      audit,
      batchable(update) ? { writes: ITEM_UPDATES, input: update } : undefined,
    );
  }

  deleteItem(id: string, at?: Date, audit?: AuditActor): Promise<void> {
    return this.writes.run(async (tx) => {
      // Kept in the log, so the item's earlier revisions can still be read with their notes.
      const notes = await tx.client.query<LoggedNoteRow>(Q.notesOfItem, [id]);
      // Notes go with the item through ON DELETE CASCADE, in this same transaction.
      const { rows } = await tx.client.query<{ name: string }>(Q.deleteItem, [id]);
      if (!rows[0]) throw notFound("item", id);
      const pending = tx.log({ kind: "item_delete", id, notes: notes.rows.map(toLoggedNote) });
      await recordTransition(tx, { id, name: rows[0].name, status: undefined }, true, at ?? new Date(), pending);
    }, audit);
  }

  async getNote(id: string): Promise<NoteRecord | undefined> {
    const [row] = (await this.pool.query<NoteRow>(Q.getNote, [id])).rows;
    return row && toNote(row);
  }

  async listNotes(itemId: string): Promise<NoteRecord[]> {
    const { rows } = await this.pool.query<NoteRow & { found: boolean }>(PG.notesOfExistingItem, [itemId]);
    if (!rows[0]?.found) throw notFound("item", itemId);
    return rows.filter((r) => r.id !== null).map(toNote);
  }

  addNote(note: NoteRecord, audit?: AuditActor): Promise<NoteRecord> {
    return this.writes.run(async (tx) => {
      if ((await tx.client.query(Q.itemExists, [note.itemId])).rows.length === 0) throw notFound("item", note.itemId);
      const seq = await insertNote(tx.client, note);
      await tx.client.query(Q.touchItem, [note.updated, note.itemId]);
      tx.log({ kind: "note_upsert", item: await mustLoadItem(tx.client, note.itemId, false), note: { ...note, seq } });
      return note;
    }, audit);
  }

  updateNote(id: string, text: string, updated: Date, audit?: AuditActor): Promise<NoteRecord> {
    return this.writes.run(async (tx) => {
      // The text before goes in the log too (writes hold the log's lock: nothing changes in between).
      const [before] = (await tx.client.query<NoteRow>(Q.getNote, [id])).rows;
      const [after] = (await tx.client.query<LoggedNoteRow>(Q.updateNote, [text, updated, id])).rows;
      if (!before || !after) throw notFound("note", id);
      await tx.client.query(Q.touchItem, [updated, after.item_id]);
      const previous = { text: before.text, updated: toDate(before.updated_at) };
      tx.log({ kind: "note_upsert", item: await mustLoadItem(tx.client, after.item_id, false), note: toLoggedNote(after), previous });
      return toNote(after);
    }, audit);
  }

  deleteNote(id: string, at: Date, audit?: AuditActor): Promise<void> {
    return this.writes.run(async (tx) => {
      const [deleted] = (await tx.client.query<LoggedNoteRow>(Q.deleteNote, [id])).rows;
      if (!deleted) throw notFound("note", id);
      await tx.client.query(Q.touchItem, [at, deleted.item_id]);
      tx.log({ kind: "note_delete", item: await mustLoadItem(tx.client, deleted.item_id, false), note: toLoggedNote(deleted) });
    }, audit);
  }

  seedDefaultStatuses(defaults: readonly NewStatus[]): Promise<void> {
    // Under the log's lock like every logged write: replicas starting at once seed one after the
    // other, and all but the first find the mark and do nothing.
    return this.writes.run(async (tx) => {
      if ((await tx.client.query(Q.getMeta, ["default_statuses_seeded"])).rows.length > 0) return;
      for (const status of defaults) {
        const [row] = (await tx.client.query<StatusRow>(PG.insertStatusUnlessNamed, statusValues(status, PG_VALUES))).rows;
        if (row) tx.log({ kind: "status_upsert", status: toStatus(row) });
      }
      await tx.client.query(PG.markSeeded, [new Date().toISOString()]);
    });
  }

  async recentTransitions(itemId: string | undefined, limit: number): Promise<StatusTransition[]> {
    const { rows } =
      itemId === undefined ? await this.pool.query<TransitionRow>(Q.recentTransitions, [limit]) : await this.pool.query<TransitionRow>(Q.recentTransitionsOfItem, [itemId, limit]);
    return rows.map(toTransition);
  }

  async transitionsAfter(afterRevision: number): Promise<StatusTransition[]> {
    const { rows } = await this.pool.query<TransitionRow>(Q.transitionsAfter, [afterRevision]);
    return rows.map(toTransition);
  }

  async changeAt(instant: Date): Promise<ChangeMoment> {
    return this.readOnly(async (client) => {
      const [row] = (await client.query<{ revision: string; at: Date }>(Q.changeAtOrBefore, [instant])).rows;
      const [next] = (await client.query<{ at: Date }>(Q.changeAfter, [instant])).rows;
      return { revision: row ? Number(row.revision) : 0, at: row?.at, nextAt: next?.at };
    });
  }

  async readLogEntries(afterRevision: number, limit: number): Promise<LogEntry[]> {
    const { rows } = await this.pool.query<ChangeRow>(Q.readChanges, [afterRevision, limit]);
    return rows.map(toLogEntry);
  }

  async readChanges(afterRevision: number, limit: number): Promise<ChangeRecord[]> {
    // Safe to read by revision alone: revisions become visible strictly in order (write-queue.ts).
    const { rows } = await this.pool.query<ChangeRow>(Q.readChanges, [afterRevision, limit]);
    const entries = rows.map(toLogEntry);
    const items = itemsNeedingNotes(entries);
    if (items.length === 0) return assembleChanges({ entries, noteHistory: [], currentNotes: [] });
    // The note history and the current notes from one snapshot (it may be newer than the page's:
    // the history then reaches that far too, so walking back from those notes is still exact).
    return this.readOnly(async (client) => {
      const history = await client.query<ChangeRow>(PG.noteHistory, [items, afterRevision]);
      const notes = await client.query<LoggedNoteRow>(PG.notesOfItems, [items]);
      return assembleChanges({ entries, noteHistory: history.rows.map(toLogEntry), currentNotes: notes.rows.map(toLoggedNote) });
    });
  }

  async changeLogBounds(): Promise<{ oldest: number; latest: number }> {
    return readBounds(this.pool);
  }

  async snapshot(): Promise<StoreSnapshot> {
    // One REPEATABLE READ snapshot: the data is exactly that of the revision read with it,
    // since each write commits its data and its revision together.
    return this.readOnly(async (client) => {
      const { latest } = await readBounds(client);
      const items = await loadItems(client, PG.allItems, [], true);
      const { rows } = await client.query<StatusRow>(Q.listStatuses);
      const groups = await client.query<GroupRow>(GROUP_SQL.listGroups);
      return { revision: latest, items, statuses: rows.map(toStatus), groups: groups.rows.map(toGroup) };
    });
  }

  async pruneChanges(keepLatest: number, keepSince: Date): Promise<number> {
    const { rowCount } = await this.pool.query(PG.pruneChanges, [keepLatest, keepSince]);
    return rowCount ?? 0;
  }

  /**
   * Calls `onChange` when a commit on another replica may have logged changes (LISTEN on a
   * dedicated connection), and once each time listening (re)starts: see `Store.subscribeChanges`.
   * This store's own commits ring too, but are left out: `onCommit` announced them already, and
   * reading the log again for each would double a replica's work per group commit.
   */
  subscribeChanges(onChange: () => void): () => void {
    if (this.closed) return () => {};
    return this.listener.subscribe((payload) => {
      // A commit of this store's own rings here too, but its onCommit hooks have run already.
      if (payload === REVOCATION_PAYLOAD || payload === ACCOUNTS_PAYLOAD) return;
      if (payload === undefined || !this.writes.ownCommit(payload)) onChange();
    });
  }

  /**
   * Calls `onRevoked` when a session, API token or user was deleted on any replica (or by the
   * CLI), on the same channel as changes, and once each time listening (re)starts, since an
   * announcement may have been missed meanwhile.
   */
  subscribeRevocations(onRevoked: () => void): () => void {
    if (this.closed) return () => {};
    // While this subscription lasts, API tokens are answered from memory (see PostgresAuthStore.tokens).
    this.revocationsHeard = true;
    const unsubscribe = this.listener.subscribe((payload) => {
      if (payload === undefined || payload === REVOCATION_PAYLOAD || payload === ACCOUNTS_PAYLOAD) this.accountStore.tokens.clear();
      if (payload === undefined || payload === REVOCATION_PAYLOAD) onRevoked();
    });
    return () => {
      this.revocationsHeard = false;
      this.accountStore.tokens.clear();
      unsubscribe();
    };
  }

  /**
   * Ready when a pooled connection answers `SELECT 1` within 2 s and, once something subscribed
   * to changes, the listening connection is up: without it this replica would miss other
   * replicas' changes until the next heartbeat.
   */
  async readiness(): Promise<string | undefined> {
    if (this.closed) return "the store is closed";
    try {
      await this.pool.query({ text: "SELECT 1", query_timeout: 2_000 } as pg.QueryConfig);
    } catch {
      // A fixed phrase: the driver's message may name hosts and paths, and /readyz is public.
      return "the database does not answer";
    }
    if (this.listener.connected === false) return "not yet listening for changes from other replicas";
    return undefined;
  }

  changeFeedConnected(): boolean | undefined {
    return this.listener.connected;
  }

  observeWrites(observer: WriteBatchObserver): void {
    this.writes.onBatch = observer;
  }

  /** The server process id of the connection that listens for changes, while it is up (for tests). */
  get listenerBackendPid(): number | undefined {
    return this.listener.backendPid;
  }

  /** Stops listening, finishes pending writes and closes every connection. Safe to call twice. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      this.listener.stop();
      await this.writes.close();
      await Promise.all([this.pool.end(), this.writePool.end()]);
    })();
    return this.closed;
  }

  /** Runs `work` in a read-only REPEATABLE READ transaction: every statement sees one snapshot. */
  private readOnly<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return transaction(this.pool, work, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
}

/** The pg settings shared by the pool and the listening connection. */
function connectionConfig(options: PostgresStoreOptions): PoolConfig {
  const config: PoolConfig = {
    connectionString: options.connectionString,
    application_name: "statusthing",
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
  };
  if (options.schema !== undefined) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(options.schema)) {
      throw new Error(`schema: want a plain identifier (letters, digits, _), got ${JSON.stringify(options.schema)}`);
    }
    // Set at connection start, so every pooled connection uses it; a URL's own options would override it.
    if (/[?&]options=/.test(options.connectionString)) {
      throw new Error("schema: give the schema either in the URL's options or as the schema option, not both");
    }
    config.options = `-c search_path=${options.schema}`;
  }
  return config;
}

async function readStatus(q: Queryable, id: string): Promise<StatusRecord | undefined> {
  const [row] = (await q.query<StatusRow>(Q.getStatus, [id])).rows;
  return row && toStatus(row);
}

async function insertStatus(client: PoolClient, status: NewStatus): Promise<StatusRecord> {
  await withConflicts({ name: status.name }, () => client.query(Q.insertStatus, statusValues(status, PG_VALUES)));
  return { ...status };
}

/** Inserts a note; returns its creation order. */
async function insertNote(client: PoolClient, note: NoteRecord): Promise<number> {
  const [row] = (await client.query<{ seq: string }>(Q.insertNote, noteValues(note, PG_VALUES))).rows;
  return Number(row?.seq);
}

/**
 * Logs an item's current state as changed (the log keeps no notes with it, but on its `first`
 * change), and its status history if that moved; returns it with its notes.
 */
async function logItem(tx: WriteTx, id: string, first = false): Promise<ItemView> {
  const item = await mustLoadItem(tx.client, id, true);
  await recordTransition(tx, item, false, item.updated, tx.log({ kind: "item_upsert", item, withNotes: first }));
  return item;
}

/**
 * A change to an item inside another record's write (an incident's, a maintenance window's, an
 * inlet's): the status as UpdateItem sets it (logged, with its history as of `at`), the note as
 * AddNote adds it.
 */
async function changeItemIn(tx: WriteTx, change: ItemChange, at: Date): Promise<void> {
  if (change.statusId !== undefined) {
    await withConflicts({ statusId: change.statusId }, () => tx.client.query(Q.updateItem, itemPatchValues(change.itemId, { statusId: change.statusId, updated: at }, PG_VALUES)));
    const item = await mustLoadItem(tx.client, change.itemId, false);
    await recordTransition(tx, item, false, at, tx.log({ kind: "item_upsert", item }));
  }
  if (change.note) {
    const seq = await insertNote(tx.client, change.note);
    await tx.client.query(Q.touchItem, [change.note.updated, change.itemId]);
    tx.log({ kind: "note_upsert", item: await mustLoadItem(tx.client, change.itemId, false), note: { ...change.note, seq } });
  }
}

/** An inlet's change to an item (see changeItemIn); returns the item after it. */
async function writeInletChange(tx: WriteTx, id: string, change: { statusId?: string; noteText?: string; at: Date }): Promise<ItemView> {
  await changeItemIn(tx, inletItemChange(id, change), change.at);
  return mustLoadItem(tx.client, id, false);
}

/** Records a status transition with the change `pending`, unless the item's newest one already says the same (see WriteTx.transition). */
async function recordTransition(tx: WriteTx, item: Pick<ItemView, "id" | "name" | "status">, deleted: boolean, at: Date, pending: number): Promise<void> {
  tx.transition(pending, { item: transitionValues(deleted ? { ...item, status: undefined } : item), deleted, at });
}

/** Logs an item UpdateItem changed, and its status history if that moved. */
function logUpdatedItem(tx: WriteTx, item: ItemView): void {
  tx.transition(tx.log({ kind: "item_upsert", item }), { item: transitionValues(item), deleted: false, at: item.updated });
}

/** UpdateItems that a group runs together. */
const ITEM_UPDATES = itemUpdatesTogether(logUpdatedItem);

async function readBounds(q: Queryable): Promise<{ oldest: number; latest: number }> {
  const [row] = (await q.query<{ latest: string; oldest: string | null }>(PG.bounds)).rows;
  const latest = Number(row?.latest ?? 0);
  return { oldest: row?.oldest == null ? latest + 1 : Number(row.oldest), latest };
}
