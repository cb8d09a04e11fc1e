import type { ItemFilter, ItemView, NoteRecord, StatusRecord, StatusTransition } from "../domain.js";
import { invalidArgument, notFound } from "../errors.js";
import type { Store } from "../store/store.js";
import { foldWindow, type DayUptime, type WindowUptime } from "../../shared/history/uptime-fold.js";
import { PageReplay } from "../store/page-replay.js";
import { TransitionIndex } from "./history/transition-index.js";
import { lastDays, UptimeRollups } from "./history/uptime-rollups.js";
import { checkKinds, requireId } from "./validate.js";

/** What the history service needs: the store, the clock, and the page's time zone. */
export interface HistoryDeps {
  store: Store;
  now: () => Date;
  /** IANA name whose calendar days uptime is counted in. */
  timeZone: string;
  /** The zone to count in now, when it can change while running (the page settings); else `timeZone`. */
  currentTimeZone?: () => Promise<string>;
}

/** GetItemHistory's question. */
export interface ItemHistoryQuery {
  itemId: string;
  from: Date | undefined;
  to: Date | undefined;
  /** 0: the default. */
  pageSize: number;
  pageToken: string;
}

/** One page of an item's history: transitions newest first; the notes in the same stretch, oldest first. */
export interface ItemHistoryPage {
  transitions: StatusTransition[];
  notes: NoteRecord[];
  nextPageToken: string;
}

/** One item's uptime: the days asked for and the fixed totals. */
export interface ItemUptimeReport {
  itemId: string;
  days: DayUptime[];
  last24Hours: WindowUptime;
  last7Days: WindowUptime;
  last30Days: WindowUptime;
  last90Days: WindowUptime;
}

/** GetUptime's answer. */
export interface UptimeReport {
  items: ItemUptimeReport[];
  timeZone: string;
  now: Date;
}

/** The page as it was at an instant, and where that sits in the change log. */
export interface PageAt {
  items: ItemView[];
  statuses: StatusRecord[];
  revision: number;
  revisionTime: Date | undefined;
  nextChangeTime: Date | undefined;
}

const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1_000;
const DEFAULT_DAYS = 90;
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

/**
 * Rules for reading history: an item's status changes and notes, uptime per day and in totals,
 * and the page at a past instant. Everything is derived from what the stores record with each
 * write (status transitions and the change log); nothing here writes.
 */
export class HistoryService {
  private readonly index: TransitionIndex;
  /** Roll-ups per zone: a zone change starts a new calendar rather than mixing two. */
  private readonly rollupsByZone = new Map<string, UptimeRollups>();
  private readonly replay: PageReplay;

  constructor(private readonly deps: HistoryDeps) {
    this.index = new TransitionIndex(deps.store);
    this.replay = new PageReplay(deps.store);
    this.index.onTransition = (t) => {
      for (const rollups of this.rollupsByZone.values()) rollups.invalidate(t.itemId, t.at.getTime());
    };
  }

  /**
   * An item's history in a window as one timeline, newest first, in pages: its transitions and
   * its notes, `pageSize` entries of both together per page (a note and a change at the same
   * instant: the change first). Each page's notes come oldest first, as ListItems gives them.
   */
  async itemHistory(query: ItemHistoryQuery): Promise<ItemHistoryPage> {
    const itemId = requireId("item_id", query.itemId);
    const pageSize = query.pageSize === 0 ? DEFAULT_PAGE_SIZE : query.pageSize;
    if (pageSize > MAX_PAGE_SIZE) throw invalidArgument("page_size", `must be at most ${MAX_PAGE_SIZE}`);
    if (query.from && query.to && query.from >= query.to) throw invalidArgument("to", "must be after from");
    await this.index.refresh();
    const all = this.index.transitionsOf(itemId);
    const item = await this.deps.store.getItem(itemId, false);
    if (all.length === 0 && !item) throw notFound("item", itemId);
    const allNotes = item ? [...(await this.deps.store.listNotes(itemId))].sort((a, b) => a.created.getTime() - b.created.getTime()) : [];
    let { transitionEnd, noteEnd } = { transitionEnd: all.length, noteEnd: allNotes.length };
    if (query.pageToken !== "") ({ transitionEnd, noteEnd } = parseHistoryToken(query.pageToken, all.length, allNotes.length));
    const before = (at: Date) => query.from !== undefined && at < query.from;
    const after = (at: Date) => query.to !== undefined && at >= query.to;
    const transitions: StatusTransition[] = [];
    const notes: NoteRecord[] = [];
    let t = transitionEnd - 1;
    let n = noteEnd - 1;
    // Everything older than `from` is done with: the walk ends there for both.
    const transitionLeft = () => t >= 0 && !before(all[t]!.at);
    const noteLeft = () => n >= 0 && !before(allNotes[n]!.created);
    while (transitions.length + notes.length < pageSize && (transitionLeft() || noteLeft())) {
      if (transitionLeft() && (!noteLeft() || all[t]!.at >= allNotes[n]!.created)) {
        const transition = all[t--]!;
        if (!after(transition.at)) transitions.push(transition);
      } else {
        const note = allNotes[n--]!;
        if (!after(note.created)) notes.push(note);
      }
    }
    const more = transitionLeft() || noteLeft();
    return { transitions, notes: notes.reverse(), nextPageToken: more ? `${t + 1}.${n + 1}` : "" };
  }

