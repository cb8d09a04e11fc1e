import type { ServiceImpl } from "@connectrpc/connect";
import type { GroupsService as GroupsApi } from "../../shared/gen/statusthing/v1/groups_pb.js";
import type { GroupsService } from "../service/groups.js";
import { toGroupMessage, toItemMessage } from "../wire/convert.js";
import { auditOf } from "./audit-interceptor.js";

/** `statusthing.v1.GroupsService`: maps requests to the groups service and results back. */
export function createGroupsRpc(groups: GroupsService): ServiceImpl<typeof GroupsApi> {
  return {
    async listGroups() {
      return { groups: (await groups.list()).map(toGroupMessage) };
    },
    async getGroup(req) {
      return { group: toGroupMessage(await groups.get(req.groupId)) };
    },
    async addGroup(req, ctx) {
      return { group: toGroupMessage(await groups.add({ name: req.name, description: req.description, collapsed: req.collapsed }, auditOf(ctx))) };
    },
    async updateGroup(req, ctx) {
      return { group: toGroupMessage(await groups.update(req.groupId, { name: req.name, description: req.description, collapsed: req.collapsed }, auditOf(ctx))) };
    },
    async deleteGroup(req, ctx) {
      await groups.delete(req.groupId, auditOf(ctx));
      return {};
    },
    async moveItem(req, ctx) {
      return { item: toItemMessage(await groups.moveItem(req.itemId, req.groupId, req.position, auditOf(ctx))) };
    },
    async moveGroup(req, ctx) {
      return { group: toGroupMessage(await groups.moveGroup(req.groupId, req.position, auditOf(ctx))) };
    },
  };
}
