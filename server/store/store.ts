import type { AuthStore } from "./auth-store.js";
import type { WriteBatchObserver } from "./write-observer.js";
import type { AuditStore } from "./audit-store.js";
import type { IncidentStore } from "./incident-store.js";
import type { GroupStore } from "./group-store.js";
import type { SettingsStore } from "./settings-store.js";
import type { InletStore } from "./inlet-store.js";
import type { MailStore } from "./mail-store.js";
import type { OutboxStore } from "./outbox-store.js";
import type { LogEntry } from "./change-codec.js";
import type { CommitListener } from "./commit-hooks.js";
import type { ChangeRecord, ItemFilter, ItemView, NoteRecord, StatusRecord, StatusTransition, StoreSnapshot } from "../domain.js";
import type { AuditActor } from "./audit-context.js";

/** A change's place in time: see `Store.changeAt`. */
export interface ChangeMoment {
  revision: number;
  at: Date | undefined;
  nextAt: Date | undefined;
}

/** A new status, complete: the service has validated it and given it an id and time. */
export type NewStatus = StatusRecord;

/** Changes to a status; undefined fields stay as they are. */
export interface StatusPatch {
  name?: string;
  description?: string;
  color?: string;
  kind?: number;
  updated: Date;
}

/** A new item. `statusId` names an existing status; `newStatus` is created with the item. */
export interface NewItem {
  id: string;
  name: string;
  description: string;
  statusId?: string;
  newStatus?: NewStatus;
  initialNote?: NoteRecord;
  created: Date;
}

/** Changes to an item; undefined fields stay as they are. */
export interface ItemPatch {
  name?: string;
  description?: string;
  statusId?: string;
  updated: Date;
}

/**
 * The store contract: everything StatusThing keeps, behind one interface, so a store of one's
 * own can replace the built-in ones. Every write is atomic. Stores report rule violations that
 * only the data can decide (a taken name, a missing record, a status still in use) by throwing
 * the `DomainError`s from `errors.ts`; the services validate everything else beforehand.
 * Lists are in creation order, but items: `listItems` gives page order (see group-store.ts).
 *
 * Every write also appends its changes to the change log, in the same transaction, numbered by
 * a revision that increases in commit order (see `ChangeRecord` for what each write logs).
 */
export interface Store {
  /** The accounts: users, sessions, API tokens and failed logins, in the same database. */
  readonly accounts: AuthStore;
  /** Incidents and maintenance windows, in the same database, written in its transactions (see incident-store.ts). */
  readonly incidents: IncidentStore;
  /** The page's settings and uploaded images; changes are logged like item changes. */
  readonly settings: SettingsStore;
  /**
   * Optional: the audit log. A store that keeps one writes a row with the first write of each
   * call given an audit context (the write methods' `audit` argument, see audit-context.ts), in
   * that write's transaction.
   */
  readonly audit?: AuditStore;
  /** Groups and the page order (see group-store.ts), in the same database and change log. */
  readonly groups: GroupStore;
  /**
   * Optional: hooks and heartbeats (Alertmanager, Grafana, cron pings). Without it the inlet
   * endpoints answer 404 and HooksService `unimplemented`.
   */
  readonly inlets?: InletStore;
  /**
   * Optional: the outbox (webhooks, notifications). A store that keeps one writes the event each
   * logged change makes (`deriveOutboxEvent` in sql/outbox.ts) in that change's transaction.
   */
  readonly outbox?: OutboxStore;
  /** Optional: email subscribers, their queued mails and the mail cursor over the outbox (needs `outbox`). */
  readonly mail?: MailStore;

  /**
   * Calls `listener` after each commit, in this process, that logged changes (once per commit,
   * however many writes it grouped; never for a write that failed, a read, or an account
   * write), before those writes' promises settle: so whoever awaits a write finds what the
   * listener did (e.g. caches dropped) already done. It is given exactly the changes that commit
   * logged, in revision order, as `readLogEntries` would read them: the change hub carries them
   * on without reading the log back. Returns how to stop. The app registers its publishing here
   * once; commits of other processes arrive through `subscribeChanges`.
   */
  onCommit(listener: CommitListener): () => void;

  listStatuses(kinds: readonly number[]): Promise<StatusRecord[]>;
  getStatus(id: string): Promise<StatusRecord | undefined>;
  /** Throws already_exists when the name is taken. */
  addStatus(status: NewStatus, audit?: AuditActor): Promise<StatusRecord>;
  /** Throws not_found, or already_exists when renaming onto a taken name. */
  updateStatus(id: string, patch: StatusPatch, audit?: AuditActor): Promise<StatusRecord>;
  /** Throws not_found, or failed_precondition while items use the status. */
  deleteStatus(id: string, audit?: AuditActor): Promise<void>;

