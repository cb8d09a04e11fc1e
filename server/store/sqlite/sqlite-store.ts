import BetterSqlite3, { type Database } from "better-sqlite3";
import type { ChangeRecord, ItemFilter, ItemView, NoteRecord, StatusRecord, StatusTransition, StoreSnapshot } from "../../domain.js";
import { DomainError, notFound, statusInUse, unavailable } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { assembleChanges, itemsNeedingNotes } from "../change-assembly.js";
import { decodeLogEntry, encodeChangePayload, type LogEntry, type LoggedChange } from "../change-codec.js";
import { CommitHooks, type CommitListener } from "../commit-hooks.js";
import { notesByItem, toItem, toLoggedNote, toLogEntry, toNote, toStatus } from "../sql/rows.js";
import { itemPatchValues, itemValues, noteValues, statusPatchValues, statusValues } from "../sql/values.js";
import { isTransition, toTransition, transitionValues } from "../sql/status-history.js";
import type { WriteBatchObserver } from "../write-observer.js";
import { SqliteAuditStore } from "./sqlite-audit-store.js";
import { SqliteInletStore } from "./sqlite-inlet-store.js";
import { inletItemChange } from "../inlet-store.js";
import { SqliteOutboxStore } from "./sqlite-outbox-store.js";
import { SqliteMailStore } from "./sqlite-mail-store.js";
import type { ChangeMoment, ItemPatch, NewItem, NewStatus, StatusPatch, Store } from "../store.js";
import { DatabaseFileWatch, inspectBeforeOpen } from "./database-file.js";
import { SQLITE_VALUES, withConflicts } from "./dialect.js";
import { migrate, refuseNewerSchema } from "./migrations.js";
import { SqliteAuthStore } from "./sqlite-auth-store.js";
import { SqliteIncidentStore } from "./sqlite-incident-store.js";
import type { ItemChange } from "../incident-store.js";
import { SqliteGroupStore } from "./sqlite-group-store.js";
import { SqliteSettingsStore } from "./sqlite-settings-store.js";
import { prepareStatements } from "./statements.js";
import { WriteQueue, type SqliteWriteTx } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

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

/**
 * The embedded store: one SQLite file through better-sqlite3, in WAL mode with
 * `synchronous=FULL` so that an acknowledged write survives a crash. Reads run directly;
 * writes go through a group-commit queue.
 */
export class SqliteStore implements Store {
  readonly db: Database;
  /** Whether opening made a new, empty database (there was no file, or an empty one). */
  readonly created: boolean;
  readonly accounts: SqliteAuthStore;
  readonly settings: SqliteSettingsStore;
  /** The audit log, written with each audited write. */
  readonly audit: SqliteAuditStore;
  /** Incidents and maintenance windows, written in this store's transactions. */
  readonly incidents: SqliteIncidentStore;
  readonly groups: SqliteGroupStore;
  /** Hooks, heartbeats and their per-item state. */
  readonly inlets: SqliteInletStore;
  /** The outbox: events written with each change, and the webhooks that read them. */
  readonly outbox: SqliteOutboxStore;
  /** Email subscribers, their queued mails and the mail cursor. */
  readonly mail: SqliteMailStore;
  private readonly writes: WriteQueue;
  private readonly sql: ReturnType<typeof prepareStatements>;
  private readonly hooks: CommitHooks;
  private readonly file: DatabaseFileWatch;
  private readonly fileTimer: NodeJS.Timeout;

  constructor(options: SqliteStoreOptions) {
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
    this.sql = prepareStatements(this.db);
    this.hooks = new CommitHooks((error) => log?.error({ err: error }, "a commit listener failed"));
    this.audit = new SqliteAuditStore(this.db, () => this.writes);
    this.outbox = new SqliteOutboxStore(this.db, () => this.writes);
    this.mail = new SqliteMailStore(this.db, () => this.writes);
    this.writes = new WriteQueue(this.db, {
      appendChange: (change) => this.appendChange(change),
      hooks: this.hooks,
      refusal,
      recordAudit: (actor, written) => this.audit.record(actor, written),
    });
    this.accounts = new SqliteAuthStore(this.db, this.writes);
    this.incidents = new SqliteIncidentStore(
      this.db,
      () => this.writes,
      (tx, change, at) => this.changeItemIn(tx, change, at),
    );
    this.groups = new SqliteGroupStore(this.db, this.writes);
    this.settings = new SqliteSettingsStore(this.db, () => this.writes);
    this.inlets = new SqliteInletStore(
      this.db,
      () => this.writes,
      (id) => this.readItem(id, false),
      (tx, id, change) => this.writeInletChange(tx, id, change),
    );
  }

