import pg, { type Pool, type PoolClient, type PoolConfig } from "pg";
import {
  nameKey,
  type ChangeRecord,
  type ItemFilter,
  type ItemView,
  type NoteRecord,
  type StatusRecord,
  type StatusTransition,
  type StoreSnapshot,
} from "../../domain.js";
import { DomainError, nameTaken, notFound } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { assembleChanges, itemsNeedingNotes } from "../change-assembly.js";
import { decodeLogEntry, type LogEntry, type LoggedNote } from "../change-codec.js";
import { toTransition, transitionValues, TRANSITION_COLUMNS, type TransitionRow } from "../status-history.js";
import { AuthDelegatingStore } from "../auth-delegate.js";
import type { ChangeMoment, ItemPatch, NewItem, NewStatus, StatusPatch, Store } from "../store.js";
import { reportConnectionLossAsUnavailable, surviveConnectionLoss } from "./connection-loss.js";
import { ChangeListener, type LivenessCheck, type ReconnectBackoff } from "./change-listener.js";
import { currentSchema, lockKey, migrate } from "./migrations.js";
import { PostgresAuthStore, REVOCATION_PAYLOAD, transaction } from "./postgres-auth-store.js";
import { changesChannel, PgWriteQueue, type WriteTx } from "./write-queue.js";

/** Options for opening a PostgreSQL store. */
export interface PostgresStoreOptions {
  /** A libpq-style URL: `postgres://user:password@host:5432/database`. */
  connectionString: string;
  /**
   * The schema that holds StatusThing's tables (it must exist). Without it, the connection's
   * search_path decides: usually `public`, or what the URL's `options=-c search_path=…` says.
   */
  schema?: string;
  /** Connections in the pool (default 10), besides the one that listens for changes. */
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

interface StatusRow {
  id: string;
  name: string;
  description: string;
  color: string;
  kind: number;
  created_at: Date;
  updated_at: Date;
}
interface ItemRow {
  id: string;
  name: string;
  description: string;
  created_at: Date;
  updated_at: Date;
  s_id: string | null;
  s_name: string | null;
  s_description: string | null;
  s_color: string | null;
  s_kind: number | null;
  s_created_at: Date | null;
  s_updated_at: Date | null;
}
interface NoteRow {
  id: string;
  item_id: string;
  text: string;
  created_at: Date;
  updated_at: Date;
}
/** A note with its creation order (bigserial, so pg gives it as a string). */
interface LoggedNoteRow extends NoteRow {
  seq: string;
}
interface ChangeRow {
  revision: string;
  kind: string;
  entity_id: string;
  payload: string;
}

/** Something to run queries on: the pool, or one connection inside a transaction. */
type Queryable = Pool | PoolClient;

const STATUS_FIELDS = "id, name, description, color, kind, created_at, updated_at";
const NOTE_FIELDS = "id, item_id, text, created_at, updated_at";
const ITEM_SELECT = `
  SELECT i.id, i.name, i.description, i.created_at, i.updated_at,
         s.id AS s_id, s.name AS s_name, s.description AS s_description, s.color AS s_color,
         s.kind AS s_kind, s.created_at AS s_created_at, s.updated_at AS s_updated_at
  FROM items i LEFT JOIN statuses s ON s.id = i.status_id`;

function toStatus(row: StatusRow): StatusRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    color: row.color,
    kind: row.kind,
    created: row.created_at,
    updated: row.updated_at,
  };
}

function toNote(row: NoteRow): NoteRecord {
  return { id: row.id, itemId: row.item_id, text: row.text, created: row.created_at, updated: row.updated_at };
}

function toLoggedNote(row: LoggedNoteRow): LoggedNote {
  return { ...toNote(row), seq: Number(row.seq) };
}

const decodeRow = (r: ChangeRow) => decodeLogEntry(Number(r.revision), r.kind, r.entity_id, r.payload);

function toItem(row: ItemRow, notes: NoteRecord[] | undefined): ItemView {
  const status =
    row.s_id === null
      ? undefined
      : {
          id: row.s_id,
          name: row.s_name!,
          description: row.s_description!,
          color: row.s_color!,
          kind: row.s_kind!,
          created: row.s_created_at!,
          updated: row.s_updated_at!,
        };
  return { id: row.id, name: row.name, description: row.description, status, notes, created: row.created_at, updated: row.updated_at };
}

