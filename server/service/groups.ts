import type { GroupRecord, ItemView } from "../domain.js";
import { invalidArgument, notFound } from "../errors.js";
import { newId } from "../ids.js";
import type { GroupPatch } from "../store/group-store.js";
import type { ServiceDeps } from "./deps.js";
import { checkDescription, descriptionUpdate, optionalName, requireId, requireName } from "./validate.js";
import type { AuditActor } from "../store/audit-context.js";

/** The fields of a new group, as a client sends them. */
export interface GroupInput {
  name: string;
  description: string;
  collapsed: boolean;
}

/** Changes to a group as a client sends them: undefined is unchanged. */
export interface GroupUpdateInput {
  name?: string | undefined;
  description?: string | undefined;
  collapsed?: boolean | undefined;
}

/** A position far past any real page: beyond it a client is confused or hostile, so it is refused rather than clamped. */
const MAX_POSITION = 1_000_000;

/** Rules for groups and the page order: validation, then the store (see store/group-store.ts). */
export class GroupsService {
  constructor(private readonly deps: ServiceDeps) {}

  list(): Promise<GroupRecord[]> {
    return this.deps.store.groups.listGroups();
  }

  async get(id: string): Promise<GroupRecord> {
    const groupId = requireId("group_id", id);
    const group = await this.deps.store.groups.getGroup(groupId);
    if (!group) throw notFound("group", groupId);
    return group;
  }

  add(input: GroupInput, audit?: AuditActor): Promise<GroupRecord> {
    return this.deps.store.groups.addGroup(
      {
        id: newId(),
        name: requireName("name", input.name),
        description: checkDescription("description", input.description),
        collapsed: input.collapsed,
        created: this.deps.now(),
      },
      audit,
    );
  }

  update(id: string, input: GroupUpdateInput, audit?: AuditActor): Promise<GroupRecord> {
    const groupId = requireId("group_id", id);
    const patch: GroupPatch = { updated: this.deps.now() };
    if (input.name !== undefined) {
      const name = optionalName("name", input.name);
      if (name === undefined) throw invalidArgument("name", "is required when given");
      patch.name = name;
    }
    // An explicit field: "" clears the description.
    if (input.description !== undefined) patch.description = input.description === "" ? "" : (descriptionUpdate("description", input.description) ?? "");
    if (input.collapsed !== undefined) patch.collapsed = input.collapsed;
    if (Object.keys(patch).length === 1) throw invalidArgument("group", "nothing to change: give name, description or collapsed");
    return this.deps.store.groups.updateGroup(groupId, patch, audit);
  }

  async delete(id: string, audit?: AuditActor): Promise<void> {
    await this.deps.store.groups.deleteGroup(requireId("group_id", id), audit);
  }

  moveItem(itemId: string, groupId: string, position: number, audit?: AuditActor): Promise<ItemView> {
    const id = requireId("item_id", itemId);
    const group = groupId.trim() === "" ? undefined : groupId.trim();
    return this.deps.store.groups.moveItem(id, group, checkPosition(position), audit);
  }

  moveGroup(groupId: string, position: number, audit?: AuditActor): Promise<GroupRecord> {
    return this.deps.store.groups.moveGroup(requireId("group_id", groupId), checkPosition(position), audit);
  }
}

function checkPosition(position: number): number {
  if (!Number.isInteger(position) || position < 0 || position > MAX_POSITION) throw invalidArgument("position", `must be a whole number from 0 to ${MAX_POSITION}`);
  return position;
}
