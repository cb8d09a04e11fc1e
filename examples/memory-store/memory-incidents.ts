/**
 * `store.incidents` for the in-memory example store: incidents and maintenance windows in a map,
 * written inside the store's own writes (so a read-decide-write is as atomic as any other write).
 */
import {
  notFound,
  type IncidentKind,
  type IncidentKinds,
  type IncidentListQuery,
  type IncidentRecord,
  type IncidentStore,
  type IncidentWrite,
  type ItemChange,
  type ItemNow,
  type MaintenanceRecord,
} from "../../server/index.js";
import type { UnnumberedChange } from "../../server/domain.js";
import type { LoggedChange } from "../../server/store/change-codec.js";

/** What the incident store keeps; part of MemoryData. */
export class IncidentData {
  readonly records = new Map<string, { kind: IncidentKind; record: IncidentRecord | MaintenanceRecord }>();
}

/** What it borrows from the MemoryStore: its write, its log, and its item writes. */
export interface MemoryStoreParts {
  write<T>(work: () => T): Promise<T>;
  log(change: Extract<UnnumberedChange, { kind: `${IncidentKind}_upsert` | `${IncidentKind}_delete` }>): number;
  /** Tells the outbox of a logged incident or window change, with the record it replaced (`previous`, not logged). */
  notify(change: Extract<LoggedChange, { kind: `${IncidentKind}_upsert` }>, revision: number): void;
  itemNow(id: string): ItemNow | undefined;
  statusExists(id: string): boolean;
  changeItem(change: ItemChange, at: Date): void;
}

/** Where a record starts and ends, as the built-in stores' columns say it. */
function span(kind: IncidentKind, record: IncidentRecord | MaintenanceRecord): { phase: number; startsAt: number; endsAt: number | undefined; dueAt: number | undefined } {
  if (kind === "incident") {
    const r = record as IncidentRecord;
    return { phase: r.resolvedAt ? 2 : 1, startsAt: r.created.getTime(), endsAt: r.resolvedAt?.getTime(), dueAt: undefined };
  }
  const r = record as MaintenanceRecord;
  const due = r.phase === 1 ? r.startsAt : r.phase === 2 ? r.endsAt : undefined;
  return { phase: r.phase, startsAt: r.startsAt.getTime(), endsAt: (r.endedAt ?? r.endsAt).getTime(), dueAt: due?.getTime() };
}

export class MemoryIncidents implements IncidentStore {
  constructor(
    private readonly data: IncidentData,
    private readonly store: MemoryStoreParts,
  ) {}

  async get<K extends IncidentKind>(kind: K, id: string): Promise<IncidentKinds[K] | undefined> {
    const found = this.data.records.get(id);
    return found?.kind === kind ? (found.record as IncidentKinds[K]) : undefined;
  }

  async list<K extends IncidentKind>(query: IncidentListQuery & { kind: K }): Promise<Array<IncidentKinds[K]>> {
    const newest = query.order === "newest";
    const key = (r: { startsAt: number; id: string }, other: { startsAt: number; id: string }) => r.startsAt - other.startsAt || (r.id < other.id ? -1 : r.id > other.id ? 1 : 0);
    return [...this.data.records.values()]
      .filter((r) => r.kind === query.kind)
      .map((r) => ({ record: r.record, ...span(r.kind, r.record), id: r.record.id }))
      .filter((r) => query.phases.length === 0 || query.phases.includes(r.phase))
      .filter((r) => !query.from || r.endsAt === undefined || r.endsAt >= query.from.getTime())
      .filter((r) => !query.to || r.startsAt < query.to.getTime())
      .filter((r) => {
        if (!query.after) return true;
        const c = key(r, { startsAt: query.after.startsAt.getTime(), id: query.after.id });
        return newest ? c < 0 : c > 0;
      })
      .sort((a, b) => (newest ? key(b, a) : key(a, b)))
      .slice(0, query.limit)
      .map((r) => r.record as IncidentKinds[K]);
  }

  async live(): Promise<{ incidents: IncidentRecord[]; maintenances: MaintenanceRecord[] }> {
    const all = [...this.data.records.values()];
    return {
      incidents: all.filter((r) => r.kind === "incident" && !(r.record as IncidentRecord).resolvedAt).map((r) => r.record as IncidentRecord),
      maintenances: all.filter((r) => r.kind === "maintenance" && (r.record as MaintenanceRecord).phase <= 2).map((r) => r.record as MaintenanceRecord),
    };
  }

  async dueMaintenance(now: Date, limit: number): Promise<string[]> {
    return [...this.data.records.values()]
      .filter((r) => r.kind === "maintenance")
      .map((r) => ({ id: r.record.id, due: span(r.kind, r.record).dueAt }))
      .filter((r): r is { id: string; due: number } => r.due !== undefined && r.due <= now.getTime())
      .sort((a, b) => a.due - b.due)
      .slice(0, limit)
      .map((r) => r.id);
  }

  write<K extends IncidentKind, R>(change: IncidentWrite<K, R>): Promise<R> {
    return this.store.write(() => {
      const found = this.data.records.get(change.id);
      const current = found?.kind === change.kind ? (found.record as IncidentKinds[K]) : undefined;
      const wanted = change.reads(current);
      const items = new Map<string, ItemNow>();
      for (const id of wanted.itemIds) {
        const item = this.store.itemNow(id);
        if (item) items.set(id, item);
      }
      const statuses = new Set(wanted.statusIds.filter((id) => this.store.statusExists(id)));
      // Decided before anything changes: a decision that throws leaves everything as it was.
      const outcome = change.decide({ current, items, statuses });
      const record = outcome.record;
      if (!record) return outcome.result;
      this.data.records.set(change.id, { kind: change.kind, record });
      for (const itemChange of outcome.itemChanges) this.store.changeItem(itemChange, outcome.at);
      // The outbox is also handed the record this one replaces, to tell created from updated.
      if (change.kind === "incident") {
        const incident = record as IncidentRecord;
        this.store.notify({ kind: "incident_upsert", incident, previous: current as IncidentRecord | undefined }, this.store.log({ kind: "incident_upsert", incident }));
      } else {
        const maintenance = record as MaintenanceRecord;
        this.store.notify(
          { kind: "maintenance_upsert", maintenance, previous: current as MaintenanceRecord | undefined },
          this.store.log({ kind: "maintenance_upsert", maintenance }),
        );
      }
      return outcome.result;
    });
  }

  remove(kind: IncidentKind, id: string): Promise<void> {
    return this.store.write(() => {
      if (this.data.records.get(id)?.kind !== kind) throw notFound(kind, id);
      this.data.records.delete(id);
      this.store.log(kind === "incident" ? { kind: "incident_delete", id } : { kind: "maintenance_delete", id });
    });
  }
}
