import type { ServiceImpl } from "@connectrpc/connect";
import type { GroupsService as GroupsApi } from "../../shared/gen/statusthing/v1/groups_pb.js";
import type { GroupsService } from "../service/groups.js";
import { toGroupMessage, toItemMessage } from "../wire/convert.js";

/** `statusthing.v1.GroupsService`: maps requests to the groups service and results back. */
export function createGroupsRpc(groups: GroupsService): ServiceImpl<typeof GroupsApi> {
  return {
    async listGroups() {
      return { groups: (await groups.list()).map(toGroupMessage) };
    },
    async getGroup(req) {
      return { group: toGroupMessage(await groups.get(req.groupId)) };
    },
    async addGroup(req) {
      return { group: toGroupMessage(await groups.add({ name: req.name, description: req.description, collapsed: req.collapsed })) };
    },
    async updateGroup(req) {
      return { group: toGroupMessage(await groups.update(req.groupId, { name: req.name, description: req.description, collapsed: req.collapsed })) };
    },
    async deleteGroup(req) {
      await groups.delete(req.groupId);
      return {};
    },
    async moveItem(req) {
      return { item: toItemMessage(await groups.moveItem(req.itemId, req.groupId, req.position)) };
    },
    async moveGroup(req) {
      return { group: toGroupMessage(await groups.moveGroup(req.groupId, req.position)) };
    },
  };
}
