import type { ItemView } from "../domain.js";
import { newId } from "../ids.js";
import type { ItemChange } from "./incident-store.js";
import type { AuditActor } from "./audit-context.js";

/**
 * The inlets' part of the store (`store.inlets`): hooks that turn alerts into statuses, their
 * recent calls, heartbeats, and the state each inlet keeps per item. Its one write that touches
 * items, `changeItem`, reads the item and the inlet's state, asks a pure `decide` what to do, and
 * writes the new state with the item's new status and note in one transaction, through the
 * store's normal item write (change log, history, live): so an alert or a late heartbeat is
 * applied exactly once even when several replicas try at the same moment.
 */
export interface InletStore {
  /** Every hook, by name. */
  listHooks(): Promise<HookRecord[]>;
  /** A hook by its id or its name (names are compared case-insensitively). */
  findHook(idOrName: string): Promise<HookRecord | undefined>;
  /** Throws already_exists (HOOK_NAME_TAKEN) when another hook has the name. */
  addHook(hook: HookRecord, audit?: AuditActor): Promise<HookRecord>;
  /** Throws not_found (HOOK_NOT_FOUND) or already_exists (HOOK_NAME_TAKEN). */
  updateHook(id: string, name: string, config: HookConfig, updated: Date, audit?: AuditActor): Promise<HookRecord>;
  /** Deletes the hook and its calls. Throws not_found (HOOK_NOT_FOUND). */
  deleteHook(id: string, audit?: AuditActor): Promise<void>;
  /** Records a call, keeping only the hook's newest `keep` calls. */
  addHookCall(call: HookCallRecord, keep: number): Promise<void>;
  /** A hook's calls, newest first. */
  listHookCalls(hookId: string, limit: number): Promise<HookCallRecord[]>;

  listHeartbeats(): Promise<HeartbeatRecord[]>;
  getHeartbeat(itemId: string): Promise<HeartbeatRecord | undefined>;
  /** The heartbeat whose secret hashes to `secretHash`. */
  heartbeatBySecret(secretHash: string): Promise<HeartbeatRecord | undefined>;
  /** Creates or replaces an item's heartbeat. Throws not_found (ITEM_NOT_FOUND) for a missing item. */
  putHeartbeat(heartbeat: HeartbeatRecord, audit?: AuditActor): Promise<HeartbeatRecord>;
  /** Deletes an item's heartbeat and its state; false when it had none. */
  deleteHeartbeat(itemId: string, audit?: AuditActor): Promise<boolean>;

  /** An inlet's state by key (e.g. "alerts:<item id>"), as last written by `changeItem`. */
  readState(key: string): Promise<InletStateRecord | undefined>;
  /** Keys of states whose `dueAt` is at or before `at`, soonest first, at most `limit`. */
  dueStates(at: Date, limit: number): Promise<string[]>;
  /**
   * In one write transaction: reads item `itemId` and the state at `key`, calls `decide`, and
   * writes what it decided: the new state (null deletes it), the item's status and a note (each
   * through the normal item write, so it is logged, in history and live). Returns the item after
   * and the decision, or undefined when the item does not exist (nothing is written). `decide`
   * returning undefined, or a decision marked `unchanged`, writes nothing. A state is deleted with its item.
   */
  changeItem<D extends InletDecision>(
    key: string,
    itemId: string,
    decide: (item: ItemView, state: InletStateRecord | undefined) => D | undefined,
    audit?: AuditActor,
  ): Promise<InletChange<D> | undefined>;
}

/** A hook: how alerts name items and which status each severity sets. */
export interface HookRecord {
  id: string;
  name: string;
  config: HookConfig;
  created: Date;
  updated: Date;
}

/** A hook's settings. */
export interface HookConfig {
  /** The alert label that names the item (its id or name). */
  labelName: string;
  /** The `severity` label's values and the status each sets; empty uses the defaults. */
  severities: SeverityMapping[];
  /** Whether an item that turns gets a note from the alert's summary/description. */
  notes: boolean;
}

/** One severity and the status it sets. */
export interface SeverityMapping {
  severity: string;
  statusId: string;
}

/** One call of a hook, and what it did with each alert. */
export interface HookCallRecord {
  id: string;
  hookId: string;
  at: Date;
  /** Who called (the token's name and user). */
  caller: string;
  /** The payload's kind: "alertmanager" or "grafana". */
  source: string;
  alerts: AlertOutcome[];
}

/** What a call did with one alert. */
export interface AlertOutcome {
  fingerprint: string;
  /** The item label's value as sent. */
  itemRef: string;
  /** The item's id when one matched. */
  itemId: string;
  firing: boolean;
  severity: string;
  /** changed: the item's status moved; matched: tracked, nothing to change; unmatched: no such item; ignored: see detail. */
  result: "changed" | "matched" | "unmatched" | "ignored";
  detail: string;
}

/** An item's heartbeat: it expects a ping every `intervalSeconds`, plus `graceSeconds`. */
export interface HeartbeatRecord {
  itemId: string;
  /** SHA-256 of the secret in the ping URL (hex); the secret itself is shown once. */
  secretHash: string;
  config: HeartbeatConfig;
  created: Date;
  updated: Date;
}

export interface HeartbeatConfig {
  intervalSeconds: number;
  graceSeconds: number;
  /** The status the item takes when a ping is late. */
  lateStatusId: string;
  /** A note added when it turns late; empty for none. */
  lateNote: string;
}

/** An inlet's state for one item. */
export interface InletStateRecord {
  key: string;
  itemId: string;
  /** The inlet's own JSON-serializable state. */
  state: unknown;
  /** When the scheduler should look at it (a heartbeat's deadline); undefined for never. */
  dueAt: Date | undefined;
}

/** What `decide` wants written. */
export interface InletDecision {
  /** The new state; null deletes it. */
  state: unknown;
  dueAt?: Date;
  /** A status to set (only if it differs from the item's). */
  statusId?: string;
  /** A note to add to the item. */
  noteText?: string;
  /** When, for the item's updated time and its history. */
  at: Date;
  /** Nothing to write (e.g. an alert's repeat): the decision only reports. */
  unchanged?: boolean;
}

/** What `changeItem` did. */
export interface InletChange<D> {
  item: ItemView;
  decision: D | undefined;
  /** Whether the item's status changed. */
  changed: boolean;
}

let callCounter = 0;
/**
 * A hook call's id: its time, then a per-process counter, then randomness, so that ids sort in
 * call order (the log keeps the newest by id) and replicas never collide.
 */
export function hookCallId(at: Date): string {
  callCounter = (callCounter + 1) % 1_000_000;
  return `${at.getTime().toString().padStart(15, "0")}-${callCounter.toString().padStart(6, "0")}-${Math.random().toString(36).slice(2, 10)}`;
}

/** An inlet's change to an item, as the change any record's write makes to an item (see ItemChange): its note new, at `at`. */
export function inletItemChange(itemId: string, change: { statusId?: string; noteText?: string; at: Date }): ItemChange {
  const note = change.noteText ? { id: newId(), itemId, text: change.noteText, created: change.at, updated: change.at } : undefined;
  return { itemId, statusId: change.statusId, note };
}
