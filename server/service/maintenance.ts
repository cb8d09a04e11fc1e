import { noteReference, utcMinute } from "../incident-notes.js";
import { charCount, NOTE_TEXT_MAX } from "../../shared/limits.js";
import { invalidArgument, maintenanceNotStarted, maintenanceOver, maintenanceStarted, notFound } from "../errors.js";
import { newId } from "../ids.js";
import {
  PHASE_ACTIVE,
  PHASE_CANCELLED,
  PHASE_COMPLETED,
  PHASE_SCHEDULED,
  type AffectedItemRecord,
  type LeftAlone,
  type MaintenancePhase,
  type MaintenanceRecord,
} from "../incident-records.js";
import type { WriteOutcome } from "../store/incident-store.js";
import { skipAudit, type AuditActor } from "../store/audit-context.js";
import type { ServiceDeps } from "./deps.js";
import { checkRequestedItems, noteFor, restore, setStatuses, withNotes, type Facts } from "./incident-rules.js";
import { decodePageToken, encodePageToken, pageSizeOf } from "./incident-paging.js";
import { requireId, requireName } from "./validate.js";

/** ScheduleMaintenance's fields. */
export interface NewMaintenanceInput {
  title: string;
  message: string;
  startsAt: Date | undefined;
  endsAt: Date | undefined;
  itemIds: readonly string[];
  statusId: string;
}

/** UpdateMaintenance's fields; undefined means unchanged. */
export interface MaintenanceChanges {
  title: string | undefined;
  message: string | undefined;
  startsAt: Date | undefined;
  endsAt: Date | undefined;
  itemIds: readonly string[] | undefined;
  statusId: string | undefined;
}

/** ListMaintenance's question. */
export interface MaintenanceQuery {
  /** 0 all, 1 upcoming, 2 active, 3 past. */
  filter: number;
  from: Date | undefined;
  to: Date | undefined;
  pageSize: number;
  pageToken: string;
}

/** A window and the items its end left alone. */
export interface MaintenanceEnd {
  maintenance: MaintenanceRecord;
  leftAlone: LeftAlone[];
}

const isOver = (phase: MaintenancePhase) => phase === PHASE_COMPLETED || phase === PHASE_CANCELLED;

function checkMessage(value: string): string {
  if (charCount(value) > NOTE_TEXT_MAX) throw invalidArgument("message", `must be at most ${NOTE_TEXT_MAX} characters`);
  return value;
}

/**
 * Rules for maintenance windows: scheduling and changing them, and their transitions — at
 * starts_at the items take the window's status, at ends_at they go back (the restore rule of
 * incident-rules.ts). A transition is one read-decide-write (IncidentStore.write) that applies
 * only if the window is still in the phase it leaves, so however many replicas' schedulers try,
 * and whenever (a server down at starts_at starts it when it comes back, if still open), each
 * happens once; a window that ended while nobody ran it is closed without touching any item.
 */
export class MaintenanceService {
  constructor(private readonly deps: ServiceDeps) {}

  async get(id: string): Promise<MaintenanceRecord> {
    const windowId = requireId("maintenance_id", id);
    const window = await this.deps.store.incidents.get("maintenance", windowId);
    if (!window) throw notFound("maintenance", windowId);
    return window;
  }

