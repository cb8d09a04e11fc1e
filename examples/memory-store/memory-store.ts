/**
 * A store of one's own, as small as it gets: everything in maps in memory. It implements the
 * whole `Store` contract and passes the conformance suite (memory-store.test.ts), so
 * `createApp({ store: new MemoryStore(), … })` serves a working status page — one that forgets
 * everything when the process ends. See the README, "Your own store".
 */
import {
  statusInUse,
  nameKey,
  nameTaken,
  notFound,
  unavailable,
  type ChangeRecord,
  type ItemFilter,
  type ItemPatch,
  type ItemView,
  type NewItem,
  type NewStatus,
  type NoteRecord,
  type StatusPatch,
  type StatusRecord,
  type StatusTransition,
  type Store,
  type StoreSnapshot,
  type GroupRecord,
  type CommitListener,
} from "../../server/index.js";
import type { ChangeMoment } from "../../server/store/store.js";
import { newId } from "../../server/ids.js";
import type { LogEntry, LoggedChange } from "../../server/store/change-codec.js";
import { AccountData, MemoryAccounts } from "./memory-accounts.js";
import { IncidentData, MemoryIncidents } from "./memory-incidents.js";
import { MemoryGroups } from "./memory-groups.js";
import { MemorySettings, SettingsData } from "./memory-settings.js";
import { InletData, MemoryInlets } from "./memory-inlets.js";
import { MemoryOutbox, OutboxData } from "./memory-outbox.js";

interface ItemRecord {
  id: string;
  name: string;
  description: string;
  statusId: string | undefined;
  /** Undefined: in no group. */
  groupId?: string | undefined;
  position: number;
  created: Date;
  updated: Date;
}

/** Everything the store keeps; outlives a MemoryStore, like a database file, so a test can "restart" on it. */
export class MemoryData {
  readonly statuses = new Map<string, StatusRecord>();
  readonly items = new Map<string, ItemRecord>();
  readonly notes = new Map<string, NoteRecord>();
  readonly groups = new Map<string, GroupRecord>();
  readonly transitions: StatusTransition[] = [];
  readonly accounts = new AccountData();
  readonly incidents = new IncidentData();
  readonly settings = new SettingsData();
  readonly inlets = new InletData();
  readonly outbox = new OutboxData();
  changes: Array<{ change: ChangeRecord; at: Date }> = [];
  latest = 0;
  seeded = false;
}

/** A note written with its item's change: what the outbox hears of it. */
interface NoteChange {
  note: NoteRecord;
  previous?: { text: string; updated: Date };
}

/** A change before the log numbers it. */
type NewChange = { [K in ChangeRecord["kind"]]: Omit<Extract<ChangeRecord, { kind: K }>, "revision"> }[ChangeRecord["kind"]];

/** Records are replaced, never changed in place: what was returned or logged stays as it was. */
const defined = <T extends object>(patch: T): Partial<T> => Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;

/** A logged change as `readLogEntries` gives it (this store logs whole items, notes included). */
function asLogEntry(change: ChangeRecord): LogEntry {
  if (change.kind === "item_upsert") return { ...change, item: { ...change.item, notes: change.item.notes ?? [] } };
  if (change.kind === "item_delete") return { ...change, notes: [] };
  return change;
}

/**
 * The `Store` contract over maps. Every method runs to its end without awaiting, so each write
 * is atomic: it checks everything before it changes anything.
 */
