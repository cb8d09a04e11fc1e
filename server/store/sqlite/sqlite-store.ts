import BetterSqlite3, { type Database, type Statement } from "better-sqlite3";
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
import { assembleChanges, itemsNeedingNotes } from "../change-assembly.js";
import { decodeLogEntry, encodeChangePayload, type LogEntry, type LoggedChange, type LoggedNote } from "../change-codec.js";
import { isTransition, toTransition, transitionValues, TRANSITION_COLUMNS, type LastTransition, type TransitionRow } from "../status-history.js";
import { DomainError, nameTaken, notFound, unavailable } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { AuthDelegatingStore } from "../auth-delegate.js";
import type { ChangeMoment, ItemPatch, NewItem, NewStatus, StatusPatch, Store } from "../store.js";
import { DatabaseFileWatch, inspectBeforeOpen } from "./database-file.js";
import { migrate, refuseNewerSchema } from "./migrations.js";
import { SqliteAuthStore } from "./sqlite-auth-store.js";
import { WriteQueue } from "./write-queue.js";

/** Options for opening a SQLite store. */
export interface SqliteStoreOptions {
  /** File path, or ":memory:". */
  path: string;
  /** How long a write waits for another process's lock before failing, in ms. */
  busyTimeoutMs?: number;
  /** Where a deleted or replaced database file is reported. */
  logger?: Logger;
  /** How often the database file is checked for being deleted or replaced, besides before each write is acknowledged, in ms (default 10 s). */
  fileCheckMs?: number;
}

interface StatusRow {
  id: string;
  name: string;
  description: string;
  color: string;
  kind: number;
  created_at: number;
  updated_at: number;
}
interface ItemRow {
  id: string;
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
  s_id: string | null;
  s_name: string | null;
  s_description: string | null;
  s_color: string | null;
  s_kind: number | null;
  s_created_at: number | null;
  s_updated_at: number | null;
}
interface NoteRow {
  id: string;
  item_id: string;
  text: string;
  created_at: number;
  updated_at: number;
  seq: number;
}
interface ChangeRow {
  revision: number;
  kind: string;
  entity_id: string;
  payload: string;
}

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
    created: new Date(row.created_at),
    updated: new Date(row.updated_at),
  };
}

function toNote(row: NoteRow): NoteRecord {
  return { id: row.id, itemId: row.item_id, text: row.text, created: new Date(row.created_at), updated: new Date(row.updated_at) };
}

function toLoggedNote(row: NoteRow): LoggedNote {
  return { ...toNote(row), seq: row.seq };
}

function toItem(row: ItemRow, notes: NoteRecord[] | undefined): ItemView {
  const status =
    row.s_id === null
      ? undefined
      : toStatus({
          id: row.s_id,
          name: row.s_name!,
          description: row.s_description!,
          color: row.s_color!,
          kind: row.s_kind!,
          created_at: row.s_created_at!,
          updated_at: row.s_updated_at!,
        });
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    status,
    notes,
    created: new Date(row.created_at),
    updated: new Date(row.updated_at),
  };
}

/** Turns a UNIQUE violation on a name into already_exists; anything else is rethrown. */
function rethrowNameConflict(error: unknown, name: string | undefined): never {
  if (error instanceof BetterSqlite3.SqliteError && error.code === "SQLITE_CONSTRAINT_UNIQUE" && name !== undefined) {
    if (error.message.includes("items.name_key")) throw nameTaken("item", name);
    if (error.message.includes("statuses.name_key")) throw nameTaken("status", name);
  }
  throw error;
}

/**
 * The embedded store: one SQLite file through better-sqlite3, in WAL mode with
 * `synchronous=FULL` so that an acknowledged write survives a crash. Reads run directly;
 * writes go through a group-commit queue.
 */
