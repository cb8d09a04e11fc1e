/**
 * Hooks: named settings that turn alert webhooks (Alertmanager, Grafana) into item statuses,
 * their configuration (HooksService) and their calls' log.
 */
import { kindMeta } from "../../../shared/status-kinds.js";
import { StatusKind } from "../../../shared/gen/statusthing/v1/types_pb.js";
import { nameKey, type ItemView, type StatusRecord } from "../../domain.js";
import { DomainError, hookNotFound, invalidArgument, notFound } from "../../errors.js";
import { newId } from "../../ids.js";
import {
  hookCallId,
  type AlertOutcome,
  type HookCallRecord,
  type HookConfig,
  type HookRecord,
  type InletStateRecord,
  type InletStore,
  type SeverityMapping,
} from "../../store/inlet-store.js";
import type { ServiceDeps } from "../deps.js";
import type { AlertPayload } from "./alert-payload.js";
import { alertsKey, decideAlerts, type AlertDecision, type ItemAlert } from "./alert-state.js";
import type { AuditActor } from "../../store/audit-context.js";

/** The label that names the item unless a hook says otherwise. */
export const DEFAULT_LABEL = "statusthing_item";
/** The hook a call without `?hook=` uses; made with the defaults on first use. */
export const DEFAULT_HOOK_NAME = "default";
/** Calls each hook's log keeps. */
export const HOOK_CALLS_KEPT = 50;
/** A mapping for this severity applies to alerts whose severity no other mapping names (or that have none). */
export const ANY_SEVERITY = "*";

/** A hook as a client sends it. */
export interface HookInput {
  name: string;
  labelName: string;
  severities: SeverityMapping[];
  notes: boolean;
}

/** Who calls a hook, as the call log and the audit log name them, and which items they may change. */
export interface HookCaller {
  /** e.g. "token:alertmanager (admin)". */
  name: string;
  /** Why this caller may not change the item, or undefined when it may. */
  refusal(itemId: string): string | undefined;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const HOOK_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$/;

export class HooksService {
  /** Call-log writes still under way: the answer does not wait for them, but reading the log here does. */
  private readonly logging = new Set<Promise<void>>();

  constructor(private readonly deps: ServiceDeps & { inlets: InletStore; onLogError?: (error: unknown) => void }) {}

  list(): Promise<HookRecord[]> {
    return this.deps.inlets.listHooks();
  }

  async get(idOrName: string): Promise<HookRecord> {
    const hook = await this.deps.inlets.findHook(idOrName.trim());
    if (!hook) throw hookNotFound(idOrName);
    return hook;
  }

  async add(input: HookInput, audit?: AuditActor): Promise<HookRecord> {
    const { name, config } = await this.check(input);
    const now = this.deps.now();
    return this.deps.inlets.addHook({ id: newId(), name, config, created: now, updated: now }, audit);
  }

  async update(id: string, input: HookInput, audit?: AuditActor): Promise<HookRecord> {
    const { name, config } = await this.check(input);
    return this.deps.inlets.updateHook(id.trim(), name, config, this.deps.now(), audit);
  }

  delete(id: string, audit?: AuditActor): Promise<void> {
    return this.deps.inlets.deleteHook(id.trim(), audit);
  }

  async calls(hookId: string, limit: number): Promise<HookCallRecord[]> {
    const hook = await this.get(hookId);
    await Promise.allSettled(this.logging);
    return this.deps.inlets.listHookCalls(hook.id, Math.min(Math.max(limit || HOOK_CALLS_KEPT, 1), HOOK_CALLS_KEPT));
  }