/** Turns a UNIQUE violation on a name into already_exists; anything else is rethrown. */
function rethrowNameConflict(error: unknown, name: string | undefined): never {
  if (error instanceof pg.DatabaseError && error.code === "23505" && name !== undefined) {
    if (error.constraint === "items_name_unique") throw nameTaken("item", name);
    if (error.constraint === "statuses_name_unique") throw nameTaken("status", name);
  }
  throw error;
}

/** Items matching a WHERE clause, in creation order, with their notes if asked (two queries). */
async function loadItems(q: Queryable, where: string, params: unknown[], withNotes: boolean): Promise<ItemView[]> {
  const { rows } = await q.query<ItemRow>(`${ITEM_SELECT} ${where} ORDER BY i.seq`, params);
  if (!withNotes) return rows.map((r) => toItem(r, undefined));
  const notesByItem = new Map<string, NoteRecord[]>(rows.map((r) => [r.id, []]));
  if (rows.length > 0) {
    const notes = await q.query<NoteRow>(`SELECT ${NOTE_FIELDS} FROM notes WHERE item_id = ANY($1::text[]) ORDER BY seq`, [rows.map((r) => r.id)]);
    for (const note of notes.rows) notesByItem.get(note.item_id)!.push(toNote(note));
  }
  return rows.map((r) => toItem(r, notesByItem.get(r.id)!));
}

/**
 * The scale-out store: everything in PostgreSQL, so several stateless StatusThing replicas can
 * serve one page. Reads go straight to a pool; writes that log changes go through a group-commit
 * queue that serializes them, on every replica, under one advisory lock (see `PgWriteQueue` for
 * why revision order is then commit order). Each commit NOTIFYs the schema's channel, which
 * `subscribeChanges` LISTENs to on a dedicated connection. Open it with `PostgresStore.open`.
 */
export class PostgresStore extends AuthDelegatingStore implements Store {
  protected readonly auth: PostgresAuthStore;
  private readonly writes: PgWriteQueue;
  private readonly listener: ChangeListener;
  private closed: Promise<void> | undefined;

  private constructor(
    /** The connection pool (for tests and diagnostics). */
    readonly pool: Pool,
    /** The schema that holds the tables. */
    readonly schema: string,
    logLockKey: string,
    listenConfig: PoolConfig,
    logger: Logger | undefined,
    backoff: ReconnectBackoff | undefined,
    liveness: LivenessCheck | undefined,
  ) {
    super();
    this.writes = new PgWriteQueue(pool, logLockKey);
    this.auth = new PostgresAuthStore(pool, `statusthing:${schema}:`, changesChannel(logLockKey));
    this.listener = new ChangeListener(listenConfig, changesChannel(logLockKey), logger, backoff, liveness);
  }

