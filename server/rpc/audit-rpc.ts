import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { AuditEventSchema, type AuditService as AuditApi } from "../../shared/gen/statusthing/v1/audit_pb.js";
import type { AuditService } from "../service/audit.js";

/** `statusthing.v1.AuditService`: the audit log, read-only, for admins (see the permission table). */
export function createAuditRpc(audit: AuditService): ServiceImpl<typeof AuditApi> {
  return {
    async listAuditEvents(req) {
      const { events, nextPageToken } = await audit.list({
        actorId: req.actorId,
        objectId: req.objectId,
        since: req.since && timestampDate(req.since),
        until: req.until && timestampDate(req.until),
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return {
        events: events.map((e) =>
          create(AuditEventSchema, {
            id: e.id,
            at: timestampFromDate(e.at),
            actor: e.actor,
            actorId: e.actorId,
            procedure: e.procedure,
            objectType: e.objectType,
            objectId: e.objectId,
            clientAddress: e.clientAddress,
            summary: e.summary,
          }),
        ),
        nextPageToken,
      };
    },
  };
}
