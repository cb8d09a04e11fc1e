import type { IncidentRecord, MaintenanceRecord } from "../incident-records.js";
import type { NoteRecord } from "../domain.js";
import type { AuditActor } from "./audit-context.js";

/** Which of the two aggregates a call is about. */
export type IncidentKind = "incident" | "maintenance";

/** The record type of each kind. */
export interface IncidentKinds {
  incident: IncidentRecord;
  maintenance: MaintenanceRecord;
}

/** An affected item as it is inside the write's transaction. */
export interface ItemNow {
  id: string;
  name: string;
  statusId: string | undefined;
}

/** What a decision sees: the record as committed, and the items and statuses it asked about, inside the transaction. */
export interface WriteFacts<K extends IncidentKind> {
  current: IncidentKinds[K] | undefined;
  /** The items asked for that exist. */
  items: ReadonlyMap<string, ItemNow>;
  /** The statuses asked for that exist. */
  statuses: ReadonlySet<string>;
}

/** One item change a decision makes: a new status and/or a note, at `at`. */
export interface ItemChange {
  itemId: string;
  /** The status to set; undefined leaves it. */
  statusId: string | undefined;
  /** A note to add to the item (it tells where the change came from). */
  note: NoteRecord | undefined;
}

/** What a decision wants written. */
export interface WriteOutcome<K extends IncidentKind, R> {
  /** The record after the write; undefined: write nothing at all (e.g. another replica did it already). */
  record: IncidentKinds[K] | undefined;
  /** Item changes, applied in this order in the same transaction. */
  itemChanges: ItemChange[];
  /** When the item changes happen (their `updated` and history time). */
  at: Date;
  /** What the write call resolves to. */
  result: R;
}

/**
 * A read-decide-write on one incident or window, done atomically by the store: it reads the record
 * (`id`), the items and statuses `reads` names, calls `decide` (which may throw a DomainError: then
 * nothing is written), and writes the record, the item changes (each logged as an item change, with
 * its status transition) and the record's change, all in one transaction. Two writes on one record
 * never interleave, on any replica: the second decides on what the first committed. So a rule
 * like "start the window if it is still scheduled" is applied exactly once.
 */
export interface IncidentWrite<K extends IncidentKind, R> {
  kind: K;
  id: string;
  /** The items and statuses `decide` needs, given the current record. */
  reads(current: IncidentKinds[K] | undefined): { itemIds: readonly string[]; statusIds: readonly string[] };
  decide(facts: WriteFacts<K>): WriteOutcome<K, R>;
}

/** Which records a list wants. */
export interface IncidentListQuery {
  kind: IncidentKind;
  /** Phases (incident: 1 open, 2 resolved; maintenance: MaintenancePhase); empty: all. */
  phases: readonly number[];
  /** Keep those still running at or after this instant (end unset or ≥ from). */
  from: Date | undefined;
  /** Keep those that began before this instant. */
  to: Date | undefined;
  /** Newest (latest start) first, or soonest first. */
  order: "newest" | "soonest";
  limit: number;
  /** Continue after this record (the last one of the previous page). */
  after: { startsAt: Date; id: string } | undefined;
}

/**
 * Incidents and maintenance windows: a part of the store, in the same database, sharing its
 * transactions and change log (`store.incidents`). Every write logs the record as changed
 * (`incident_upsert` / `maintenance_upsert`, or `*_delete`).
 */
export interface IncidentStore {
  get<K extends IncidentKind>(kind: K, id: string): Promise<IncidentKinds[K] | undefined>;
  /** A page of records in the query's order. */
  list<K extends IncidentKind>(query: IncidentListQuery & { kind: K }): Promise<Array<IncidentKinds[K]>>;
  /** What live views show: open incidents (newest first) and scheduled or active windows (soonest first). */
  live(): Promise<{ incidents: IncidentRecord[]; maintenances: MaintenanceRecord[] }>;
  /** Ids of windows with a transition due at or before `now` (scheduled ones past their start or end, active ones past their end), soonest first. */
  dueMaintenance(now: Date, limit: number): Promise<string[]>;
  /** Runs a read-decide-write (see IncidentWrite). */
  write<K extends IncidentKind, R>(change: IncidentWrite<K, R>, audit?: AuditActor): Promise<R>;
  /** Deletes a record (logging its removal); not_found when there is none. Item statuses and notes stay. */
  remove(kind: IncidentKind, id: string, audit?: AuditActor): Promise<void>;
}