  onCommit(listener: CommitListener): () => void {
    return this.hooks.add(listener);
  }

  async listStatuses(kinds: readonly number[]): Promise<StatusRecord[]> {
    return this.sql.listStatuses.all({ kinds: JSON.stringify(kinds) }).map(toStatus);
  }

  async getStatus(id: string): Promise<StatusRecord | undefined> {
    return this.readStatus(id);
  }

  addStatus(status: NewStatus, audit?: AuditActor): Promise<StatusRecord> {
    return this.writes.run((tx) => {
      const created = this.insertStatus(status);
      tx.log({ kind: "status_upsert", status: created });
      return created;
    }, audit);
  }

  updateStatus(id: string, patch: StatusPatch, audit?: AuditActor): Promise<StatusRecord> {
    return this.writes.run((tx) => {
      const { changes } = withConflicts("statuses", { name: patch.name }, () => this.sql.updateStatus.run(...statusPatchValues(id, patch, SQLITE_VALUES)));
      const status = changes === 0 ? undefined : this.readStatus(id);
      if (!status) throw notFound("status", id);
      tx.log({ kind: "status_upsert", status });
      // Items show their status: each one that shows this status changed too.
      // A new kind is a new status for the item, as of this change.
      for (const row of this.sql.itemsWithStatus.all(id)) this.logItem(tx, toItem(row, undefined), patch.updated);
      return status;
    }, audit);
  }

  deleteStatus(id: string, audit?: AuditActor): Promise<void> {
    return this.writes.run((tx) => {
      if (!this.readStatus(id)) throw notFound("status", id);
      const users = this.sql.countItemsWithStatus.get(id) ?? 0;
      if (users > 0) {
        throw statusInUse(users);
      }
      this.sql.deleteStatus.run(id);
      tx.log({ kind: "status_delete", id });
    }, audit);
  }

  async listItems(filter: ItemFilter): Promise<ItemView[]> {
    const rows = this.sql.listItems.all({ statusIds: JSON.stringify(filter.statusIds), kinds: JSON.stringify(filter.kinds) });
    if (!filter.withNotes) return rows.map((r) => toItem(r, undefined));
    // One query for the notes of every item listed, grouped here: no query per item.
    const ids = rows.map((r) => r.id);
    const notes = notesByItem(ids, this.sql.notesOfItems.all(JSON.stringify(ids)));
    return rows.map((r) => toItem(r, notes.get(r.id)));
  }

  async getItem(id: string, withNotes: boolean): Promise<ItemView | undefined> {
    return this.readItem(id, withNotes);
  }

  addItem(item: NewItem, audit?: AuditActor): Promise<ItemView> {
    return this.writes.run((tx) => {
      let statusId = item.statusId ?? null;
      if (item.newStatus) {
        const status = this.insertStatus(item.newStatus);
        tx.log({ kind: "status_upsert", status });
        statusId = status.id;
      }
      // A status that does not exist fails the foreign key.
      withConflicts("items", { name: item.name, statusId: item.statusId }, () => this.sql.insertItem.run(...itemValues(item, statusId, SQLITE_VALUES)));
      if (item.initialNote) this.insertNote(item.initialNote);
      return this.logItem(tx, this.mustReadItem(item.id, true), undefined, true);
    }, audit);
  }

  updateItem(id: string, patch: ItemPatch, audit?: AuditActor): Promise<ItemView> {
    return this.writes.run((tx) => {
      // No row updated means no such item; a status that does not exist fails the foreign key.
      const subject = { name: patch.name, statusId: patch.statusId };
      const { changes } = withConflicts("items", subject, () => this.sql.updateItem.run(...itemPatchValues(id, patch, SQLITE_VALUES)));
      if (changes === 0) throw notFound("item", id);
      return this.logItem(tx, this.mustReadItem(id, true));
    }, audit);
  }

  deleteItem(id: string, at?: Date, audit?: AuditActor): Promise<void> {
    return this.writes.run((tx) => {
      // Kept in the log, so the item's earlier revisions can still be read with their notes.
      const notes = this.sql.notesOfItem.all(id).map(toLoggedNote);
      // Notes go with the item through ON DELETE CASCADE, in this same transaction.
      const name = this.sql.deleteItem.get(id);
      if (name === undefined) throw notFound("item", id);
      const revision = tx.log({ kind: "item_delete", id, notes });
      this.sql.insertTransition.run(...transitionValues({ id, name, status: undefined }), 1, (at ?? new Date()).getTime(), revision);
    }, audit);
  }

