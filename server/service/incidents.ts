import { incidentFull, incidentResolved, invalidArgument, notFound } from "../errors.js";
import { newId } from "../ids.js";
import { INCIDENT_RESOLVED, type IncidentImpact, type IncidentRecord, type IncidentState, type LeftAlone } from "../incident-records.js";
import type { ServiceDeps } from "./deps.js";
import { noteReference } from "../incident-notes.js";
import { checkRequestedItems, noteFor, readsOf, restore, setStatuses, withNotes, type RequestedStatus } from "./incident-rules.js";
import { decodePageToken, encodePageToken, pageSizeOf } from "./incident-paging.js";
import { requireId, requireName, requireNoteText } from "./validate.js";
import type { AuditActor } from "../store/audit-context.js";

/** CreateIncident's fields, as a client sends them. */
export interface NewIncidentInput {
  title: string;
  impact: number;
  state: number;
  message: string;
  items: readonly RequestedStatus[];
}

/** AddIncidentUpdate's fields. */
export interface IncidentUpdateInput {
  incidentId: string;
  state: number;
  message: string;
  items: readonly RequestedStatus[];
}

/** ListIncidents' question. */
export interface IncidentQuery {
  /** 0 all, 1 open, 2 resolved. */
  filter: number;
  from: Date | undefined;
  to: Date | undefined;
  pageSize: number;
  pageToken: string;
}

/**
 * The most updates one incident may have (resolving adds one more). The incident travels whole in
 * the change log and on the live stream, so it must stay a bounded size.
 */
export const MAX_INCIDENT_UPDATES = 200;

const STATE_LABELS: Record<IncidentState, string> = { 1: "Investigating", 2: "Identified", 3: "Monitoring", 4: "Resolved" };

/** Who is writing, for the timeline: the user's name, a token's description, or "" for the server. */
function author(audit: AuditActor | undefined): string {
  const actor = audit?.actor ?? "";
  return actor.startsWith("user:") ? actor.slice("user:".length) : actor;
}

function checkImpact(field: string, value: number, required: boolean): IncidentImpact | undefined {
  if (value === 0) {
    if (required) throw invalidArgument(field, "is required (none, minor, major or critical)");
    return undefined;
  }
  if (!Number.isInteger(value) || value < 1 || value > 4) throw invalidArgument(field, `${value} is not a defined IncidentImpact`);
  return value as IncidentImpact;
}

/** A state an update may set: unset means `fallback`; resolved only through ResolveIncident. */
function checkState(field: string, value: number, fallback: IncidentState): IncidentState {
  if (value === 0) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > 4) throw invalidArgument(field, `${value} is not a defined IncidentState`);
  if (value === INCIDENT_RESOLVED) throw invalidArgument(field, "cannot be resolved here: use ResolveIncident");
  return value as IncidentState;
}

/**
 * Rules for incidents: an incident's life from declared to resolved, and the status changes it
 * makes to its items, each in the same transaction as the incident change (see IncidentStore.write),
 * with a note on each item it names saying where the change came from.
 */
export class IncidentsService {
  constructor(private readonly deps: ServiceDeps) {}

  async get(id: string): Promise<IncidentRecord> {
    const incidentId = requireId("incident_id", id);
    const incident = await this.deps.store.incidents.get("incident", incidentId);
    if (!incident) throw notFound("incident", incidentId);
    return incident;
  }

  async list(query: IncidentQuery): Promise<{ incidents: IncidentRecord[]; nextPageToken: string }> {
    if (![0, 1, 2].includes(query.filter)) throw invalidArgument("filter", `${query.filter} is not a defined IncidentFilter`);
    if (query.from && query.to && query.from >= query.to) throw invalidArgument("to", "must be after from");
    const limit = pageSizeOf(query.pageSize);
    const rows = await this.deps.store.incidents.list({
      kind: "incident",
      phases: query.filter === 0 ? [] : [query.filter],
      from: query.from,
      to: query.to,
      order: "newest",
      limit: limit + 1,
      after: decodePageToken(query.pageToken),
    });
    const page = rows.slice(0, limit);
    return { incidents: page, nextPageToken: rows.length > limit ? encodePageToken(page[page.length - 1]!.created, page[page.length - 1]!.id) : "" };
  }

  async create(input: NewIncidentInput, audit?: AuditActor): Promise<IncidentRecord> {
    const title = requireName("title", input.title);
    const impact = checkImpact("impact", input.impact, true)!;
    const state = checkState("state", input.state, 1);
    const message = requireNoteText("message", input.message);
    const requested = checkRequestedItems("items", input.items);
    const now = this.deps.now();
    const id = newId();
    const by = author(audit);
    return this.deps.store.incidents.write(
      {
        kind: "incident",
        id,
        reads: () => readsOf(requested),
        decide: (facts) => {
          const { items, changes } = setStatuses([], requested, facts);
          const incident: IncidentRecord = {
            id,
            title,
            impact,
            state,
            items,
            updates: [{ id: newId(), state, message, statusChanges: requestedChanges(requested), created: now, author: by }],
            resolvedAt: undefined,
            created: now,
            updated: now,
          };
          const note = (itemId: string) => noteFor(itemId, `Incident "${title}" — ${STATE_LABELS[state]}`, message, noteReference("incident", id), now);
          return { record: incident, itemChanges: withNotes(changes, note), at: now, result: incident };
        },
      },
      audit,
    );
  }