  /** Connects, brings the schema up to date (refusing a database from a newer StatusThing), and returns the store. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const config = connectionConfig(options);
    const pool = new pg.Pool({ ...config, max: options.poolSize ?? 10, statement_timeout: options.statementTimeoutMs ?? 30_000 });
    // A pooled connection that fails (server restart, pg_terminate_backend) must not crash the process.
    surviveConnectionLoss(pool, options.logger);
    try {
      const client = await pool.connect();
      try {
        const schema = await currentSchema(client);
        await migrate(client, schema);
        const logLock = await lockKey(client, schema, "changes");
        const store = new PostgresStore(pool, schema, logLock, { ...config, keepAlive: true }, options.logger, options.listenBackoff, options.listenCheck);
        return reportConnectionLossAsUnavailable(store);
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
  }

  async listStatuses(kinds: readonly number[]): Promise<StatusRecord[]> {
    const { rows } = await this.pool.query<StatusRow>(
      `SELECT ${STATUS_FIELDS} FROM statuses WHERE cardinality($1::integer[]) = 0 OR kind = ANY($1::integer[]) ORDER BY seq`,
      [[...kinds]],
    );
    return rows.map(toStatus);
  }

  async getStatus(id: string): Promise<StatusRecord | undefined> {
    return readStatus(this.pool, id);
  }

  addStatus(status: NewStatus): Promise<StatusRecord> {
    return this.writes.run(async (tx) => {
      const created = await insertStatus(tx.client, status);
      tx.log({ kind: "status_upsert", status: created });
      return created;
    });
  }

  updateStatus(id: string, patch: StatusPatch): Promise<StatusRecord> {
    return this.writes.run(async (tx) => {
      let rows: StatusRow[];
      try {
        ({ rows } = await tx.client.query<StatusRow>(
          `UPDATE statuses SET name = coalesce($1, name), name_key = coalesce($2, name_key), description = coalesce($3, description),
             color = coalesce($4, color), kind = coalesce($5::integer, kind), updated_at = $6
           WHERE id = $7 RETURNING ${STATUS_FIELDS}`,
          [
            patch.name ?? null,
            patch.name === undefined ? null : nameKey(patch.name),
            patch.description ?? null,
            patch.color ?? null,
            patch.kind ?? null,
            patch.updated,
            id,
          ],
        ));
      } catch (error) {
        rethrowNameConflict(error, patch.name);
      }
      if (!rows[0]) throw notFound("status", id);
      const status = toStatus(rows[0]);
      tx.log({ kind: "status_upsert", status });
      // Items show their status: each one that shows this status changed too.
      for (const item of await loadItems(tx.client, "WHERE i.status_id = $1", [id], false)) {
        // A new kind is a new status for the item, as of this change.
        await recordTransition(tx, item, false, patch.updated, tx.log({ kind: "item_upsert", item }));
      }
      return status;
    });
  }

  deleteStatus(id: string): Promise<void> {
    return this.writes.run(async (tx) => {
      const { rows } = await tx.client.query<{ users: string }>(
        "SELECT (SELECT count(*) FROM items WHERE status_id = $1) AS users FROM statuses WHERE id = $1",
        [id],
      );
      if (!rows[0]) throw notFound("status", id);
      const users = Number(rows[0].users);
      if (users > 0) throw new DomainError("failed_precondition", `status is used by ${users} ${users === 1 ? "item" : "items"}`);
      await tx.client.query("DELETE FROM statuses WHERE id = $1", [id]);
      tx.log({ kind: "status_delete", id });
    });
  }

  async listItems(filter: ItemFilter): Promise<ItemView[]> {
    const where = "WHERE (cardinality($1::text[]) = 0 OR i.status_id = ANY($1::text[])) AND (cardinality($2::integer[]) = 0 OR s.kind = ANY($2::integer[]))";
    const params = [[...filter.statusIds], [...filter.kinds]];
    if (!filter.withNotes) return loadItems(this.pool, where, params, false);
    // Items and notes from one snapshot, so no item misses a note committed in between.
    return this.readOnly((client) => loadItems(client, where, params, true));
  }

  async getItem(id: string, withNotes: boolean): Promise<ItemView | undefined> {
    if (!withNotes) return (await loadItems(this.pool, "WHERE i.id = $1", [id], false))[0];
    return this.readOnly(async (client) => (await loadItems(client, "WHERE i.id = $1", [id], true))[0]);
  }

  addItem(item: NewItem): Promise<ItemView> {
    return this.writes.run(async (tx) => {
      let statusId = item.statusId ?? null;
      if (item.newStatus) {
        const status = await insertStatus(tx.client, item.newStatus);
        tx.log({ kind: "status_upsert", status });
        statusId = status.id;
      } else if (statusId !== null && !(await readStatus(tx.client, statusId))) throw notFound("status", statusId);
      try {
        await tx.client.query(
          "INSERT INTO items (id, name, name_key, description, status_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
          [item.id, item.name, nameKey(item.name), item.description, statusId, item.created],
        );
      } catch (error) {
        rethrowNameConflict(error, item.name);
      }
      if (item.initialNote) await insertNote(tx.client, item.initialNote);
      return logItem(tx, item.id, true);
    });
  }

  updateItem(id: string, patch: ItemPatch): Promise<ItemView> {
    return this.writes.run(async (tx) => {
      // One round trip, since writes hold the log's lock: no row updated means no such item, and
      // a status that does not exist fails the foreign key.
      let updated: number | null;
      try {
        ({ rowCount: updated } = await tx.client.query(
          `UPDATE items SET name = coalesce($1, name), name_key = coalesce($2, name_key), description = coalesce($3, description),
             status_id = coalesce($4, status_id), updated_at = $5 WHERE id = $6`,
          [patch.name ?? null, patch.name === undefined ? null : nameKey(patch.name), patch.description ?? null, patch.statusId ?? null, patch.updated, id],
        ));
      } catch (error) {
        if (error instanceof pg.DatabaseError && error.code === "23503" && patch.statusId !== undefined) throw notFound("status", patch.statusId);
        rethrowNameConflict(error, patch.name);
      }
      if (updated === 0) throw notFound("item", id);
      return logItem(tx, id);
    });
  }

  deleteItem(id: string, at?: Date): Promise<void> {
    return this.writes.run(async (tx) => {
      // Kept in the log, so the item's earlier revisions can still be read with their notes.
      const notes = await tx.client.query<LoggedNoteRow>(`SELECT ${NOTE_FIELDS}, seq FROM notes WHERE item_id = $1 ORDER BY seq`, [id]);
      // Notes go with the item through ON DELETE CASCADE, in this same transaction.
      const { rows } = await tx.client.query<{ name: string }>("DELETE FROM items WHERE id = $1 RETURNING name", [id]);
      if (rows.length === 0) throw notFound("item", id);
      const pending = tx.log({ kind: "item_delete", id, notes: notes.rows.map(toLoggedNote) });
      await recordTransition(tx, { id, name: rows[0]!.name, status: undefined }, true, at ?? new Date(), pending);
    });
  }

  async getNote(id: string): Promise<NoteRecord | undefined> {
    const { rows } = await this.pool.query<NoteRow>(`SELECT ${NOTE_FIELDS} FROM notes WHERE id = $1`, [id]);
    return rows[0] && toNote(rows[0]);
  }

  async listNotes(itemId: string): Promise<NoteRecord[]> {
    // One statement: the item's existence and its notes from one snapshot.
    const { rows } = await this.pool.query<NoteRow & { found: boolean }>(
      `SELECT n.id, n.item_id, n.text, n.created_at, n.updated_at, i.id IS NOT NULL AS found
       FROM (SELECT $1::text AS id) want LEFT JOIN items i ON i.id = want.id LEFT JOIN notes n ON n.item_id = i.id
       ORDER BY n.seq`,
      [itemId],
    );
    if (!rows[0]?.found) throw notFound("item", itemId);
    return rows.filter((r) => r.id !== null).map(toNote);
  }

  addNote(note: NoteRecord): Promise<NoteRecord> {
    return this.writes.run(async (tx) => {
      if (!(await itemExists(tx.client, note.itemId))) throw notFound("item", note.itemId);
      const seq = await insertNote(tx.client, note);
      await touchItem(tx.client, note.itemId, note.updated);
      const [item] = await loadItems(tx.client, "WHERE i.id = $1", [note.itemId], false);
      tx.log({ kind: "note_upsert", item: item!, note: { ...note, seq } });
      return note;
    });
  }

  updateNote(id: string, text: string, updated: Date): Promise<NoteRecord> {
    return this.writes.run(async (tx) => {
      // The text before goes in the log too (writes hold the log's lock: nothing changes in between).
      const before = await tx.client.query<NoteRow>(`SELECT ${NOTE_FIELDS} FROM notes WHERE id = $1`, [id]);
      if (!before.rows[0]) throw notFound("note", id);
      const { rows } = await tx.client.query<LoggedNoteRow>(
        `UPDATE notes SET text = $1, updated_at = $2 WHERE id = $3 RETURNING ${NOTE_FIELDS}, seq`,
        [text, updated, id],
      );
      if (!rows[0]) throw notFound("note", id);
      await touchItem(tx.client, rows[0].item_id, updated);
      const [item] = await loadItems(tx.client, "WHERE i.id = $1", [rows[0].item_id], false);
      const previous = { text: before.rows[0].text, updated: before.rows[0].updated_at };
      tx.log({ kind: "note_upsert", item: item!, note: toLoggedNote(rows[0]), previous });
      return toNote(rows[0]);
    });
  }

  deleteNote(id: string, at: Date): Promise<void> {
    return this.writes.run(async (tx) => {
      const { rows } = await tx.client.query<LoggedNoteRow>(`DELETE FROM notes WHERE id = $1 RETURNING ${NOTE_FIELDS}, seq`, [id]);
      if (!rows[0]) throw notFound("note", id);
      await touchItem(tx.client, rows[0].item_id, at);
      const [item] = await loadItems(tx.client, "WHERE i.id = $1", [rows[0].item_id], false);
      tx.log({ kind: "note_delete", item: item!, note: toLoggedNote(rows[0]) });
    });
  }

  seedDefaultStatuses(defaults: readonly NewStatus[]): Promise<void> {
    // Under the log's lock like every logged write: replicas starting at once seed one after the
    // other, and all but the first find the mark and do nothing.
    return this.writes.run(async (tx) => {
      const seeded = await tx.client.query("SELECT 1 FROM meta WHERE key = 'default_statuses_seeded'");
      if (seeded.rows.length > 0) return;
      for (const status of defaults) {
        // A status the user already made under that name wins.
        const { rows } = await tx.client.query<StatusRow>(
          `INSERT INTO statuses (id, name, name_key, description, color, kind, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name_key) DO NOTHING RETURNING ${STATUS_FIELDS}`,
          statusParams(status),
        );
        if (rows[0]) tx.log({ kind: "status_upsert", status: toStatus(rows[0]) });
      }
      await tx.client.query("INSERT INTO meta (key, value) VALUES ('default_statuses_seeded', $1)", [new Date().toISOString()]);
    });
  }

  async recentTransitions(itemId: string | undefined, limit: number): Promise<StatusTransition[]> {
    const { rows } = await this.pool.query<TransitionRow>(
      `SELECT ${TRANSITION_COLUMNS} FROM status_transitions ${itemId === undefined ? "" : "WHERE item_id = $2"} ORDER BY seq DESC LIMIT $1`,
      itemId === undefined ? [limit] : [limit, itemId],
    );
    return rows.map(toTransition);
  }

  async transitionsAfter(afterRevision: number): Promise<StatusTransition[]> {
    // Numbered rows only: a transition gets its revision when its change commits (write-queue.ts).
    const { rows } = await this.pool.query<TransitionRow>(
      `SELECT ${TRANSITION_COLUMNS} FROM status_transitions WHERE revision > $1 AND pending_change IS NULL ORDER BY revision, seq`,
      [afterRevision],
    );
    return rows.map(toTransition);
  }

  async changeAt(instant: Date): Promise<ChangeMoment> {
    return this.readOnly(async (client) => {
      const before = await client.query<{ revision: string; at: Date }>(
        "SELECT revision, at FROM changes WHERE at <= $1 ORDER BY at DESC, revision DESC LIMIT 1",
        [instant],
      );
      const after = await client.query<{ at: Date }>("SELECT at FROM changes WHERE at > $1 ORDER BY at, revision LIMIT 1", [instant]);
      const row = before.rows[0];
      return { revision: row ? Number(row.revision) : 0, at: row?.at, nextAt: after.rows[0]?.at };
    });
  }

  async readLogEntries(afterRevision: number, limit: number): Promise<LogEntry[]> {
    const { rows } = await this.pool.query<ChangeRow>(
      "SELECT revision, kind, entity_id, payload FROM changes WHERE revision > $1 ORDER BY revision LIMIT $2",
      [afterRevision, limit],
    );
    return rows.map(decodeRow);
  }

  async readChanges(afterRevision: number, limit: number): Promise<ChangeRecord[]> {
    // Safe to read by revision alone: revisions become visible strictly in order (write-queue.ts).
    const { rows } = await this.pool.query<ChangeRow>(
      "SELECT revision, kind, entity_id, payload FROM changes WHERE revision > $1 ORDER BY revision LIMIT $2",
      [afterRevision, limit],
    );
    const entries = rows.map(decodeRow);
    const items = itemsNeedingNotes(entries);
    if (items.length === 0) return assembleChanges({ entries, noteHistory: [], currentNotes: [] });
    // The note history and the current notes from one snapshot (it may be newer than the page's:
    // the history then reaches that far too, so walking back from those notes is still exact).
    return this.readOnly(async (client) => {
      const history = await client.query<ChangeRow>(
        `SELECT revision, kind, entity_id, payload FROM changes
         WHERE entity_id = ANY($1::text[]) AND revision > $2 AND kind IN ('note_upsert', 'note_delete', 'item_delete')`,
        [items, afterRevision],
      );
      const notes = await client.query<LoggedNoteRow>(`SELECT ${NOTE_FIELDS}, seq FROM notes WHERE item_id = ANY($1::text[]) ORDER BY seq`, [items]);
      return assembleChanges({ entries, noteHistory: history.rows.map(decodeRow), currentNotes: notes.rows.map(toLoggedNote) });
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
      const items = await loadItems(client, "", [], true);
      const { rows } = await client.query<StatusRow>(`SELECT ${STATUS_FIELDS} FROM statuses ORDER BY seq`);
      return { revision: latest, items, statuses: rows.map(toStatus) };
    });
  }

  async pruneChanges(keepLatest: number, keepSince: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      "DELETE FROM changes WHERE revision <= (SELECT latest FROM change_log_state) - $1 AND at < $2",
      [keepLatest, keepSince],
    );
    return rowCount ?? 0;
  }

  /**
   * Calls `onChange` when a commit on any replica may have logged changes (LISTEN on a dedicated
   * connection), and once each time listening (re)starts: see `Store.subscribeChanges`.
   */
  subscribeChanges(onChange: () => void): () => void {
    if (this.closed) return () => {};
    return this.listener.subscribe((payload) => {
      if (payload !== REVOCATION_PAYLOAD) onChange();
    });
  }