  async getNote(id: string): Promise<NoteRecord | undefined> {
    const row = this.sql.getNote.get(id);
    return row && toNote(row);
  }

  async listNotes(itemId: string): Promise<NoteRecord[]> {
    if (!this.sql.itemExists.get(itemId)) throw notFound("item", itemId);
    return this.sql.notesOfItem.all(itemId).map(toNote);
  }

  addNote(note: NoteRecord, audit?: AuditActor): Promise<NoteRecord> {
    return this.writes.run((tx) => {
      if (!this.sql.itemExists.get(note.itemId)) throw notFound("item", note.itemId);
      const seq = this.insertNote(note);
      this.sql.touchItem.run(note.updated.getTime(), note.itemId);
      tx.log({ kind: "note_upsert", item: this.mustReadItem(note.itemId, false), note: { ...note, seq } });
      return note;
    }, audit);
  }

  updateNote(id: string, text: string, updated: Date, audit?: AuditActor): Promise<NoteRecord> {
    return this.writes.run((tx) => {
      const before = this.sql.getNote.get(id);
      const after = this.sql.updateNote.get(text, updated.getTime(), id);
      if (!before || !after) throw notFound("note", id);
      this.sql.touchItem.run(updated.getTime(), after.item_id);
      const previous = { text: before.text, updated: new Date(before.updated_at) };
      tx.log({ kind: "note_upsert", item: this.mustReadItem(after.item_id, false), note: toLoggedNote(after), previous });
      return toNote(after);
    }, audit);
  }

  deleteNote(id: string, at: Date, audit?: AuditActor): Promise<void> {
    return this.writes.run((tx) => {
      const deleted = this.sql.deleteNote.get(id);
      if (!deleted) throw notFound("note", id);
      this.sql.touchItem.run(at.getTime(), deleted.item_id);
      tx.log({ kind: "note_delete", item: this.mustReadItem(deleted.item_id, false), note: toLoggedNote(deleted) });
    }, audit);
  }

  seedDefaultStatuses(defaults: readonly NewStatus[]): Promise<void> {
    return this.writes.run((tx) => {
      if (this.sql.getMeta.get("default_statuses_seeded")) return;
      for (const status of defaults) {
        // A status the user already made under that name wins.
        try {
          tx.log({ kind: "status_upsert", status: this.insertStatus(status) });
        } catch (error) {
          if (!(error instanceof DomainError && error.kind === "already_exists")) throw error;
        }
      }
      this.sql.setMeta.run("default_statuses_seeded", new Date().toISOString());
    });
  }

  async recentTransitions(itemId: string | undefined, limit: number): Promise<StatusTransition[]> {
    const rows = itemId === undefined ? this.sql.recentTransitions.all(limit) : this.sql.recentTransitionsOfItem.all(itemId, limit);
    return rows.map(toTransition);
  }

  async transitionsAfter(afterRevision: number): Promise<StatusTransition[]> {
    return this.sql.transitionsAfter.all(afterRevision).map(toTransition);
  }

  async changeAt(instant: Date): Promise<ChangeMoment> {
    const [row] = this.sql.changeAtOrBefore.all(instant.getTime());
    const [next] = this.sql.changeAfter.all(instant.getTime());
    return { revision: row?.revision ?? 0, at: row && new Date(row.at), nextAt: next && new Date(next.at) };
  }

  async readLogEntries(afterRevision: number, limit: number): Promise<LogEntry[]> {
    return this.sql.readChanges.all(afterRevision, limit).map(toLogEntry);
  }

