import type { ItemView, StatusRecord } from "../domain.js";
import { historyNotKept } from "../errors.js";
import type { LogEntry, LoggedNote } from "./change-codec.js";
import type { Store } from "./store.js";

/** Everything a page showed at one revision: items (notes as they were) and statuses, in creation order. */
export interface PageState {
  revision: number;
  items: ItemView[];
  statuses: StatusRecord[];
}

/** How many revisions apart checkpoints are kept by default: a page is at most this many changes from one. */
export const CHECKPOINT_EVERY = 500;
const READ_BATCH = 1_000;

/** The replay's working state; a checkpoint is a copy of it. */
interface Replayed {
  revision: number;
  /** Items without notes, in creation order (a Map keeps first-insertion order). */
  items: Map<string, ItemView>;
  notes: Map<string, Map<string, LoggedNote>>;
  statuses: Map<string, StatusRecord>;
}

function copy(state: Replayed): Replayed {
  return {
    revision: state.revision,
    items: new Map(state.items),
    notes: new Map([...state.notes].map(([id, notes]) => [id, new Map(notes)])),
    statuses: new Map(state.statuses),
  };
}

/**
 * The page at any revision, rebuilt from the change log: the log is replayed from the nearest
 * checkpoint at or below it. Checkpoints (every CHECKPOINT_EVERY revisions) are made as replays
 * pass them and kept in memory, so after the first look far back any revision is at most
 * CHECKPOINT_EVERY changes of replay away. The log keeps item fields and each note as they
 * changed, so names, descriptions and notes come out as they were.
 */
export class PageReplay {
  private readonly checkpoints = new Map<number, Replayed>([[0, { revision: 0, items: new Map(), notes: new Map(), statuses: new Map() }]]);

  constructor(
    private readonly store: Store,
    private readonly every = CHECKPOINT_EVERY,
  ) {}

  /** The page right after `revision` was committed. */
  async stateAt(revision: number): Promise<PageState> {
    let start = Math.floor(revision / this.every) * this.every;
    while (!this.checkpoints.has(start)) start -= this.every;
    const from = this.checkpoints.get(start)!;
    if (from.revision < revision) {
      const { oldest } = await this.store.changeLogBounds();
      if (oldest > from.revision + 1) {
        throw historyNotKept(oldest);
      }
    }
    const state = copy(from);
    while (state.revision < revision) {
      const entries = await this.store.readLogEntries(state.revision, Math.min(READ_BATCH, revision - state.revision));
      if (entries.length === 0) break;
      this.applyKeepingCheckpoints(entries, state);
    }
    return {
      revision,
      items: [...state.items.values()].map((item) => ({ ...item, notes: [...(state.notes.get(item.id)?.values() ?? [])].sort((a, b) => a.seq - b.seq).map(withoutSeq) })),
      statuses: [...state.statuses.values()],
    };
  }
  /**
   * Replays the whole log once, keeping its checkpoints, so later pages are quick from the first.
   * It reads one batch at a time and lets other work run between batches (a replay of 100,000
   * changes takes seconds). A log pruned at its start has nothing to replay from; `signal` stops it.
   */
  async warm(signal?: AbortSignal): Promise<void> {
    const { oldest, latest } = await this.store.changeLogBounds();
    if (oldest > 1) return;
    const state = copy(this.checkpoints.get(Math.max(...this.checkpoints.keys()))!);
    while (state.revision < latest && !signal?.aborted) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const entries = await this.store.readLogEntries(state.revision, READ_BATCH);
      if (entries.length === 0) break;
      this.applyKeepingCheckpoints(entries, state);
    }
  }

  private applyKeepingCheckpoints(entries: readonly LogEntry[], state: Replayed): void {
    for (const entry of entries) {
      apply(entry, state);
      state.revision = entry.revision;
      if (entry.revision % this.every === 0 && !this.checkpoints.has(entry.revision)) this.checkpoints.set(entry.revision, copy(state));
    }
  }
}

function withoutSeq({ seq: _seq, ...note }: LoggedNote) {
  return note;
}

function notesOf(state: Replayed, itemId: string): Map<string, LoggedNote> {
  let notes = state.notes.get(itemId);
  if (!notes) state.notes.set(itemId, (notes = new Map()));
  return notes;
}

function apply(entry: LogEntry, state: Replayed): void {
  switch (entry.kind) {
    case "item_upsert":
      state.items.set(entry.item.id, { ...entry.item, notes: undefined });
      // Rows from before notes were logged on their own carry the item's whole note list.
      if (entry.item.notes) state.notes.set(entry.item.id, new Map(entry.item.notes.map((n, seq) => [n.id, { ...n, seq }])));
      break;
    case "item_delete":
      state.items.delete(entry.id);
      state.notes.delete(entry.id);
      break;
    case "note_upsert":
      state.items.set(entry.item.id, { ...entry.item, notes: undefined });
      notesOf(state, entry.item.id).set(entry.note.id, entry.note);
      break;
    case "note_delete":
      state.items.set(entry.item.id, { ...entry.item, notes: undefined });
      notesOf(state, entry.item.id).delete(entry.note.id);
      break;
    case "status_upsert":
      state.statuses.set(entry.status.id, entry.status);
      break;
    case "status_delete":
      state.statuses.delete(entry.id);
      break;
    default:
      // Groups arrange the page, and the page's settings are not part of its history: the page at
      // a past time shows its items and statuses (and today's name).
      break;
  }
}
