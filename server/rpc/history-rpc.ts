import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  StatusTransitionSchema,
  UptimeSchema,
  type HistoryService as HistoryApi,
  type StatusTransition as StatusTransitionMessage,
  type Uptime,
} from "../../shared/gen/statusthing/v1/history_pb.js";
import { StatusSchema } from "../../shared/gen/statusthing/v1/types_pb.js";
import type { StatusTransition } from "../domain.js";
import type { HistoryService } from "../service/history.js";
import type { WindowUptime } from "../../shared/history/uptime-fold.js";
import { toItemMessage, toNoteMessage, toStatusMessage } from "../wire/convert.js";

/** `statusthing.v1.HistoryService`: maps requests to the history service and results back. */
export function createHistoryRpc(history: HistoryService): ServiceImpl<typeof HistoryApi> {
  return {
    async getItemHistory(req) {
      const page = await history.itemHistory({
        itemId: req.itemId,
        from: req.from && timestampDate(req.from),
        to: req.to && timestampDate(req.to),
        pageSize: req.pageSize,
        pageToken: req.pageToken,
      });
      return { transitions: page.transitions.map(toTransitionMessage), notes: page.notes.map(toNoteMessage), nextPageToken: page.nextPageToken };
    },
    async getUptime(req) {
      const report = await history.uptime(req.itemIds, req.days);
      return {
        items: report.items.map((item) => ({
          itemId: item.itemId,
          days: item.days.map((day) => ({ date: day.day, uptime: toUptimeMessage(day) })),
          last24Hours: toUptimeMessage(item.last24Hours),
          last7Days: toUptimeMessage(item.last7Days),
          last30Days: toUptimeMessage(item.last30Days),
          last90Days: toUptimeMessage(item.last90Days),
        })),
        timeZone: report.timeZone,
        now: timestampFromDate(report.now),
      };
    },
    async getPageAt(req) {
      const page = await history.pageAt(req.at && timestampDate(req.at), { statusIds: req.statusIds, kinds: req.kinds, withNotes: req.extended });
      return {
        items: page.items.map(toItemMessage),
        statuses: page.statuses.map(toStatusMessage),
        revision: BigInt(page.revision),
        revisionTime: page.revisionTime && timestampFromDate(page.revisionTime),
        nextChangeTime: page.nextChangeTime && timestampFromDate(page.nextChangeTime),
      };
    },
  };
}

/** Seconds, whole: milliseconds are rounded. */
const seconds = (ms: number) => Math.round(ms / 1_000);

function toUptimeMessage(window: WindowUptime): Uptime {
  return create(UptimeSchema, {
    upSeconds: seconds(window.time.up),
    degradedSeconds: seconds(window.time.degraded),
    downSeconds: seconds(window.time.down),
    uncountedSeconds: seconds(window.time.uncounted),
    ...(window.worstKind !== undefined && { worstKind: window.worstKind }),
    ...(window.ratio !== undefined && { ratio: window.ratio }),
  });
}

function toTransitionMessage(transition: StatusTransition): StatusTransitionMessage {
  const status = transition.status;
  return create(StatusTransitionSchema, {
    itemId: transition.itemId,
    itemName: transition.itemName,
    at: timestampFromDate(transition.at),
    revision: BigInt(transition.revision),
    status: status && create(StatusSchema, { id: status.id, name: status.name, color: status.color, kind: status.kind }),
    deleted: transition.deleted,
    reconstructed: transition.reconstructed,
  });
}