  async list(query: MaintenanceQuery): Promise<{ maintenances: MaintenanceRecord[]; nextPageToken: string }> {
    if (![0, 1, 2, 3].includes(query.filter)) throw invalidArgument("filter", `${query.filter} is not a defined MaintenanceFilter`);
    if (query.from && query.to && query.from >= query.to) throw invalidArgument("to", "must be after from");
    const limit = pageSizeOf(query.pageSize);
    const phases = [[], [PHASE_SCHEDULED], [PHASE_ACTIVE], [PHASE_COMPLETED, PHASE_CANCELLED]][query.filter]!;
    const rows = await this.deps.store.incidents.list({
      kind: "maintenance",
      phases,
      from: query.from,
      to: query.to,
      order: query.filter === 1 || query.filter === 2 ? "soonest" : "newest",
      limit: limit + 1,
      after: decodePageToken(query.pageToken),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { maintenances: page, nextPageToken: rows.length > limit && last ? encodePageToken(last.startsAt, last.id) : "" };
  }

  async schedule(input: NewMaintenanceInput, audit?: AuditActor): Promise<MaintenanceRecord> {
    const title = requireName("title", input.title);
    const message = checkMessage(input.message);
    const now = this.deps.now();
    const { startsAt, endsAt } = this.checkWindow(input.startsAt, input.endsAt, now);
    const itemIds = this.checkItems(input.itemIds);
    const statusId = requireId("status_id", input.statusId);
    const id = newId();
    return this.deps.store.incidents.write(
      {
        kind: "maintenance",
        id,
        reads: () => ({ itemIds, statusIds: [statusId] }),
        decide: (facts) => {
          if (!facts.statuses.has(statusId)) throw notFound("status", statusId);
          const items = affectedItems(itemIds, facts);
          const window: MaintenanceRecord = {
            id,
            title,
            message,
            startsAt,
            endsAt,
            statusId,
            items,
            phase: PHASE_SCHEDULED,
            startedAt: undefined,
            endedAt: undefined,
            created: now,
            updated: now,
          };
          // A window that has already begun starts in the same write.
          if (startsAt <= now) return mapResult(start(window, facts, now), (w) => w);
          return { record: window, itemChanges: [], at: now, result: window };
        },
      },
      audit,
    );
  }

  async update(maintenanceId: string, changes: MaintenanceChanges, audit?: AuditActor): Promise<MaintenanceRecord> {
    const id = requireId("maintenance_id", maintenanceId);
    const title = changes.title === undefined ? undefined : requireName("title", changes.title);
    const message = changes.message === undefined ? undefined : checkMessage(changes.message);
    const itemIds = changes.itemIds === undefined ? undefined : this.checkItems(changes.itemIds);
    const statusId = changes.statusId === undefined ? undefined : requireId("status_id", changes.statusId);
    if (Object.values({ title, message, itemIds, statusId, s: changes.startsAt, e: changes.endsAt }).every((v) => v === undefined)) {
      throw invalidArgument("maintenance", "nothing to change: give title, message, starts_at, ends_at, item_ids (with replace_items) or status_id");
    }
    const now = this.deps.now();
    return this.deps.store.incidents.write(
      {
        kind: "maintenance",
        id,
        reads: (current) => ({ itemIds: [...(itemIds ?? []), ...(current?.items.map((i) => i.itemId) ?? [])], statusIds: statusId ? [statusId] : [] }),
        decide: (facts) => {
          const current = facts.current;
          if (!current) throw notFound("maintenance", id);
          if (isOver(current.phase)) throw maintenanceOver(id);
          if (current.phase === PHASE_ACTIVE) {
            if (changes.startsAt) throw maintenanceStarted(id, "starts_at");
            if (itemIds) throw maintenanceStarted(id, "item_ids");
            if (statusId) throw maintenanceStarted(id, "status_id");
          }
          const { startsAt, endsAt } = this.checkWindow(changes.startsAt ?? current.startsAt, changes.endsAt ?? current.endsAt, now, current.phase === PHASE_ACTIVE);
          if (statusId && !facts.statuses.has(statusId)) throw notFound("status", statusId);
          const window: MaintenanceRecord = {
            ...current,
            title: title ?? current.title,
            message: message ?? current.message,
            startsAt,
            endsAt,
            statusId: statusId ?? current.statusId,
            items: itemIds ? affectedItems(itemIds, facts) : current.items,
            updated: now,
          };
          if (window.phase === PHASE_SCHEDULED && startsAt <= now) return mapResult(start(window, facts, now), (w) => w);
          return { record: window, itemChanges: [], at: now, result: window };
        },
      },
      audit,
    );
  }

  /** Calls a window off; one that had started ends as at its end (its items go back). */
  cancel(maintenanceId: string, audit?: AuditActor): Promise<MaintenanceEnd> {
    const id = requireId("maintenance_id", maintenanceId);
    const now = this.deps.now();
    return this.deps.store.incidents.write(
      {
        kind: "maintenance",
        id,
        reads: (current) => readsForEnd(current),
        decide: (facts) => {
          const current = facts.current;
          if (!current) throw notFound("maintenance", id);
          if (isOver(current.phase)) throw maintenanceOver(id);
          if (current.phase === PHASE_SCHEDULED) {
            const window = { ...current, phase: PHASE_CANCELLED, endedAt: now, updated: now };
            return { record: window, itemChanges: [], at: now, result: { maintenance: window, leftAlone: [] } };
          }
          return end(current, facts, now, PHASE_CANCELLED);
        },
      },
      audit,
    );
  }

  /** Ends an active window now. */
  complete(maintenanceId: string, audit?: AuditActor): Promise<MaintenanceEnd> {
    const id = requireId("maintenance_id", maintenanceId);
    const now = this.deps.now();
    return this.deps.store.incidents.write(
      {
        kind: "maintenance",
        id,
        reads: (current) => readsForEnd(current),
        decide: (facts) => {
          const current = facts.current;
          if (!current) throw notFound("maintenance", id);
          if (isOver(current.phase)) throw maintenanceOver(id);
          if (current.phase === PHASE_SCHEDULED) throw maintenanceNotStarted(id);
          return end(current, facts, now, PHASE_COMPLETED);
        },
      },
      audit,
    );
  }

  /**
   * Applies the transition due for a window at `now`, if one still is: starts it, ends it, or
   * closes one whose whole window passed unseen. Returns whether it changed anything (false when
   * another replica, or an admin, got there first).
   */
  advance(id: string, audit?: AuditActor): Promise<boolean> {
    const now = this.deps.now();
    return this.deps.store.incidents.write(
      {
        kind: "maintenance",
        id,
        reads: (current) => (current?.phase === PHASE_SCHEDULED ? { itemIds: current.items.map((i) => i.itemId), statusIds: [current.statusId] } : readsForEnd(current)),
        decide: (facts): WriteOutcome<"maintenance", boolean> => {
          const current = facts.current;
          const nothing = () => {
            skipAudit(audit);
            return { record: undefined, itemChanges: [], at: now, result: false };
          };
          if (!current || isOver(current.phase)) return nothing();
          if (current.phase === PHASE_SCHEDULED && now >= current.endsAt) {
            // Its whole window passed while no server ran: nothing to show, nothing to restore.
            const window = { ...current, phase: PHASE_COMPLETED, endedAt: current.endsAt, updated: now };
            return { record: window, itemChanges: [], at: now, result: true };
          }
          if (current.phase === PHASE_SCHEDULED && now >= current.startsAt) return mapResult(start(current, facts, now), () => true);
          if (current.phase === PHASE_ACTIVE && now >= current.endsAt) return mapResult(end(current, facts, now, PHASE_COMPLETED), () => true);
          return nothing();
        },
      },
      audit,
    );
  }

  /** Ids of windows with a transition due now. */
  due(limit: number): Promise<string[]> {
    return this.deps.store.incidents.dueMaintenance(this.deps.now(), limit);
  }

  private checkWindow(startsAt: Date | undefined, endsAt: Date | undefined, now: Date, started = false): { startsAt: Date; endsAt: Date } {
    if (!startsAt) throw invalidArgument("starts_at", "is required");
    if (!endsAt) throw invalidArgument("ends_at", "is required");
    if (endsAt <= startsAt) throw invalidArgument("ends_at", "must be after starts_at");
    if (endsAt <= now) throw invalidArgument("ends_at", started ? "must be in the future (to end it now, use CompleteMaintenance)" : "must be in the future");
    return { startsAt, endsAt };
  }

  private checkItems(itemIds: readonly string[]): string[] {
    const ids = checkRequestedItems(
      "item_ids",
      itemIds.map((itemId) => ({ itemId, statusId: "" })),
    ).map((r) => r.itemId);
    if (ids.length === 0) throw invalidArgument("item_ids", "is required: at least one item");
    return ids;
  }
}

/** The affected items, as named now; unknown ones are not_found. */
function affectedItems(itemIds: readonly string[], facts: Facts): AffectedItemRecord[] {
  return itemIds.map((itemId) => {
    const item = facts.items.get(itemId);
    if (!item) throw notFound("item", itemId);
    return { itemId, itemName: item.name, statusId: undefined, changed: false, previousStatusId: undefined, leftAlone: false };
  });
}

function readsForEnd(current: MaintenanceRecord | undefined) {
  const items = current?.items ?? [];
  return { itemIds: items.map((i) => i.itemId), statusIds: items.flatMap((i) => (i.previousStatusId ? [i.previousStatusId] : [])) };
}

const reference = (window: MaintenanceRecord) => noteReference("maintenance", window.id);

/** Starts a window: each item that still exists takes its status (if that status still exists). */
function start(window: MaintenanceRecord, facts: Facts, now: Date): WriteOutcome<"maintenance", MaintenanceRecord> {
  const present = window.items.filter((i) => facts.items.has(i.itemId));
  const requested = facts.statuses.has(window.statusId) ? present.map((i) => ({ itemId: i.itemId, statusId: window.statusId })) : [];
  const { items, changes } = setStatuses(window.items, requested, facts);
  const started: MaintenanceRecord = { ...window, items, phase: PHASE_ACTIVE, startedAt: now, updated: now };
  const note = (itemId: string) => noteFor(itemId, `Maintenance "${window.title}" started, until ${utcMinute(window.endsAt)}`, window.message, reference(window), now);
  return { record: started, itemChanges: withNotes(changes, note), at: now, result: started };
}

/** Ends an active window: its items go back (the restore rule). */
function end(window: MaintenanceRecord, facts: Facts, now: Date, phase: MaintenancePhase): WriteOutcome<"maintenance", MaintenanceEnd> {
  const { items, changes, leftAlone } = restore(window.items, facts);
  const ended: MaintenanceRecord = { ...window, items, phase, endedAt: now, updated: now };
  const how = phase === PHASE_CANCELLED ? "cancelled" : "completed";
  const note = (itemId: string) => noteFor(itemId, `Maintenance "${window.title}" ${how}`, "", reference(window), now);
  return { record: ended, itemChanges: withNotes(changes, note), at: now, result: { maintenance: ended, leftAlone } };
}

function mapResult<A, B>(outcome: WriteOutcome<"maintenance", A>, f: (a: A) => B): WriteOutcome<"maintenance", B> {
  return { ...outcome, result: f(outcome.result) };
}
