import type { ServiceImpl } from "@connectrpc/connect";
import type { ItemsService as ItemsApi } from "../../shared/gen/statusthing/v1/services_pb.js";
import type { ItemsService } from "../service/items.js";
import { toItemMessage } from "../wire/convert.js";
import { watchItems, type WatchItemsDeps } from "./watch-items-stream.js";
import { auditOf } from "./audit-interceptor.js";

/**
 * `statusthing.v1.ItemsService`: maps requests to the items service and results back.
 * `WatchItems` is a Connect server stream like any other; see `watch-items-stream.ts`.
 */
export function createItemsRpc(items: ItemsService, live: WatchItemsDeps): Partial<ServiceImpl<typeof ItemsApi>> {
  return {
    watchItems(req, ctx) {
      return watchItems(req, ctx, live);
    },
    async getItem(req) {
      return { item: toItemMessage(await items.get(req.itemId)) };
    },
    async listItems(req) {
      const list = await items.list({ statusIds: req.statusIds, kinds: req.kinds, extended: req.extended });
      return { items: list.map(toItemMessage) };
    },
    async addItem(req, ctx) {
      const status = req.initialStatus;
      const item = await items.add(
        {
          name: req.name,
          description: req.description,
          initialStatusId: req.initialStatusId,
          initialStatus: status && {
            id: status.id,
            name: status.name,
            description: status.description,
            color: status.color,
            kind: status.kind,
          },
          initialNoteText: req.initialNoteText,
        },
        auditOf(ctx),
      );
      return { item: toItemMessage(item) };
    },
    async updateItem(req, ctx) {
      await items.update(req.itemId, { name: req.name, description: req.description, statusId: req.statusId }, auditOf(ctx));
      return {};
    },
    async deleteItem(req, ctx) {
      await items.delete(req.itemId, auditOf(ctx));
      return {};
    },
  };
}