export class MemoryStore implements Store {
  readonly accounts: MemoryAccounts;
  readonly incidents: MemoryIncidents;
  readonly groups: MemoryGroups;
  readonly settings: MemorySettings;
  readonly inlets: MemoryInlets;
  readonly outbox: MemoryOutbox;
  private readonly listeners = new Set<CommitListener>();
  private readonly pending = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly data = new MemoryData()) {
    this.accounts = new MemoryAccounts(data.accounts);
    this.incidents = new MemoryIncidents(data.incidents, {
      write: (work) => this.write(work),
      log: (change) => this.log(change),
      notify: (change, revision) => this.outbox.record(change, revision, new Date()),
      itemNow: (id) => {
        const item = this.data.items.get(id);
        return item && { id, name: item.name, statusId: item.statusId };
      },
      statusExists: (id) => this.data.statuses.has(id),
      changeItem: (change, at) => {
        const item = this.data.items.get(change.itemId);
        if (!item) throw notFound("item", change.itemId);
        if (change.statusId !== undefined) {
          this.data.items.set(item.id, { ...item, statusId: change.statusId, updated: at });
          this.logItem(item.id, at);
        }
        if (change.note) {
          this.data.notes.set(change.note.id, { ...change.note });
          this.touch(item.id, change.note.updated);
        }
      },
    });
    this.groups = new MemoryGroups({
      data,
      write: (work) => this.write(work),
      logItem: (item) => this.log({ kind: "item_upsert", item }),
      logGroup: (change) => this.log(change),
      view: (id) => this.view(id, false),
    });
    this.settings = new MemorySettings(data.settings, {
      write: (work) => this.write(work),
      log: (settings) => this.log({ kind: "settings_upsert", settings }),
    });
    this.inlets = new MemoryInlets(data.inlets, {
      write: (work) => this.write(work),
      item: (id) => this.view(id, false),
      change: (id, change) => this.applyInletChange(id, change),
    });
    this.outbox = new MemoryOutbox(data.outbox);
  }

  onCommit(listener: CommitListener): () => void {
    const entry: CommitListener = (committed) => listener(committed);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  async listStatuses(kinds: readonly number[]): Promise<StatusRecord[]> {
    return [...this.data.statuses.values()].filter((s) => kinds.length === 0 || kinds.includes(s.kind));
  }
  async getStatus(id: string): Promise<StatusRecord | undefined> {
    return this.data.statuses.get(id);
  }
  async addStatus(status: NewStatus): Promise<StatusRecord> {
    return this.write(() => this.insertStatus(status));
  }
  async updateStatus(id: string, patch: StatusPatch): Promise<StatusRecord> {
    return this.write(() => {
      const before = this.data.statuses.get(id);
      if (!before) throw notFound("status", id);
      if (patch.name !== undefined) this.mustBeFreeStatusName(patch.name, id);
      const status = { ...before, ...defined(patch) };
      this.data.statuses.set(id, status);
      this.log({ kind: "status_upsert", status });
      // Items show their status: each one that shows this status changed too.
      for (const item of this.data.items.values()) if (item.statusId === id) this.logItem(item.id, patch.updated);
      return status;
    });
  }
  async deleteStatus(id: string): Promise<void> {
    return this.write(() => {
      if (!this.data.statuses.has(id)) throw notFound("status", id);
      const users = [...this.data.items.values()].filter((i) => i.statusId === id).length;
      if (users > 0) throw statusInUse(users);
      this.data.statuses.delete(id);
      this.log({ kind: "status_delete", id });
    });
  }

  async listItems(filter: ItemFilter): Promise<ItemView[]> {
    // Page order: items in no group first, then by group position; within each, by item position (creation order breaks ties).
    const groupPosition = (item: ItemRecord) => (item.groupId === undefined ? -1 : (this.data.groups.get(item.groupId)?.position ?? -1));
    return [...this.data.items.values()]
      .sort((a, b) => groupPosition(a) - groupPosition(b) || a.position - b.position)
      .map((item) => this.view(item.id, filter.withNotes))
      .filter((view): view is ItemView => view !== undefined)
      .filter((view) => filter.statusIds.length === 0 || (view.status !== undefined && filter.statusIds.includes(view.status.id)))
      .filter((view) => filter.kinds.length === 0 || (view.status !== undefined && filter.kinds.includes(view.status.kind)));
  }
  async getItem(id: string, withNotes: boolean): Promise<ItemView | undefined> {
    return this.view(id, withNotes);
  }
  async addItem(item: NewItem): Promise<ItemView> {
    return this.write(() => {
      if (item.newStatus) this.mustBeFreeStatusName(item.newStatus.name);
      else if (item.statusId !== undefined && !this.data.statuses.has(item.statusId)) throw notFound("status", item.statusId);
      this.mustBeFreeItemName(item.name);
      const statusId = item.newStatus ? this.insertStatus(item.newStatus).id : item.statusId;
      const { id, name, description, created } = item;
      const position = Math.max(-1, ...[...this.data.items.values()].filter((i) => i.groupId === undefined).map((i) => i.position)) + 1;
      this.data.items.set(id, { id, name, description, statusId, position, created, updated: created });
      if (item.initialNote) this.data.notes.set(item.initialNote.id, { ...item.initialNote });
      return this.logItem(id, created);
    });
  }
  async updateItem(id: string, patch: ItemPatch): Promise<ItemView> {
    return this.write(() => {
      const before = this.data.items.get(id);
      if (!before) throw notFound("item", id);
      if (patch.statusId !== undefined && !this.data.statuses.has(patch.statusId)) throw notFound("status", patch.statusId);
      if (patch.name !== undefined) this.mustBeFreeItemName(patch.name, id);
      this.data.items.set(id, { ...before, ...defined(patch) });
      return this.logItem(id, patch.updated);
    });
  }
  async deleteItem(id: string, at?: Date): Promise<void> {
    return this.write(() => {
      const item = this.data.items.get(id);
      if (!item) throw notFound("item", id);
      for (const note of this.data.notes.values()) if (note.itemId === id) this.data.notes.delete(note.id);
      this.data.items.delete(id);
      const revision = this.log({ kind: "item_delete", id });
      this.outbox.record({ kind: "item_delete", id, notes: [] }, revision, new Date());
      this.data.transitions.push({ itemId: id, itemName: item.name, at: at ?? new Date(), revision, status: undefined, deleted: true, reconstructed: false });
    });
  }

  async getNote(id: string): Promise<NoteRecord | undefined> {
    return this.data.notes.get(id);
  }
  async listNotes(itemId: string): Promise<NoteRecord[]> {
    if (!this.data.items.has(itemId)) throw notFound("item", itemId);
    return this.notesOf(itemId);
  }
  async addNote(note: NoteRecord): Promise<NoteRecord> {
    return this.write(() => {
      if (!this.data.items.has(note.itemId)) throw notFound("item", note.itemId);
      this.data.notes.set(note.id, { ...note });
      this.touch(note.itemId, note.updated, { note });
      return note;
    });
  }
  async updateNote(id: string, text: string, updated: Date): Promise<NoteRecord> {
    return this.write(() => {
      const before = this.data.notes.get(id);
      if (!before) throw notFound("note", id);
      const note = { ...before, text, updated };
      this.data.notes.set(id, note);
      this.touch(note.itemId, updated, { note, previous: { text: before.text, updated: before.updated } });
      return note;
    });
  }
  async deleteNote(id: string, at: Date): Promise<void> {
    return this.write(() => {
      const note = this.data.notes.get(id);
      if (!note) throw notFound("note", id);
      this.data.notes.delete(id);
      this.touch(note.itemId, at);
    });
  }

  async seedDefaultStatuses(defaults: readonly NewStatus[]): Promise<void> {
    return this.write(() => {
      if (this.data.seeded) return;
      const taken = new Set([...this.data.statuses.values()].map((s) => nameKey(s.name)));
      // A status the user already made under that name wins.
      for (const status of defaults) if (!taken.has(nameKey(status.name))) this.insertStatus(status);
      this.data.seeded = true;
    });
  }

  async recentTransitions(itemId: string | undefined, limit: number): Promise<StatusTransition[]> {
    return this.data.transitions
      .filter((t) => itemId === undefined || t.itemId === itemId)
      .reverse()
      .slice(0, limit);
  }
  async transitionsAfter(afterRevision: number): Promise<StatusTransition[]> {
    return this.data.transitions.filter((t) => t.revision > afterRevision).sort((a, b) => a.revision - b.revision);
  }
  async changeAt(instant: Date): Promise<ChangeMoment> {
    const before = this.data.changes.filter(({ at }) => at <= instant).at(-1);
    const after = this.data.changes.find(({ at }) => at > instant);
    return { revision: before?.change.revision ?? 0, at: before?.at, nextAt: after?.at };
  }
  /** This store logs whole items (notes included), which a replay takes as they are. */
  async readLogEntries(afterRevision: number, limit: number): Promise<LogEntry[]> {
    return (await this.readChanges(afterRevision, limit)).map(asLogEntry);
  }
  async readChanges(afterRevision: number, limit: number): Promise<ChangeRecord[]> {
    return this.data.changes
      .filter(({ change }) => change.revision > afterRevision)
      .slice(0, limit)
      .map(({ change }) => change);
  }
  async changeLogBounds(): Promise<{ oldest: number; latest: number }> {
    const latest = this.data.latest;
    return { oldest: this.data.changes[0]?.change.revision ?? latest + 1, latest };
  }
  async snapshot(): Promise<StoreSnapshot> {
    const items = await this.listItems({ statusIds: [], kinds: [], withNotes: true });
    return { revision: this.data.latest, items, statuses: [...this.data.statuses.values()], groups: await this.groups.listGroups() };
  }
  async pruneChanges(keepLatest: number, keepSince: Date): Promise<number> {
    const before = this.data.changes.length;
    const last = this.data.latest - keepLatest;
    this.data.changes = this.data.changes.filter(({ change, at }) => change.revision > last || at >= keepSince);
    return before - this.data.changes.length;
  }
  /** Refuses new writes and waits for the pending ones. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.pending);
  }

  /**
   * Runs a write in a later turn of the event loop, as a database would (so reads and writes
   * interleave as they do with the real stores); once it succeeded having logged changes, tells
   * the listeners (its "commit"), before its promise settles.
   */
  private write<T>(work: () => T): Promise<T> {
    if (this.closed) return Promise.reject(unavailable("the store is closed"));
    const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const before = this.data.latest;
      const result = work();
      if (this.data.latest !== before) this.notifyListeners(this.data.changes.filter(({ change }) => change.revision > before).map(({ change }) => asLogEntry(change)));
      return result;
    });
    const settled: Promise<unknown> = done.then(
      () => this.pending.delete(settled),
      () => this.pending.delete(settled),
    );
    this.pending.add(settled);
    return done;
  }

  private notifyListeners(committed: readonly LogEntry[]): void {
    for (const listener of this.listeners) {
      try {
        listener(committed);
      } catch {
        // A listener's failure is its own: the write has happened all the same.
      }
    }
  }

  /** Appends a change to the log; returns its revision. */
  private log(change: NewChange): number {
    const revision = ++this.data.latest;
    this.data.changes.push({ change: { ...change, revision } as ChangeRecord, at: new Date() });
    return revision;
  }

  private insertStatus(status: NewStatus): StatusRecord {
    this.mustBeFreeStatusName(status.name);
    const record = { ...status };
    this.data.statuses.set(record.id, record);
    this.log({ kind: "status_upsert", status: record });
    return record;
  }

  /** Notes the item's change: its new updated time, logged with its notes. */
  private touch(itemId: string, at: Date, noteChange?: NoteChange): void {
    const item = this.data.items.get(itemId);
    if (!item) throw notFound("item", itemId);
    this.data.items.set(itemId, { ...item, updated: at });
    this.logItem(itemId, at, noteChange);
  }

  /** Logs the item as it is now, and a status transition (as of `at`) if its status or the status's kind changed. */
  private logItem(id: string, at: Date, noteChange?: NoteChange): ItemView {
    const view = this.view(id, true);
    if (!view) throw notFound("item", id);
    const revision = this.log({ kind: "item_upsert", item: view });
    // The outbox hears of a note as a note (the log here only keeps whole items).
    const outboxChange: LoggedChange = noteChange
      ? { kind: "note_upsert", item: view, note: { ...noteChange.note, seq: 0 }, previous: noteChange.previous }
      : { kind: "item_upsert", item: view };
    this.outbox.record(outboxChange, revision, new Date());
    const last = this.data.transitions.findLast((t) => t.itemId === id);
    if (!last || last.deleted || last.status?.id !== view.status?.id || last.status?.kind !== view.status?.kind) {
      const status = view.status && { id: view.status.id, name: view.status.name, color: view.status.color, kind: view.status.kind };
      this.data.transitions.push({ itemId: id, itemName: view.name, at, revision, status, deleted: false, reconstructed: false });
    }
    return view;
  }

  /** An inlet's change to an item, inside its write: the status as updateItem sets it, the note as addNote adds it. */
  private applyInletChange(id: string, change: { statusId?: string; noteText?: string; at: Date }): ItemView {
    const before = this.data.items.get(id);
    if (!before) throw notFound("item", id);
    if (change.statusId !== undefined) {
      if (!this.data.statuses.has(change.statusId)) throw notFound("status", change.statusId);
      this.data.items.set(id, { ...before, statusId: change.statusId, updated: change.at });
      this.logItem(id, change.at);
    }
    if (change.noteText) {
      const note = { id: newId(), itemId: id, text: change.noteText, created: change.at, updated: change.at };
      this.data.notes.set(note.id, note);
      this.touch(id, change.at);
    }
    return this.view(id, false)!;
  }

  private view(id: string, withNotes: boolean): ItemView | undefined {
    const item = this.data.items.get(id);
    if (!item) return undefined;
    const status = item.statusId === undefined ? undefined : this.data.statuses.get(item.statusId);
    const { name, description, created, updated, groupId, position } = item;
    return { id, name, description, status, notes: withNotes ? this.notesOf(id) : undefined, ...(groupId !== undefined && { groupId }), position, created, updated };
  }

  private notesOf(itemId: string): NoteRecord[] {
    return [...this.data.notes.values()].filter((n) => n.itemId === itemId);
  }

  private mustBeFreeStatusName(name: string, except?: string): void {
    for (const s of this.data.statuses.values()) if (s.id !== except && nameKey(s.name) === nameKey(name)) throw nameTaken("status", name);
  }

  private mustBeFreeItemName(name: string, except?: string): void {
    for (const i of this.data.items.values()) if (i.id !== except && nameKey(i.name) === nameKey(name)) throw nameTaken("item", name);
  }
}
