/** Groups and the page order for the memory store: `MemoryStore.groups` (see server/store/group-store.ts). */
import { nameKey, nameTaken, notFound, placeAt, type GroupPatch, type GroupRecord, type GroupStore, type ItemView, type NewGroup } from "../../server/index.js";
import type { MemoryData } from "./memory-store.js";

/** What the groups need of their store: its data, its write turn, its log and its item views. */
export interface MemoryGroupsHost {
  data: MemoryData;
  write<T>(work: () => T): Promise<T>;
  logItem(item: ItemView): void;
  logGroup(change: { kind: "group_upsert"; group: GroupRecord } | { kind: "group_delete"; id: string }): void;
  view(id: string): ItemView | undefined;
}

const byPosition = (a: { position: number }, b: { position: number }) => a.position - b.position;

export class MemoryGroups implements GroupStore {
  constructor(private readonly host: MemoryGroupsHost) {}

  private get groups(): Map<string, GroupRecord> {
    return this.host.data.groups;
  }

  async listGroups(): Promise<GroupRecord[]> {
    return [...this.groups.values()].sort(byPosition);
  }
  async getGroup(id: string): Promise<GroupRecord | undefined> {
    return this.groups.get(id);
  }
  addGroup(group: NewGroup): Promise<GroupRecord> {
    return this.host.write(() => {
      this.mustBeFreeName(group.name);
      const { id, name, description, collapsed, created } = group;
      const record = { id, name, description, collapsed, position: this.groups.size, created, updated: created };
      this.groups.set(id, record);
      this.host.logGroup({ kind: "group_upsert", group: record });
      return record;
    });
  }
  updateGroup(id: string, patch: GroupPatch): Promise<GroupRecord> {
    return this.host.write(() => {
      const before = this.groups.get(id);
      if (!before) throw notFound("group", id);
      if (patch.name !== undefined) this.mustBeFreeName(patch.name, id);
      const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      const group = { ...before, ...changes };
      this.groups.set(id, group);
      this.host.logGroup({ kind: "group_upsert", group });
      return group;
    });
  }
  deleteGroup(id: string): Promise<void> {
    return this.host.write(() => {
      if (!this.groups.has(id)) throw notFound("group", id);
      this.renumber(undefined, [...this.idsIn(undefined), ...this.idsIn(id)]);
      this.groups.delete(id);
      this.host.logGroup({ kind: "group_delete", id });
      this.renumberGroups([...this.groups.values()].sort(byPosition).map((g) => g.id));
    });
  }
  moveItem(itemId: string, groupId: string | undefined, position: number): Promise<ItemView> {
    return this.host.write(() => {
      const item = this.host.data.items.get(itemId);
      if (!item) throw notFound("item", itemId);
      if (groupId !== undefined && !this.groups.has(groupId)) throw notFound("group", groupId);
      const source = item.groupId;
      this.renumber(groupId, placeAt(this.idsIn(groupId), itemId, position));
      if (source !== groupId) this.renumber(source, this.idsIn(source));
      return this.host.view(itemId)!;
    });
  }
  moveGroup(id: string, position: number): Promise<GroupRecord> {
    return this.host.write(() => {
      if (!this.groups.has(id)) throw notFound("group", id);
      this.renumberGroups(
        placeAt(
          [...this.groups.values()].sort(byPosition).map((g) => g.id),
          id,
          position,
        ),
      );
      return this.groups.get(id)!;
    });
  }

  /** The ids of a group's items (undefined: no group) in their order; creation order breaks ties. */
  private idsIn(groupId: string | undefined): string[] {
    return [...this.host.data.items.values()].filter((i) => i.groupId === groupId).map((i) => i.id);
  }

  private renumber(groupId: string | undefined, order: readonly string[]): void {
    order.forEach((id, position) => {
      const item = this.host.data.items.get(id)!;
      if (item.groupId === groupId && item.position === position) return;
      this.host.data.items.set(id, { ...item, groupId, position });
      this.host.logItem(this.host.view(id)!);
    });
  }

  private renumberGroups(order: readonly string[]): void {
    order.forEach((id, position) => {
      const group = this.groups.get(id)!;
      if (group.position === position) return;
      const moved = { ...group, position };
      this.groups.set(id, moved);
      this.host.logGroup({ kind: "group_upsert", group: moved });
    });
  }

  private mustBeFreeName(name: string, except?: string): void {
    for (const g of this.groups.values()) if (g.id !== except && nameKey(g.name) === nameKey(name)) throw nameTaken("group", name);
  }
}