export class SqliteStore extends AuthDelegatingStore implements Store {
  readonly db: Database;
  /** Whether opening made a new, empty database (there was no file, or an empty one). */
  readonly created: boolean;
  private readonly writes: WriteQueue;
  private readonly sql: Record<string, Statement>;
  protected readonly auth: SqliteAuthStore;
  private readonly file: DatabaseFileWatch;
  private readonly fileTimer: NodeJS.Timeout;

  constructor(options: SqliteStoreOptions) {
    super();
    this.created = inspectBeforeOpen(options.path).creates;
    this.db = new BetterSqlite3(options.path);
    try {
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
      // Refuse a database from a newer StatusThing before changing anything in it (even WAL mode).
      refuseNewerSchema(this.db);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
      this.db.pragma("foreign_keys = ON");
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.file = new DatabaseFileWatch(options.path);
    const log = options.logger;
    // Checked before each batch of writes is acknowledged, and now and then without writes, so
    // the loss is logged (once) and shows in /healthz even on a quiet server.
    const refusal = () => {
      const known = this.file.isLost;
      const lost = this.file.check();
      if (lost === undefined) return undefined;
      if (!known) {
        log?.error(
          { db: options.path },
          `${lost}: writes are refused from now on. Stop the server and restore the file (e.g. from a backup); started without it, the server would create a new, empty database`,
        );
      }
      return unavailable("the database file was deleted or replaced while the server was running; writes are refused until it is restored");
    };
    this.fileTimer = setInterval(refusal, options.fileCheckMs ?? 10_000).unref();
    this.writes = new WriteQueue(this.db, refusal);
    this.auth = new SqliteAuthStore(this.db, this.writes);
    const db = this.db;
    this.sql = {
      listStatuses: db.prepare("SELECT * FROM statuses ORDER BY seq"),
      getStatus: db.prepare("SELECT * FROM statuses WHERE id = ?"),
      insertStatus: db.prepare(
        "INSERT INTO statuses (id, name, name_key, description, color, kind, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      updateStatus: db.prepare(
        `UPDATE statuses SET name = coalesce(?, name), name_key = coalesce(?, name_key), description = coalesce(?, description),
         color = coalesce(?, color), kind = coalesce(?, kind), updated_at = ? WHERE id = ?`,
      ),
      countItemsWithStatus: db.prepare("SELECT count(*) FROM items WHERE status_id = ?").pluck(),
      deleteStatus: db.prepare("DELETE FROM statuses WHERE id = ?"),
      listItems: db.prepare(`${ITEM_SELECT} ORDER BY i.seq`),
      getItem: db.prepare(`${ITEM_SELECT} WHERE i.id = ?`),
      itemExists: db.prepare("SELECT 1 FROM items WHERE id = ?").pluck(),
      insertItem: db.prepare(
        "INSERT INTO items (id, name, name_key, description, status_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      updateItem: db.prepare(
        `UPDATE items SET name = coalesce(?, name), name_key = coalesce(?, name_key), description = coalesce(?, description),
         status_id = coalesce(?, status_id), updated_at = ? WHERE id = ?`,
      ),
      touchItem: db.prepare("UPDATE items SET updated_at = ? WHERE id = ?"),
      deleteItem: db.prepare("DELETE FROM items WHERE id = ?"),
      allNotes: db.prepare("SELECT * FROM notes ORDER BY seq"),
      notesOfItem: db.prepare("SELECT * FROM notes WHERE item_id = ? ORDER BY seq"),
      getNote: db.prepare("SELECT * FROM notes WHERE id = ?"),
      insertNote: db.prepare("INSERT INTO notes (id, item_id, text, created_at, updated_at) VALUES (?, ?, ?, ?, ?)"),
      updateNote: db.prepare("UPDATE notes SET text = ?, updated_at = ? WHERE id = ?"),
      deleteNote: db.prepare("DELETE FROM notes WHERE id = ?"),
      insertChange: db.prepare("INSERT INTO changes (at, kind, entity_id, payload) VALUES (?, ?, ?, ?)"),
      readChanges: db.prepare("SELECT revision, kind, entity_id, payload FROM changes WHERE revision > ? ORDER BY revision LIMIT ?"),
      // The note history of some items (a JSON array of ids) after a revision: see change-assembly.ts.
      noteHistory: db.prepare(
        `SELECT revision, kind, entity_id, payload FROM changes
         WHERE entity_id IN (SELECT value FROM json_each(?)) AND revision > ? AND kind IN ('note_upsert', 'note_delete', 'item_delete')`,
      ),
      notesOfItems: db.prepare("SELECT * FROM notes WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY seq"),
      oldestChange: db.prepare("SELECT min(revision) FROM changes").pluck(),
      latestRevision: db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'changes'), 0)").pluck(),
      pruneChanges: db.prepare("DELETE FROM changes WHERE revision <= ? AND at < ?"),
      itemsWithStatus: db.prepare("SELECT id FROM items WHERE status_id = ? ORDER BY seq").pluck(),
      lastTransition: db.prepare("SELECT status_id, status_kind, deleted FROM status_transitions WHERE item_id = ? ORDER BY seq DESC LIMIT 1"),
      insertTransition: db.prepare(
        `INSERT INTO status_transitions (item_id, item_name, status_id, status_name, status_color, status_kind, deleted, at, revision)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      recentTransitions: db.prepare(`SELECT ${TRANSITION_COLUMNS} FROM status_transitions ORDER BY seq DESC LIMIT ?`),
      recentTransitionsOfItem: db.prepare(`SELECT ${TRANSITION_COLUMNS} FROM status_transitions WHERE item_id = ? ORDER BY seq DESC LIMIT ?`),
      transitionsAfter: db.prepare(`SELECT ${TRANSITION_COLUMNS} FROM status_transitions WHERE revision > ? ORDER BY revision, seq`),
      changeAtOrBefore: db.prepare("SELECT revision, at FROM changes WHERE at <= ? ORDER BY at DESC, revision DESC LIMIT 1"),
      changeAfter: db.prepare("SELECT at FROM changes WHERE at > ? ORDER BY at, revision LIMIT 1").pluck(),
      getMeta: db.prepare("SELECT value FROM meta WHERE key = ?").pluck(),
      setMeta: db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
    };
  }

  async listStatuses(kinds: readonly number[]): Promise<StatusRecord[]> {
    const all = (this.sql.listStatuses!.all() as StatusRow[]).map(toStatus);
    return kinds.length === 0 ? all : all.filter((s) => kinds.includes(s.kind));
  }

  async getStatus(id: string): Promise<StatusRecord | undefined> {
    return this.readStatus(id);
  }

  addStatus(status: NewStatus): Promise<StatusRecord> {
    return this.writes.run(() => {
      const created = this.insertStatus(status);
      this.logChange({ kind: "status_upsert", status: created });
      return created;
    });
  }

  updateStatus(id: string, patch: StatusPatch): Promise<StatusRecord> {
    return this.writes.run(() => {
      if (!this.readStatus(id)) throw notFound("status", id);
      try {
        this.sql.updateStatus!.run(
          patch.name ?? null,
          patch.name === undefined ? null : nameKey(patch.name),
          patch.description ?? null,
          patch.color ?? null,
          patch.kind ?? null,
          patch.updated.getTime(),
          id,
        );
      } catch (error) {
        rethrowNameConflict(error, patch.name);
      }
      const status = this.readStatus(id)!;
      this.logChange({ kind: "status_upsert", status });
      // Items show their status: each one that shows this status changed too.
      // A new kind is a new status for the item, as of this change.
      for (const itemId of this.sql.itemsWithStatus!.all(id) as string[]) this.logItem(itemId, false, patch.updated);
      return status;
    });
  }

  deleteStatus(id: string): Promise<void> {
    return this.writes.run(() => {
      if (!this.readStatus(id)) throw notFound("status", id);
      const users = this.sql.countItemsWithStatus!.get(id) as number;
      if (users > 0) {
        throw new DomainError("failed_precondition", `status is used by ${users} ${users === 1 ? "item" : "items"}`);
      }
      this.sql.deleteStatus!.run(id);
      this.logChange({ kind: "status_delete", id });
    });
  }

  async listItems(filter: ItemFilter): Promise<ItemView[]> {
    let rows = this.sql.listItems!.all() as ItemRow[];
    if (filter.statusIds.length > 0) rows = rows.filter((r) => r.s_id !== null && filter.statusIds.includes(r.s_id));
    if (filter.kinds.length > 0) rows = rows.filter((r) => r.s_kind !== null && filter.kinds.includes(r.s_kind));
    if (!filter.withNotes) return rows.map((r) => toItem(r, undefined));
    // One query for every note, grouped here: no query per item.
    const notesByItem = new Map<string, NoteRecord[]>();
    for (const row of this.sql.allNotes!.all() as NoteRow[]) {
      const list = notesByItem.get(row.item_id);
      if (list) list.push(toNote(row));
      else notesByItem.set(row.item_id, [toNote(row)]);
    }
    return rows.map((r) => toItem(r, notesByItem.get(r.id) ?? []));
  }

  async getItem(id: string, withNotes: boolean): Promise<ItemView | undefined> {
    return this.readItem(id, withNotes);
  }

  addItem(item: NewItem): Promise<ItemView> {
    return this.writes.run(() => {
      let statusId = item.statusId ?? null;
      if (item.newStatus) {
        const status = this.insertStatus(item.newStatus);
        this.logChange({ kind: "status_upsert", status });
        statusId = status.id;
      } else if (statusId !== null && !this.readStatus(statusId)) throw notFound("status", statusId);
      const at = item.created.getTime();
      try {
        this.sql.insertItem!.run(item.id, item.name, nameKey(item.name), item.description, statusId, at, at);
      } catch (error) {
        rethrowNameConflict(error, item.name);
      }
      if (item.initialNote) this.insertNote(item.initialNote);
      return this.logItem(item.id, true, undefined, true);
    });
  }

  updateItem(id: string, patch: ItemPatch): Promise<ItemView> {
    return this.writes.run(() => {
      if (!this.sql.itemExists!.get(id)) throw notFound("item", id);
      if (patch.statusId !== undefined && !this.readStatus(patch.statusId)) throw notFound("status", patch.statusId);
      try {
        this.sql.updateItem!.run(
          patch.name ?? null,
          patch.name === undefined ? null : nameKey(patch.name),
          patch.description ?? null,
          patch.statusId ?? null,
          patch.updated.getTime(),
          id,
        );
      } catch (error) {
        rethrowNameConflict(error, patch.name);
      }
      return this.logItem(id);
    });
  }

  deleteItem(id: string, at?: Date): Promise<void> {
    return this.writes.run(() => {
      // Kept in the log, so the item's earlier revisions can still be read with their notes.
      const notes = (this.sql.notesOfItem!.all(id) as NoteRow[]).map(toLoggedNote);
      const item = this.readItem(id, false);
      if (!item) throw notFound("item", id);
      // Notes go with the item through ON DELETE CASCADE, in this same transaction.
      this.sql.deleteItem!.run(id);
      const revision = this.logChange({ kind: "item_delete", id, notes });
      this.sql.insertTransition!.run(...transitionValues({ ...item, status: undefined }), 1, (at ?? new Date()).getTime(), revision);
    });
  }

  async getNote(id: string): Promise<NoteRecord | undefined> {
    const row = this.sql.getNote!.get(id) as NoteRow | undefined;
    return row && toNote(row);
  }

  async listNotes(itemId: string): Promise<NoteRecord[]> {
    if (!this.sql.itemExists!.get(itemId)) throw notFound("item", itemId);
    return (this.sql.notesOfItem!.all(itemId) as NoteRow[]).map(toNote);
  }

  addNote(note: NoteRecord): Promise<NoteRecord> {
    return this.writes.run(() => {
      if (!this.sql.itemExists!.get(note.itemId)) throw notFound("item", note.itemId);
      const seq = this.insertNote(note);
      this.sql.touchItem!.run(note.updated.getTime(), note.itemId);
      this.logChange({ kind: "note_upsert", item: this.readItem(note.itemId, false)!, note: { ...note, seq } });
      return note;
    });
  }

  updateNote(id: string, text: string, updated: Date): Promise<NoteRecord> {
    return this.writes.run(() => {
      const before = this.sql.getNote!.get(id) as NoteRow | undefined;
      if (!before) throw notFound("note", id);
      this.sql.updateNote!.run(text, updated.getTime(), id);
      this.sql.touchItem!.run(updated.getTime(), before.item_id);
      const after = this.sql.getNote!.get(id) as NoteRow;
      const previous = { text: before.text, updated: new Date(before.updated_at) };
      this.logChange({ kind: "note_upsert", item: this.readItem(before.item_id, false)!, note: toLoggedNote(after), previous });
      return toNote(after);
    });
  }

  deleteNote(id: string, at: Date): Promise<void> {
    return this.writes.run(() => {
      const before = this.sql.getNote!.get(id) as NoteRow | undefined;
      if (!before) throw notFound("note", id);
      this.sql.deleteNote!.run(id);
      this.sql.touchItem!.run(at.getTime(), before.item_id);
      this.logChange({ kind: "note_delete", item: this.readItem(before.item_id, false)!, note: toLoggedNote(before) });
    });
  }

  seedDefaultStatuses(defaults: readonly NewStatus[]): Promise<void> {
    return this.writes.run(() => {
      if (this.sql.getMeta!.get("default_statuses_seeded")) return;
      for (const status of defaults) {
        // A status the user already made under that name wins.
        try {
          this.logChange({ kind: "status_upsert", status: this.insertStatus(status) });
        } catch (error) {
          if (!(error instanceof DomainError && error.kind === "already_exists")) throw error;
        }
      }
      this.sql.setMeta!.run("default_statuses_seeded", new Date().toISOString());
    });
  }

  async recentTransitions(itemId: string | undefined, limit: number): Promise<StatusTransition[]> {
    const rows = (itemId === undefined ? this.sql.recentTransitions!.all(limit) : this.sql.recentTransitionsOfItem!.all(itemId, limit)) as TransitionRow[];
    return rows.map(toTransition);
  }

  async transitionsAfter(afterRevision: number): Promise<StatusTransition[]> {
    return (this.sql.transitionsAfter!.all(afterRevision) as TransitionRow[]).map(toTransition);
  }

  async changeAt(instant: Date): Promise<ChangeMoment> {
    const time = instant.getTime();
    const row = this.sql.changeAtOrBefore!.get(time) as { revision: number; at: number } | undefined;
    const next = this.sql.changeAfter!.get(time) as number | undefined;
    return { revision: row?.revision ?? 0, at: row && new Date(row.at), nextAt: next === undefined ? undefined : new Date(next) };
  }

  async readLogEntries(afterRevision: number, limit: number): Promise<LogEntry[]> {
    return (this.sql.readChanges!.all(afterRevision, limit) as ChangeRow[]).map((r) => decodeLogEntry(r.revision, r.kind, r.entity_id, r.payload));
  }

  async readChanges(afterRevision: number, limit: number): Promise<ChangeRecord[]> {
    // Synchronous reads on the one connection: no write can come between them.
    const decode = (r: ChangeRow) => decodeLogEntry(r.revision, r.kind, r.entity_id, r.payload);
    const entries = (this.sql.readChanges!.all(afterRevision, limit) as ChangeRow[]).map(decode);
    const items = JSON.stringify(itemsNeedingNotes(entries));
    return assembleChanges({
      entries,
      noteHistory: (this.sql.noteHistory!.all(items, afterRevision) as ChangeRow[]).map(decode),
      currentNotes: (this.sql.notesOfItems!.all(items) as NoteRow[]).map(toLoggedNote),
    });
  }

  async changeLogBounds(): Promise<{ oldest: number; latest: number }> {
    return this.readBounds();
  }

  async snapshot(): Promise<StoreSnapshot> {
    // One synchronous read: no write can interleave, so the state is exactly that of `revision`.
    const { latest } = this.readBounds();
    const items = await this.listItems({ statusIds: [], kinds: [], withNotes: true });
    const statuses = await this.listStatuses([]);
    return { revision: latest, items, statuses };
  }

  pruneChanges(keepLatest: number, keepSince: Date): Promise<number> {
    return this.writes.run(() => {
      const { latest } = this.readBounds();
      return this.sql.pruneChanges!.run(latest - keepLatest, keepSince.getTime()).changes;
    });
  }

  /** Why writes are refused, when the database file was deleted or replaced; checked now. */
  unavailableReason(): string | undefined {
    return this.file.check() && "the database file was deleted or replaced while the server was running";
  }

  async close(): Promise<void> {
    clearInterval(this.fileTimer);
    this.writes.flush();
    if (this.db.open) this.db.close();
  }

  private readBounds(): { oldest: number; latest: number } {
    const latest = this.sql.latestRevision!.get() as number;
    const oldest = (this.sql.oldestChange!.get() as number | null) ?? latest + 1;
    return { oldest, latest };
  }

  /** Appends a change to the log; call inside a write, so it commits with the change. Returns its revision. */
  private logChange(change: LoggedChange): number {
    const { kind, entityId, payload } = encodeChangePayload(change);
    return Number(this.sql.insertChange!.run(Date.now(), kind, entityId, payload).lastInsertRowid);
  }

  /**
   * Logs an item's current state (never its notes) as changed, and its status history if that
   * moved (as of `at`, else the item's own update time); returns it, with notes if asked.
   */
  private logItem(id: string, withNotes = true, at?: Date, first = false): ItemView {
    const item = this.readItem(id, withNotes)!;
    const revision = this.logChange({ kind: "item_upsert", item, withNotes: first });
    if (isTransition(this.sql.lastTransition!.get(id) as LastTransition | undefined, item)) {
      this.sql.insertTransition!.run(...transitionValues(item), 0, (at ?? item.updated).getTime(), revision);
    }
    return item;
  }

  private readStatus(id: string): StatusRecord | undefined {
    const row = this.sql.getStatus!.get(id) as StatusRow | undefined;
    return row && toStatus(row);
  }

  private readItem(id: string, withNotes: boolean): ItemView | undefined {
    const row = this.sql.getItem!.get(id) as ItemRow | undefined;
    if (!row) return undefined;
    const notes = withNotes ? (this.sql.notesOfItem!.all(id) as NoteRow[]).map(toNote) : undefined;
    return toItem(row, notes);
  }

  private insertStatus(status: NewStatus): StatusRecord {
    try {
      this.sql.insertStatus!.run(
        status.id,
        status.name,
        nameKey(status.name),
        status.description,
        status.color,
        status.kind,
        status.created.getTime(),
        status.updated.getTime(),
      );
    } catch (error) {
      rethrowNameConflict(error, status.name);
    }
    return this.readStatus(status.id)!;
  }

  /** Inserts a note; returns its creation order. */
  private insertNote(note: NoteRecord): number {
    return Number(this.sql.insertNote!.run(note.id, note.itemId, note.text, note.created.getTime(), note.updated.getTime()).lastInsertRowid);
  }
}