  /**
   * Calls `onRevoked` when a session, API token or user was deleted on any replica (or by the
   * CLI), on the same channel as changes, and once each time listening (re)starts, since an
   * announcement may have been missed meanwhile.
   */
  subscribeRevocations(onRevoked: () => void): () => void {
    if (this.closed) return () => {};
    return this.listener.subscribe((payload) => {
      if (payload === undefined || payload === REVOCATION_PAYLOAD) onRevoked();
    });
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
      await this.pool.end();
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

function statusParams(status: NewStatus): unknown[] {
  return [status.id, status.name, nameKey(status.name), status.description, status.color, status.kind, status.created, status.updated];
}

async function readStatus(q: Queryable, id: string): Promise<StatusRecord | undefined> {
  const { rows } = await q.query<StatusRow>(`SELECT ${STATUS_FIELDS} FROM statuses WHERE id = $1`, [id]);
  return rows[0] && toStatus(rows[0]);
}

async function insertStatus(client: PoolClient, status: NewStatus): Promise<StatusRecord> {
  try {
    const { rows } = await client.query<StatusRow>(
      `INSERT INTO statuses (id, name, name_key, description, color, kind, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${STATUS_FIELDS}`,
      statusParams(status),
    );
    return toStatus(rows[0]!);
  } catch (error) {
    rethrowNameConflict(error, status.name);
  }
}

async function itemExists(q: Queryable, id: string): Promise<boolean> {
  return (await q.query("SELECT 1 FROM items WHERE id = $1", [id])).rows.length > 0;
}

/** Inserts a note; returns its creation order. */
async function insertNote(client: PoolClient, note: NoteRecord): Promise<number> {
  const { rows } = await client.query<{ seq: string }>(
    "INSERT INTO notes (id, item_id, text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING seq",
    [note.id, note.itemId, note.text, note.created, note.updated],
  );
  return Number(rows[0]!.seq);
}

async function touchItem(client: PoolClient, id: string, at: Date): Promise<void> {
  await client.query("UPDATE items SET updated_at = $1 WHERE id = $2", [at, id]);
}

/** Logs an item's current state as changed (the log keeps no notes with it but on its first change), and its status history if that moved; returns it with its notes. */
async function logItem(tx: WriteTx, id: string, first = false): Promise<ItemView> {
  const [item] = await loadItems(tx.client, "WHERE i.id = $1", [id], true);
  const pending = tx.log({ kind: "item_upsert", item: item!, withNotes: first });
  await recordTransition(tx, item!, false, item!.updated, pending);
  return item!;
}

/**
 * Appends a status transition unless the item's newest one already says the same (status and
 * kind; see isTransition, which the SQLite store uses): one statement, since writes hold the log's lock.
 */
async function recordTransition(tx: WriteTx, item: Pick<ItemView, "id" | "name" | "status">, deleted: boolean, at: Date, pending: number): Promise<void> {
  await tx.client.query(
    `INSERT INTO status_transitions (item_id, item_name, status_id, status_name, status_color, status_kind, deleted, at, pending_change)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
     WHERE $7 OR NOT EXISTS (
       SELECT 1 FROM (SELECT status_id, status_kind, deleted FROM status_transitions WHERE item_id = $1 ORDER BY seq DESC LIMIT 1) last
       WHERE NOT last.deleted AND last.status_id IS NOT DISTINCT FROM $3 AND last.status_kind IS NOT DISTINCT FROM $6
     )`,
    [...transitionValues(deleted ? { ...item, status: undefined } : item), deleted, at, pending],
  );
}

async function readBounds(q: Queryable): Promise<{ oldest: number; latest: number }> {
  // One statement, one snapshot: the newest revision and the oldest retained agree.
  const { rows } = await q.query<{ latest: string; oldest: string | null }>(
    "SELECT latest, (SELECT min(revision) FROM changes) AS oldest FROM change_log_state",
  );
  const latest = Number(rows[0]!.latest);
  return { oldest: rows[0]!.oldest === null ? latest + 1 : Number(rows[0]!.oldest), latest };
}