  /** Uptime per calendar day for the last `days` days (0: 90), and the 24 h / 7 / 30 / 90 day totals. */
  async uptime(itemIds: readonly string[], days: number): Promise<UptimeReport> {
    const count = days === 0 ? DEFAULT_DAYS : days;
    if (count < 1 || count > MAX_DAYS) throw invalidArgument("days", `must be from 1 to ${MAX_DAYS}`);
    const ids = itemIds.map((id) => requireId("item_ids", id));
    await this.index.refresh();
    const timeZone = (await this.deps.currentTimeZone?.()) ?? this.deps.timeZone;
    let rollups = this.rollupsByZone.get(timeZone);
    if (!rollups) this.rollupsByZone.set(timeZone, (rollups = new UptimeRollups(timeZone)));
    const now = this.deps.now();
    if (ids.length === 0) for (const item of await this.deps.store.listItems({ statusIds: [], kinds: [], withNotes: false })) ids.push(item.id);
    else {
      for (const id of ids) {
        if (this.index.transitionsOf(id).length === 0 && !(await this.deps.store.getItem(id, false))) throw notFound("item", id);
      }
    }
    const calendar = rollups.calendar(Math.max(count, 90), now.getTime());
    const items = ids.map((itemId) => {
      const all = rollups.daysOf(itemId, () => this.index.stepsOf(itemId), calendar, now.getTime());
      return {
        itemId,
        days: all.slice(all.length - count),
        last24Hours: foldWindow(this.index.stepsOf(itemId), now.getTime() - DAY_MS, now.getTime()),
        last7Days: lastDays(all, 7),
        last30Days: lastDays(all, 30),
        last90Days: lastDays(all, 90),
      };
    });
    return { items, timeZone, now };
  }

  /**
   * Does once, ahead of the first visitor, what the first GetUptime and GetPageAt would do: reads
   * every transition, folds the kept days, and replays the change log keeping its checkpoints,
   * one batch at a time with other work let in between, so neither startup nor requests wait for
   * it; a request meanwhile just does its own part. Stops when `signal` aborts.
   */
  async warm(signal?: AbortSignal): Promise<void> {
    await this.uptime([], DEFAULT_DAYS);
    if (!signal?.aborted) await this.replay.warm(signal);
  }

  /** The page as ListItems would have answered at `at`: items, statuses and notes as they were. */
  async pageAt(at: Date | undefined, filter: ItemFilter): Promise<PageAt> {
    if (!at) throw invalidArgument("at", "is required: the instant to show");
    if (at.getTime() > this.deps.now().getTime() + 1_000) throw invalidArgument("at", "is in the future");
    const kinds = checkKinds("kinds", filter.kinds);
    const moment = await this.deps.store.changeAt(at);
    const state = await this.replay.stateAt(moment.revision);
    const items = state.items
      .filter((item) => filter.statusIds.length === 0 || (item.status !== undefined && filter.statusIds.includes(item.status.id)))
      .filter((item) => kinds.length === 0 || (item.status !== undefined && kinds.includes(item.status.kind)))
      .map((item) => (filter.withNotes ? item : { ...item, notes: undefined }));
    return { items, statuses: state.statuses, revision: moment.revision, revisionTime: moment.at, nextChangeTime: moment.nextAt };
  }
}

/**
 * Reads GetItemHistory's page token: "<transitions>.<notes>", how many of each (oldest first) the
 * next page may still look at. A bare number is a token from before notes were paged (they all
 * came on the first page): nothing of the notes is left.
 */
function parseHistoryToken(token: string, transitions: number, notes: number): { transitionEnd: number; noteEnd: number } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(token);
  const transitionEnd = Number(match?.[1]);
  const noteEnd = match?.[2] === undefined ? 0 : Number(match[2]);
  if (!match || transitionEnd > transitions || noteEnd > notes) throw invalidArgument("page_token", "is not a token this server gave");
  return { transitionEnd, noteEnd };
}
