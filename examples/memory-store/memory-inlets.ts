/** The inlets half of the in-memory example store: hooks, their calls, heartbeats and per-item inlet state. */
import { hookNameTaken, hookNotFound, notFound } from "../../server/index.js";
import type { HeartbeatRecord, HookCallRecord, HookConfig, HookRecord, InletChange, InletDecision, InletStateRecord, InletStore, ItemView } from "../../server/index.js";

/** Everything the inlets keep; outlives a MemoryInlets, like a database file. */
export class InletData {
  readonly hooks = new Map<string, HookRecord>();
  calls: HookCallRecord[] = [];
  readonly heartbeats = new Map<string, HeartbeatRecord>();
  readonly states = new Map<string, InletStateRecord>();
}

/** What the inlets need of the store: its write turn, its items, and its item write. */
export interface InletHost {
  write<T>(work: () => T): Promise<T>;
  item(id: string): ItemView | undefined;
  change(id: string, change: { statusId?: string; noteText?: string; at: Date }): ItemView;
}

const key = (name: string) => name.trim().toLowerCase();
/** A copy through JSON, as a database would store it: what was returned stays as it was. */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export class MemoryInlets implements InletStore {
  constructor(
    private readonly data: InletData,
    private readonly host: InletHost,
  ) {}

  async listHooks(): Promise<HookRecord[]> {
    return [...this.data.hooks.values()].sort((a, b) => (key(a.name) < key(b.name) ? -1 : 1));
  }
  async findHook(idOrName: string): Promise<HookRecord | undefined> {
    return this.data.hooks.get(idOrName) ?? [...this.data.hooks.values()].find((h) => key(h.name) === key(idOrName));
  }
  addHook(hook: HookRecord): Promise<HookRecord> {
    return this.host.write(() => {
      if ([...this.data.hooks.values()].some((h) => key(h.name) === key(hook.name))) throw hookNameTaken(hook.name.trim());
      const record = { ...hook, name: hook.name.trim(), config: stored(hook.config) };
      this.data.hooks.set(hook.id, record);
      return record;
    });
  }
  updateHook(id: string, name: string, config: HookConfig, updated: Date): Promise<HookRecord> {
    return this.host.write(() => {
      const before = this.data.hooks.get(id);
      if (!before) throw hookNotFound(id);
      if ([...this.data.hooks.values()].some((h) => h.id !== id && key(h.name) === key(name))) throw hookNameTaken(name.trim());
      const record = { ...before, name: name.trim(), config: stored(config), updated };
      this.data.hooks.set(id, record);
      return record;
    });
  }
  deleteHook(id: string): Promise<void> {
    return this.host.write(() => {
      if (!this.data.hooks.delete(id)) throw hookNotFound(id);
      this.data.calls = this.data.calls.filter((c) => c.hookId !== id);
    });
  }
  addHookCall(call: HookCallRecord, keep: number): Promise<void> {
    return this.host.write(() => {
      this.data.calls.push({ ...call, alerts: stored(call.alerts) });
      const mine = this.data.calls.filter((c) => c.hookId === call.hookId);
      const drop = new Set(mine.slice(0, Math.max(0, mine.length - keep)));
      this.data.calls = this.data.calls.filter((c) => !drop.has(c));
    });
  }
  async listHookCalls(hookId: string, limit: number): Promise<HookCallRecord[]> {
    return this.data.calls
      .filter((c) => c.hookId === hookId)
      .reverse()
      .slice(0, limit);
  }

  async listHeartbeats(): Promise<HeartbeatRecord[]> {
    return [...this.data.heartbeats.values()].filter((h) => this.host.item(h.itemId));
  }
  async getHeartbeat(itemId: string): Promise<HeartbeatRecord | undefined> {
    return this.host.item(itemId) && this.data.heartbeats.get(itemId);
  }
  async heartbeatBySecret(secretHash: string): Promise<HeartbeatRecord | undefined> {
    return [...this.data.heartbeats.values()].find((h) => h.secretHash === secretHash && this.host.item(h.itemId));
  }
  putHeartbeat(heartbeat: HeartbeatRecord): Promise<HeartbeatRecord> {
    return this.host.write(() => {
      if (!this.host.item(heartbeat.itemId)) throw notFound("item", heartbeat.itemId);
      this.data.heartbeats.set(heartbeat.itemId, { ...heartbeat, config: stored(heartbeat.config) });
      return heartbeat;
    });
  }
  deleteHeartbeat(itemId: string): Promise<boolean> {
    return this.host.write(() => {
      this.data.states.delete(`heartbeat:${itemId}`);
      return this.data.heartbeats.delete(itemId);
    });
  }

  async readState(key: string): Promise<InletStateRecord | undefined> {
    return this.live(key);
  }
  async dueStates(at: Date, limit: number): Promise<string[]> {
    return [...this.data.states.keys()]
      .map((k) => this.live(k))
      .filter((s): s is InletStateRecord => s?.dueAt !== undefined && s.dueAt.getTime() <= at.getTime())
      .sort((a, b) => a.dueAt!.getTime() - b.dueAt!.getTime() || (a.key < b.key ? -1 : 1))
      .slice(0, limit)
      .map((s) => s.key);
  }
  changeItem<D extends InletDecision>(
    key: string,
    itemId: string,
    decide: (item: ItemView, state: InletStateRecord | undefined) => D | undefined,
  ): Promise<InletChange<D> | undefined> {
    return this.host.write(() => {
      const item = this.host.item(itemId);
      if (!item) return undefined;
      const decision = decide(item, this.live(key));
      if (!decision || decision.unchanged) return { item, decision, changed: false };
      const statusId = decision.statusId !== undefined && decision.statusId !== item.status?.id ? decision.statusId : undefined;
      // The item's write first: it is the one that can fail, and then nothing may be kept.
      const after = statusId !== undefined || decision.noteText ? this.host.change(itemId, { statusId, noteText: decision.noteText, at: decision.at }) : item;
      if (decision.state === null) this.data.states.delete(key);
      else this.data.states.set(key, { key, itemId, state: stored(decision.state), dueAt: decision.dueAt });
      return { item: after, decision, changed: statusId !== undefined };
    });
  }

  /** A state whose item still exists (a deleted item's states go with it, as by a foreign key). */
  private live(key: string): InletStateRecord | undefined {
    const state = this.data.states.get(key);
    if (state && !this.host.item(state.itemId)) {
      this.data.states.delete(key);
      return undefined;
    }
    return state;
  }
}