  async readChanges(afterRevision: number, limit: number): Promise<ChangeRecord[]> {
    // Synchronous reads on the one connection: no write can come between them.
    const entries = this.sql.readChanges.all(afterRevision, limit).map(toLogEntry);
    const items = JSON.stringify(itemsNeedingNotes(entries));
    return assembleChanges({
      entries,
      noteHistory: this.sql.noteHistory.all(items, afterRevision).map(toLogEntry),
      currentNotes: this.sql.notesOfItems.all(items).map(toLoggedNote),
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
    return { revision: latest, items, statuses, groups: await this.groups.listGroups() };
  }

  pruneChanges(keepLatest: number, keepSince: Date): Promise<number> {
    return this.writes.run(() => {
      const { latest } = this.readBounds();
      return this.sql.pruneChanges.run(latest - keepLatest, keepSince.getTime()).changes;
    });
  }

  /** Why writes are refused, when the database file was deleted or replaced; checked now. */
  unavailableReason(): string | undefined {
    return this.file.check() && "the database file was deleted or replaced while the server was running";
  }

  /** Ready while the file is still ours and answers a query. */
  async readiness(): Promise<string | undefined> {
    const lost = this.unavailableReason();
    if (lost) return lost;
    try {
      this.db.prepare("SELECT 1").get();
      return undefined;
    } catch {
      // A fixed phrase: the driver's message may name hosts and paths, and /readyz is public.
      return "the database does not answer";
    }
  }

  observeWrites(observer: WriteBatchObserver): void {
    this.writes.onBatch = observer;
  }

  async close(): Promise<void> {
    clearInterval(this.fileTimer);
    this.writes.flush();
    if (this.db.open) this.db.close();
  }

  private readBounds(): { oldest: number; latest: number } {
    const latest = this.sql.latestRevision.get() ?? 0;
    const oldest = this.sql.oldestChange.get() ?? latest + 1;
    return { oldest, latest };
  }

  /**
   * Appends a change to the log (the write queue calls it inside a write). Returns it as the log
   * now holds it (decoded from what was stored, as readLogEntries would read it).
   */
  private appendChange(change: LoggedChange): LogEntry {
    const { kind, entityId, payload } = encodeChangePayload(change);
    const at = new Date();
    const revision = Number(this.sql.insertChange.run(at.getTime(), kind, entityId, payload).lastInsertRowid);
    // The notification it causes, in the same transaction: it is sent if and only if the change commits.
    this.outbox.record(change, revision, at);
    return decodeLogEntry(revision, kind, entityId, payload);
  }

  /**
   * Logs an item's current state (its notes are not logged, but on its `first` change) as changed,
   * and its status history if that moved (as of `at`, else the item's own update time); returns it.
   */
  private logItem(tx: SqliteWriteTx, item: ItemView, at?: Date, first = false): ItemView {
    const revision = tx.log({ kind: "item_upsert", item, withNotes: first });
    if (isTransition(this.sql.lastTransition.get(item.id), item)) {
      this.sql.insertTransition.run(...transitionValues(item), 0, (at ?? item.updated).getTime(), revision);
    }
    return item;
  }

  /**
   * A change to an item inside another record's write (an incident's, a maintenance window's, an
   * inlet's): the status as UpdateItem sets it (logged, with its history as of `at`), the note as
   * AddNote adds it.
   */
  private changeItemIn(tx: SqliteWriteTx, change: ItemChange, at: Date): void {
    if (change.statusId !== undefined) {
      withConflicts("items", { statusId: change.statusId }, () =>
        this.sql.updateItem.run(...itemPatchValues(change.itemId, { statusId: change.statusId, updated: at }, SQLITE_VALUES)),
      );
      this.logItem(tx, this.mustReadItem(change.itemId, false), at);
    }
    if (change.note) {
      const seq = this.insertNote(change.note);
      this.sql.touchItem.run(change.note.updated.getTime(), change.itemId);
      tx.log({ kind: "note_upsert", item: this.mustReadItem(change.itemId, false), note: { ...change.note, seq } });
    }
  }

  /** An inlet's change to an item (see changeItemIn); returns the item after it. */
  private writeInletChange(tx: SqliteWriteTx, id: string, change: { statusId?: string; noteText?: string; at: Date }): ItemView {
    this.changeItemIn(tx, inletItemChange(id, change), change.at);
    return this.mustReadItem(id, false);
  }

  private readStatus(id: string): StatusRecord | undefined {
    const row = this.sql.getStatus.get(id);
    return row && toStatus(row);
  }

  private readItem(id: string, withNotes: boolean): ItemView | undefined {
    const row = this.sql.getItem.get(id);
    if (!row) return undefined;
    return toItem(row, withNotes ? this.sql.notesOfItem.all(id).map(toNote) : undefined);
  }

  /** An item this write has just checked or written. */
  private mustReadItem(id: string, withNotes: boolean): ItemView {
    const item = this.readItem(id, withNotes);
    if (!item) throw new Error(`item ${id} vanished inside its own write`);
    return item;
  }

  private insertStatus(status: NewStatus): StatusRecord {
    withConflicts("statuses", { name: status.name }, () => this.sql.insertStatus.run(...statusValues(status, SQLITE_VALUES)));
    return { ...status };
  }

  /** Inserts a note; returns its creation order. */
  private insertNote(note: NoteRecord): number {
    return this.sql.insertNote.get(...noteValues(note, SQLITE_VALUES)) ?? 0;
  }
}