  /** The hook a call names (`?hook=`), or the default one, made on first use. */
  async hookFor(ref: string | undefined): Promise<HookRecord> {
    if (ref !== undefined && ref.trim() !== "" && ref.trim().toLowerCase() !== DEFAULT_HOOK_NAME) return this.get(ref);
    const found = await this.deps.inlets.findHook(DEFAULT_HOOK_NAME);
    if (found) return found;
    const now = this.deps.now();
    try {
      return await this.deps.inlets.addHook({
        id: newId(),
        name: DEFAULT_HOOK_NAME,
        config: { labelName: DEFAULT_LABEL, severities: [], notes: true },
        created: now,
        updated: now,
      });
    } catch (error) {
      // Another replica made it at the same moment.
      if (error instanceof DomainError && error.reason === "HOOK_NAME_TAKEN") return this.get(DEFAULT_HOOK_NAME);
      throw error;
    }
  }

  /**
   * Applies one webhook call's alerts: each names an item by the hook's label (id or name) and a
   * status by its severity; the alerts of each item are applied together in one write. Unknown
   * items are reported as unmatched, never created. Returns the call as logged.
   */
  async receive(hook: HookRecord, payload: AlertPayload, caller: HookCaller): Promise<HookCallRecord> {
    const at = this.deps.now();
    const [statuses, items] = await Promise.all([this.deps.store.listStatuses([]), this.deps.store.listItems({ statusIds: [], kinds: [], withNotes: false })]);
    const mapping = severityMapping(hook.config, statuses);
    const rank = new Map(statuses.map((s) => [s.id, kindMeta(s.kind as StatusKind).severity]));
    const find = itemFinder(items);
    // In the payload's order, whatever order the items are written in.
    const outcomes: AlertOutcome[] = [];
    const byItem = new Map<string, { alerts: ItemAlert[]; places: number[] }>();
    for (const [place, alert] of payload.alerts.entries()) {
      const itemRef = alert.labels[hook.config.labelName] ?? "";
      const severity = (alert.labels.severity ?? "").slice(0, 100);
      // What the log keeps of the alert is bounded, whatever a sender puts in its labels.
      const shown = itemRef.slice(0, 200);
      const base = { fingerprint: alert.fingerprint, itemRef: shown, itemId: "", firing: alert.firing, severity };
      if (itemRef === "") {
        outcomes[place] = { ...base, result: "ignored", detail: `no ${hook.config.labelName} label` };
        continue;
      }
      const item = find(itemRef);
      if (!item) {
        outcomes[place] = { ...base, result: "unmatched", detail: `no item has the id or name ${JSON.stringify(shown)}` };
        continue;
      }
      const refused = caller.refusal(item.id);
      if (refused) {
        outcomes[place] = { ...base, itemId: item.id, result: "ignored", detail: refused };
        continue;
      }
      const statusId = mapping.get(severity.toLowerCase()) ?? mapping.get(ANY_SEVERITY) ?? "";
      if (alert.firing && statusId === "") {
        outcomes[place] = { ...base, itemId: item.id, result: "ignored", detail: `no status is mapped to severity ${JSON.stringify(severity)}` };
        continue;
      }
      const text = [alert.annotations.summary, alert.annotations.description].filter((t) => t && t.trim() !== "").join(": ") || alert.labels.alertname || "";
      const group = byItem.get(item.id) ?? { alerts: [], places: [] };
      group.places.push(place);
      group.alerts.push({
        key: `${hook.id}/${alert.fingerprint}`,
        fingerprint: alert.fingerprint,
        itemRef: shown,
        firing: alert.firing,
        severity,
        statusId,
        rank: rank.get(statusId) ?? 0,
        text: text.slice(0, 2000),
      });
      byItem.set(item.id, group);
    }
    // Each item in its own write, all at once: the store commits them together.
    await Promise.all(
      [...byItem].map(async ([itemId, group]) => {
        const done = await this.applyToItem(hook, caller, itemId, group.alerts, at);
        group.places.forEach((place, i) => (outcomes[place] = done[i]!));
      }),
    );
    const call: HookCallRecord = { id: hookCallId(at), hookId: hook.id, at, caller: caller.name, source: payload.source, alerts: outcomes };
    // The statuses are written; the log of what happened need not hold up the sender's answer.
    const logged = this.deps.inlets.addHookCall(call, HOOK_CALLS_KEPT).catch((error: unknown) => this.deps.onLogError?.(error));
    this.logging.add(logged);
    void logged.finally(() => this.logging.delete(logged));
    return call;
  }

