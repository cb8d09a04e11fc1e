import type { Database, Statement } from "better-sqlite3";
import type { ItemView } from "../../domain.js";
import { hookNotFound, notFound } from "../../errors.js";
import type { HeartbeatRecord, HookCallRecord, HookConfig, HookRecord, InletChange, InletDecision, InletStateRecord, InletStore } from "../inlet-store.js";
import { callValues, heartbeatValues, hookNameKey, hookValues, INLET_SQL, toCall, toHeartbeat, toHook, toState, stateValues } from "../sql/inlets.js";
import type { CallRow, HeartbeatRow, HookRow, StateRow } from "../sql/inlets.js";
import { withConflicts } from "./dialect.js";
import type { SqliteWriteTx, WriteQueue } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** How the SQLite store writes an item's status and a note inside a write (its normal item write). */
export type SqliteItemWriter = (tx: SqliteWriteTx, itemId: string, change: { statusId?: string; noteText?: string; at: Date }) => ItemView;

/** `store.inlets` for SQLite: reads directly, writes through the store's write queue. */
export class SqliteInletStore implements InletStore {
  private readonly q: { [K in keyof typeof INLET_SQL]: Statement<unknown[], unknown> };

  constructor(
    private readonly db: Database,
    private readonly writes: () => WriteQueue,
    private readonly readItem: (id: string) => ItemView | undefined,
    private readonly writeItem: SqliteItemWriter,
  ) {
    this.q = Object.fromEntries(Object.entries(INLET_SQL).map(([name, sql]) => [name, db.prepare(sql)])) as typeof this.q;
  }

  async listHooks(): Promise<HookRecord[]> {
    return (this.q.listHooks.all() as HookRow[]).map(toHook);
  }

  async findHook(idOrName: string): Promise<HookRecord | undefined> {
    const row = this.q.findHook.get(idOrName, hookNameKey(idOrName), idOrName) as HookRow | undefined;
    return row && toHook(row);
  }

  addHook(hook: HookRecord, audit?: AuditActor): Promise<HookRecord> {
    return this.writes().run(() => {
      withConflicts("inlet_hooks", { hookName: hook.name }, () => this.q.insertHook.run(...hookValues(hook)));
      return { ...hook, name: hook.name.trim() };
    }, audit);
  }

  updateHook(id: string, name: string, config: HookConfig, updated: Date, audit?: AuditActor): Promise<HookRecord> {
    return this.writes().run(() => {
      // The unique name_key decides a taken name; an unknown id changes no row: not_found.
      const { changes } = withConflicts("inlet_hooks", { hookName: name }, () =>
        this.q.updateHook.run(name.trim(), hookNameKey(name), JSON.stringify(config), updated.getTime(), id),
      );
      if (changes === 0) throw hookNotFound(id);
      return toHook(this.q.findHook.get(id, "", id) as HookRow);
    }, audit);
  }

  deleteHook(id: string, audit?: AuditActor): Promise<void> {
    return this.writes().run(() => {
      if (this.q.deleteHook.run(id).changes === 0) throw hookNotFound(id);
    }, audit);
  }

  addHookCall(call: HookCallRecord, keep: number): Promise<void> {
    return this.writes().run(() => {
      this.q.insertCall.run(...callValues(call));
      this.q.pruneCalls.run(call.hookId, call.hookId, keep - 1);
    });
  }

  async listHookCalls(hookId: string, limit: number): Promise<HookCallRecord[]> {
    return (this.q.listCalls.all(hookId, limit) as CallRow[]).map(toCall);
  }

  async listHeartbeats(): Promise<HeartbeatRecord[]> {
    return (this.q.listHeartbeats.all() as HeartbeatRow[]).map(toHeartbeat);
  }

  async getHeartbeat(itemId: string): Promise<HeartbeatRecord | undefined> {
    const row = this.q.getHeartbeat.get(itemId) as HeartbeatRow | undefined;
    return row && toHeartbeat(row);
  }

  async heartbeatBySecret(secretHash: string): Promise<HeartbeatRecord | undefined> {
    const row = this.q.heartbeatBySecret.get(secretHash) as HeartbeatRow | undefined;
    return row && toHeartbeat(row);
  }

  putHeartbeat(heartbeat: HeartbeatRecord, audit?: AuditActor): Promise<HeartbeatRecord> {
    return this.writes().run(() => {
      if (!this.readItem(heartbeat.itemId)) throw notFound("item", heartbeat.itemId);
      this.q.deleteHeartbeatRow.run(heartbeat.itemId);
      this.q.insertHeartbeat.run(...heartbeatValues(heartbeat));
      return heartbeat;
    }, audit);
  }

  deleteHeartbeat(itemId: string, audit?: AuditActor): Promise<boolean> {
    return this.writes().run(() => {
      this.q.deleteState.run(`heartbeat:${itemId}`);
      return this.q.deleteHeartbeatRow.run(itemId).changes > 0;
    }, audit);
  }

  async readState(key: string): Promise<InletStateRecord | undefined> {
    const row = this.q.readState.get(key) as StateRow | undefined;
    return row && toState(row);
  }

  async dueStates(at: Date, limit: number): Promise<string[]> {
    return (this.q.dueStates.all(at.getTime(), limit) as Array<{ key: string }>).map((r) => r.key);
  }

  changeItem<D extends InletDecision>(
    key: string,
    itemId: string,
    decide: (item: ItemView, state: InletStateRecord | undefined) => D | undefined,
    audit?: AuditActor,
  ): Promise<InletChange<D> | undefined> {
    return this.writes().run((tx) => {
      const item = this.readItem(itemId);
      if (!item) return undefined;
      const row = this.q.readState.get(key) as StateRow | undefined;
      const decision = decide(item, row && toState(row));
      if (!decision || decision.unchanged) return { item, decision, changed: false };
      if (decision.state === null) this.q.deleteState.run(key);
      else this.q.upsertState.run(...stateValues(key, itemId, decision.state, decision.dueAt));
      const statusId = decision.statusId !== undefined && decision.statusId !== item.status?.id ? decision.statusId : undefined;
      if (statusId === undefined && !decision.noteText) return { item, decision, changed: false };
      const after = this.writeItem(tx, itemId, { statusId, noteText: decision.noteText, at: decision.at });
      return { item: after, decision, changed: statusId !== undefined };
    }, audit);
  }
}