  listItems(filter: ItemFilter): Promise<ItemView[]>;
  getItem(id: string, withNotes: boolean): Promise<ItemView | undefined>;
  /** Throws already_exists for a taken item or status name, not_found for a missing status. */
  addItem(item: NewItem, audit?: AuditActor): Promise<ItemView>;
  /** Throws not_found (item or status) or already_exists. */
  updateItem(id: string, patch: ItemPatch, audit?: AuditActor): Promise<ItemView>;
  /** Deletes the item and its notes together; `at` (default now) is when, for its history. Throws not_found. */
  deleteItem(id: string, at?: Date, audit?: AuditActor): Promise<void>;

  getNote(id: string): Promise<NoteRecord | undefined>;
  /** Throws not_found when the item does not exist. */
  listNotes(itemId: string): Promise<NoteRecord[]>;
  /** Throws not_found when the item does not exist. Adding, editing or deleting a note updates its item. */
  addNote(note: NoteRecord, audit?: AuditActor): Promise<NoteRecord>;
  /** Throws not_found. */
  updateNote(id: string, text: string, updated: Date, audit?: AuditActor): Promise<NoteRecord>;
  /** Throws not_found. `at` is the change time, which the note's item takes as updated. */
  deleteNote(id: string, at: Date, audit?: AuditActor): Promise<void>;

  /**
   * Creates the default statuses if this store has never had them, exactly once in its life
   * (deleting them later does not bring them back). Safe to call on every start.
   */
  seedDefaultStatuses(defaults: readonly NewStatus[]): Promise<void>;

  /**
   * Status transitions, newest first, at most `limit`: of one item (deleted ones too), or of all
   * items. Every write that changes an item's status (adding it, moving it to another status,
   * changing its status's kind, deleting it) records one in the same transaction.
   */
  recentTransitions(itemId: string | undefined, limit: number): Promise<StatusTransition[]>;
  /**
   * Every transition recorded at a revision above `afterRevision`, in revision order (ties, as
   * for the reconstructed transitions at revision 0, in recording order). Pass -1 for all: the
   * history service reads the whole history once, then only what is new.
   */
  transitionsAfter(afterRevision: number): Promise<StatusTransition[]>;
  /**
   * Where an instant falls in the change log: the newest change at or before it (revision 0 and
   * no time when none was), and when the next change came (none when nothing came since).
   */
  changeAt(instant: Date): Promise<ChangeMoment>;
  /**
   * The change log as stored, revision > `afterRevision`, oldest first, at most `limit`: each
   * entry only what changed (a note event its one note), for replaying the page to any revision
   * without reassembling whole items.
   */
  readLogEntries(afterRevision: number, limit: number): Promise<LogEntry[]>;

  /** Changes with revision > `afterRevision`, oldest first, at most `limit`. */
  readChanges(afterRevision: number, limit: number): Promise<ChangeRecord[]>;
  /**
   * The retained range of the change log: `oldest` is the first revision still readable
   * (latest + 1 when none is), `latest` the newest committed (0 when there was none).
   */
  changeLogBounds(): Promise<{ oldest: number; latest: number }>;
  /** Every item (with notes), status and group at one consistent revision. */
  snapshot(): Promise<StoreSnapshot>;
  /**
   * Deletes log entries that are both outside the newest `keepLatest` and older than
   * `keepSince`: whichever rule keeps more wins. Returns how many were deleted.
   */
  pruneChanges(keepLatest: number, keepSince: Date): Promise<number>;

  /**
   * Optional, for stores that several server processes share (PostgresStore): calls `onChange`
   * whenever changes may have been committed elsewhere (another replica), and once each time
   * the subscription starts or resumes listening, since it cannot know what it missed meanwhile.
   * It is only a doorbell: the caller reads the log (`readChanges`) to learn what changed, so a
   * lost or extra call costs latency or a read, never a change. It may be called on a replica's
   * own writes too. Returns a function that ends the subscription. A store that only one process
   * uses (SqliteStore) leaves it out: its own commits are announced by `onCommit`.
   */
  subscribeChanges?(onChange: () => void): () => void;

  /**
   * Optional, like `subscribeChanges`: calls `onRevoked` when credentials (a session, an API
   * token, a user) may have been deleted by another process, so streams opened with them can be
   * ended at once rather than at the next periodic re-check. Returns how to stop.
   */
  subscribeRevocations?(onRevoked: () => void): () => void;

  /**
   * Optional: why the store cannot take writes now, when it knows of a lasting problem (the
   * SQLite file was deleted underneath it); undefined while all is well. `/healthz` reports it.
   */
  unavailableReason?(): string | undefined;

  /**
   * Optional: why the store cannot serve right now (the database does not answer; a shared store
   * is not yet listening for other replicas' changes), or undefined when it can. `/readyz` asks it.
   */
  readiness?(): Promise<string | undefined>;

  /**
   * Optional, with `subscribeChanges`: whether the subscription is connected at this moment
   * (for `/metrics`); undefined when nothing has subscribed.
   */
  changeFeedConnected?(): boolean | undefined;

  /** Optional: calls `observer` after each group commit with its size and duration (for `/metrics`). */
  observeWrites?(observer: WriteBatchObserver): void;

  /** Finishes pending writes and releases the store. */
  close(): Promise<void>;
}