  async addUpdate(input: IncidentUpdateInput, audit?: AuditActor): Promise<IncidentRecord> {
    const id = requireId("incident_id", input.incidentId);
    const message = requireNoteText("message", input.message);
    const requested = checkRequestedItems("items", input.items);
    if (input.state !== 0) checkState("state", input.state, 1);
    const now = this.deps.now();
    const by = author(audit);
    return this.deps.store.incidents.write(
      {
        kind: "incident",
        id,
        reads: () => readsOf(requested),
        decide: ({ current, ...facts }) => {
          if (!current) throw notFound("incident", id);
          if (current.state === INCIDENT_RESOLVED) throw incidentResolved(id);
          if (current.updates.length >= MAX_INCIDENT_UPDATES) throw incidentFull(MAX_INCIDENT_UPDATES);
          const state = checkState("state", input.state, current.state);
          const { items, changes } = setStatuses(current.items, requested, facts);
          const incident: IncidentRecord = {
            ...current,
            state,
            items,
            updates: [...current.updates, { id: newId(), state, message, statusChanges: requestedChanges(requested), created: now, author: by }],
            updated: now,
          };
          const note = (itemId: string) => noteFor(itemId, `Incident "${current.title}" — ${STATE_LABELS[state]}`, message, noteReference("incident", id), now);
          return { record: incident, itemChanges: withNotes(changes, note), at: now, result: incident };
        },
      },
      audit,
    );
  }

  async update(incidentId: string, changes: { title: string | undefined; impact: number }, audit?: AuditActor): Promise<IncidentRecord> {
    const id = requireId("incident_id", incidentId);
    const title = changes.title === undefined ? undefined : requireName("title", changes.title);
    const impact = checkImpact("impact", changes.impact, false);
    if (title === undefined && impact === undefined) throw invalidArgument("incident", "nothing to change: give title or impact");
    const now = this.deps.now();
    return this.deps.store.incidents.write(
      {
        kind: "incident",
        id,
        reads: () => ({ itemIds: [], statusIds: [] }),
        decide: ({ current }) => {
          if (!current) throw notFound("incident", id);
          if (current.state === INCIDENT_RESOLVED) throw incidentResolved(id);
          const incident: IncidentRecord = { ...current, title: title ?? current.title, impact: impact ?? current.impact, updated: now };
          return { record: incident, itemChanges: [], at: now, result: incident };
        },
      },
      audit,
    );
  }

  /**
   * Resolves an incident: its items go back to the status each had before it (see `restore`),
   * but those `overrides` names; the answer names the items left alone.
   */
  async resolve(incidentId: string, message: string, overrides: readonly RequestedStatus[], audit?: AuditActor): Promise<{ incident: IncidentRecord; leftAlone: LeftAlone[] }> {
    const id = requireId("incident_id", incidentId);
    const text = requireNoteText("message", message);
    const requested = checkRequestedItems("items", overrides);
    const now = this.deps.now();
    const by = author(audit);
    return this.deps.store.incidents.write(
      {
        kind: "incident",
        id,
        reads: (current) => readsOf(requested, current?.items ?? []),
        decide: ({ current, ...facts }) => {
          if (!current) throw notFound("incident", id);
          if (current.state === INCIDENT_RESOLVED) throw incidentResolved(id);
          for (const r of requested) {
            if (!current.items.some((a) => a.itemId === r.itemId)) throw invalidArgument("items", `item ${JSON.stringify(r.itemId)} is not affected by this incident`);
            if (r.statusId !== "" && !facts.statuses.has(r.statusId)) throw notFound("status", r.statusId);
          }
          const { items, changes, leftAlone } = restore(current.items, facts, new Map(requested.map((r) => [r.itemId, r.statusId])));
          const incident: IncidentRecord = {
            ...current,
            state: INCIDENT_RESOLVED,
            items,
            updates: [...current.updates, { id: newId(), state: INCIDENT_RESOLVED, message: text, statusChanges: statusChangesOf(changes), created: now, author: by }],
            resolvedAt: now,
            updated: now,
          };
          const note = (itemId: string) => noteFor(itemId, `Incident "${current.title}" — Resolved`, text, noteReference("incident", id), now);
          return { record: incident, itemChanges: withNotes(changes, note), at: now, result: { incident, leftAlone } };
        },
      },
      audit,
    );
  }

  async delete(incidentId: string, audit?: AuditActor): Promise<void> {
    await this.deps.store.incidents.remove("incident", requireId("incident_id", incidentId), audit);
  }
}

/** The status changes a resolve made, for its timeline. */
function statusChangesOf(changes: ReadonlyArray<{ itemId: string; statusId: string | undefined }>) {
  return changes.flatMap((c) => (c.statusId === undefined ? [] : [{ itemId: c.itemId, statusId: c.statusId }]));
}

/** The statuses an update asked for (items only named are not status changes). */
function requestedChanges(requested: readonly RequestedStatus[]) {
  return requested.filter((r) => r.statusId !== "").map((r) => ({ itemId: r.itemId, statusId: r.statusId }));
}