  private async applyToItem(hook: HookRecord, caller: HookCaller, itemId: string, alerts: ItemAlert[], at: Date): Promise<AlertOutcome[]> {
    const actor: AuditActor = {
      actor: `hook:${hook.name}`,
      actorId: "",
      procedure: "POST /hooks/alertmanager",
      objectType: "item",
      objectId: itemId,
      clientAddress: "",
      summary: `${alerts.length} alert(s) from ${caller.name}`,
    };
    try {
      const decide = (item: ItemView, state: InletStateRecord | undefined) => decideAlerts(item, state, alerts, at, hook.config.notes);
      // A repeat changes nothing, so it is no audit event: when a look beforehand says so, the
      // write (which still decides, in order with every other) runs without the audit context.
      const [item, state] = await Promise.all([this.deps.store.getItem(itemId, false), this.deps.inlets.readState(alertsKey(itemId))]);
      const quiet = item !== undefined && decide(item, state).unchanged === true;
      const result = await this.deps.inlets.changeItem<AlertDecision>(alertsKey(itemId), itemId, decide, quiet ? undefined : actor);
      if (!result?.decision) return alerts.map((a) => ({ ...outcomeBase(a), itemId: "", result: "unmatched", detail: "the item was deleted" }));
      return result.decision.outcomes;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return alerts.map((a) => ({ ...outcomeBase(a), itemId, result: "ignored", detail: error.message }));
    }
  }

  private async check(input: HookInput): Promise<{ name: string; config: HookConfig }> {
    const name = input.name.trim();
    if (!HOOK_NAME.test(name)) throw invalidArgument("name", "1–100 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit");
    const labelName = input.labelName.trim() || DEFAULT_LABEL;
    if (!LABEL_NAME.test(labelName) || labelName.length > 100) throw invalidArgument("label_name", "must be a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)");
    const seen = new Set<string>();
    const severities: SeverityMapping[] = [];
    for (const [i, mapping] of input.severities.entries()) {
      const severity = mapping.severity.trim().toLowerCase();
      if (severity === "" || severity.length > 100) throw invalidArgument(`severities[${i}].severity`, "must be 1–100 characters");
      if (seen.has(severity)) throw invalidArgument(`severities[${i}].severity`, `${JSON.stringify(severity)} is mapped twice`);
      seen.add(severity);
      const statusId = mapping.statusId.trim();
      if (!(await this.deps.store.getStatus(statusId))) throw notFound("status", statusId);
      severities.push({ severity, statusId });
    }
    if (input.severities.length > 50) throw invalidArgument("severities", "at most 50 mappings");
    return { name, config: { labelName, severities, notes: input.notes } };
  }
}

const outcomeBase = (a: ItemAlert) => ({ fingerprint: a.fingerprint, itemRef: a.itemRef, firing: a.firing, severity: a.severity });

/**
 * The severity → status mapping a hook applies: its own, or the defaults (critical: the first
 * status of kind DOWN; warning: the first of kind WARNING).
 */
export function severityMapping(config: HookConfig, statuses: readonly StatusRecord[]): Map<string, string> {
  if (config.severities.length > 0) return new Map(config.severities.map((m) => [m.severity, m.statusId]));
  const firstOf = (kind: StatusKind) => statuses.find((s) => s.kind === kind)?.id;
  const map = new Map<string, string>();
  const down = firstOf(StatusKind.DOWN);
  const warning = firstOf(StatusKind.WARNING);
  if (down) map.set("critical", down);
  if (warning) map.set("warning", warning);
  return map;
}

/** Finds an item by id, or by name as names compare (trimmed, case-insensitive). */
function itemFinder(items: readonly ItemView[]): (ref: string) => ItemView | undefined {
  const byId = new Map(items.map((i) => [i.id, i]));
  const byName = new Map(items.map((i) => [nameKey(i.name), i]));
  return (ref) => byId.get(ref.trim()) ?? byName.get(nameKey(ref));
}
