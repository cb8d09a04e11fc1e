import type { Pool } from "pg";
import type { ItemView } from "../../domain.js";
import { hookNotFound, notFound } from "../../errors.js";
import type { HeartbeatRecord, HookCallRecord, HookConfig, HookRecord, InletChange, InletDecision, InletStateRecord, InletStore } from "../inlet-store.js";
import { callValues, heartbeatValues, hookNameKey, hookValues, INLET_SQL, stateValues, toCall, toHeartbeat, toHook, toState } from "../sql/inlets.js";
import type { CallRow, HeartbeatRow, HookRow, StateRow } from "../sql/inlets.js";
import { numbered, withConflicts } from "./dialect.js";
import type { PgWriteQueue, WriteTx } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** How the PostgreSQL store writes an item's status and a note inside a write (its normal item write). */
export type PgItemWriter = (tx: WriteTx, itemId: string, change: { statusId?: string; noteText?: string; at: Date }) => Promise<ItemView>;

const Q = Object.fromEntries(Object.entries(INLET_SQL).map(([name, sql]) => [name, numbered(sql)])) as typeof INLET_SQL;

/**
 * `store.inlets` for PostgreSQL. Every write goes through the store's write queue, which holds
 * the change log's advisory lock: writes of all replicas are serialized, so `changeItem`'s read,
 * decision and write cannot interleave with another replica's (a late heartbeat turns once).
 */
export class PostgresInletStore implements InletStore {
  constructor(
    private readonly pool: Pool,
    private readonly writes: PgWriteQueue,
    private readonly readItem: (q: WriteTx["client"], id: string) => Promise<ItemView | undefined>,
    private readonly writeItem: PgItemWriter,
  ) {}

  async listHooks(): Promise<HookRecord[]> {
    return (await this.pool.query<HookRow>(Q.listHooks)).rows.map(toHook);
  }

  async findHook(idOrName: string): Promise<HookRecord | undefined> {
    const [row] = (await this.pool.query<HookRow>(Q.findHook, [idOrName, hookNameKey(idOrName), idOrName])).rows;
    return row && toHook(row);
  }

  addHook(hook: HookRecord, audit?: AuditActor): Promise<HookRecord> {
    return this.writes.run(async ({ client }) => {
      await withConflicts({ hookName: hook.name }, () => client.query(Q.insertHook, hookValues(hook)));
      return { ...hook, name: hook.name.trim() };
    }, audit);
  }

  updateHook(id: string, name: string, config: HookConfig, updated: Date, audit?: AuditActor): Promise<HookRecord> {
    return this.writes.run(async ({ client }) => {
      // The unique name_key decides a taken name; an unknown id changes no row: not_found.
      const { rowCount } = await withConflicts({ hookName: name }, () =>
        client.query(Q.updateHook, [name.trim(), hookNameKey(name), JSON.stringify(config), updated.getTime(), id]),
      );
      if (rowCount === 0) throw hookNotFound(id);
      return toHook((await client.query<HookRow>(Q.findHook, [id, "", id])).rows[0]!);
    }, audit);
  }

  deleteHook(id: string, audit?: AuditActor): Promise<void> {
    return this.writes.run(async ({ client }) => {
      if ((await client.query(Q.deleteHook, [id])).rowCount === 0) throw hookNotFound(id);
    }, audit);
  }

  addHookCall(call: HookCallRecord, keep: number): Promise<void> {
    return this.writes.run(async ({ client }) => {
      await client.query(Q.insertCall, callValues(call));
      await client.query(Q.pruneCalls, [call.hookId, call.hookId, keep - 1]);
    });
  }

  async listHookCalls(hookId: string, limit: number): Promise<HookCallRecord[]> {
    return (await this.pool.query<CallRow>(Q.listCalls, [hookId, limit])).rows.map(toCall);
  }

  async listHeartbeats(): Promise<HeartbeatRecord[]> {
    return (await this.pool.query<HeartbeatRow>(Q.listHeartbeats)).rows.map(toHeartbeat);
  }

  async getHeartbeat(itemId: string): Promise<HeartbeatRecord | undefined> {
    const [row] = (await this.pool.query<HeartbeatRow>(Q.getHeartbeat, [itemId])).rows;
    return row && toHeartbeat(row);
  }

  async heartbeatBySecret(secretHash: string): Promise<HeartbeatRecord | undefined> {
    const [row] = (await this.pool.query<HeartbeatRow>(Q.heartbeatBySecret, [secretHash])).rows;
    return row && toHeartbeat(row);
  }

  putHeartbeat(heartbeat: HeartbeatRecord, audit?: AuditActor): Promise<HeartbeatRecord> {
    return this.writes.run(async ({ client }) => {
      if (!(await this.readItem(client, heartbeat.itemId))) throw notFound("item", heartbeat.itemId);
      await client.query(Q.deleteHeartbeatRow, [heartbeat.itemId]);
      await client.query(Q.insertHeartbeat, heartbeatValues(heartbeat));
      return heartbeat;
    }, audit);
  }

  deleteHeartbeat(itemId: string, audit?: AuditActor): Promise<boolean> {
    return this.writes.run(async ({ client }) => {
      await client.query(Q.deleteState, [`heartbeat:${itemId}`]);
      return ((await client.query(Q.deleteHeartbeatRow, [itemId])).rowCount ?? 0) > 0;
    }, audit);
  }

  async readState(key: string): Promise<InletStateRecord | undefined> {
    const [row] = (await this.pool.query<StateRow>(Q.readState, [key])).rows;
    return row && toState(row);
  }

  async dueStates(at: Date, limit: number): Promise<string[]> {
    return (await this.pool.query<{ key: string }>(Q.dueStates, [at.getTime(), limit])).rows.map((r) => r.key);
  }

  changeItem<D extends InletDecision>(
    key: string,
    itemId: string,
    decide: (item: ItemView, state: InletStateRecord | undefined) => D | undefined,
    audit?: AuditActor,
  ): Promise<InletChange<D> | undefined> {
    return this.writes.run(async (tx) => {
      const item = await this.readItem(tx.client, itemId);
      if (!item) return undefined;
      const [row] = (await tx.client.query<StateRow>(Q.readState, [key])).rows;
      const decision = decide(item, row && toState(row));
      if (!decision || decision.unchanged) return { item, decision, changed: false };
      if (decision.state === null) await tx.client.query(Q.deleteState, [key]);
      else await tx.client.query(Q.upsertState, stateValues(key, itemId, decision.state, decision.dueAt));
      const statusId = decision.statusId !== undefined && decision.statusId !== item.status?.id ? decision.statusId : undefined;
      if (statusId === undefined && !decision.noteText) return { item, decision, changed: false };
      const after = await this.writeItem(tx, itemId, { statusId, noteText: decision.noteText, at: decision.at });
      return { item: after, decision, changed: statusId !== undefined };
    }, audit);
  }
}
