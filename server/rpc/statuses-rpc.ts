import type { ServiceImpl } from "@connectrpc/connect";
import type { StatusService as StatusApi } from "../../shared/gen/statusthing/v1/status_service_pb.js";
import type { StatusesService } from "../service/statuses.js";
import { toStatusMessage } from "../wire/convert.js";
import { auditOf } from "./audit-interceptor.js";

/** `statusthing.v1.StatusService`: maps requests to the statuses service and results back. */
export function createStatusesRpc(statuses: StatusesService): ServiceImpl<typeof StatusApi> {
  return {
    async getStatus(req) {
      return { status: toStatusMessage(await statuses.get(req.statusId)) };
    },
    async listStatus(req) {
      return { statuses: (await statuses.list(req.kinds)).map(toStatusMessage) };
    },
    async addStatus(req, ctx) {
      const status = await statuses.add({ name: req.name, description: req.description, color: req.color, kind: req.kind }, auditOf(ctx));
      return { status: toStatusMessage(status) };
    },
    async updateStatus(req, ctx) {
      await statuses.update(req.statusId, { name: req.name, description: req.description, color: req.color, kind: req.kind }, auditOf(ctx));
      return {};
    },
    async deleteStatus(req, ctx) {
      await statuses.delete(req.statusId, auditOf(ctx));
      return {};
    },
  };
}
