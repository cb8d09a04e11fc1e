import type { ServiceImpl } from "@connectrpc/connect";
import type { ImageInput } from "../../shared/gen/statusthing/v1/settings_pb.js";
import type { SettingsService as SettingsApi } from "../../shared/gen/statusthing/v1/settings_service_pb.js";
import type { ImageChange, SettingsService } from "../service/settings.js";
import { toPageSettingsViewMessage } from "../wire/settings-convert.js";
import { auditOf } from "./audit-interceptor.js";

/** An ImageInput as the service takes it; undefined when the request leaves the image alone. */
function imageChange(input: ImageInput | undefined): ImageChange | undefined {
  switch (input?.source.case) {
    case "data":
      return { data: input.source.value };
    case "url":
      return { url: input.source.value };
    case "clear":
      return input.source.value ? { clear: true } : undefined;
    default:
      return undefined;
  }
}

/** `statusthing.v1.SettingsService`: the page's settings and branding. */
export function createSettingsRpc(settings: SettingsService): ServiceImpl<typeof SettingsApi> {
  return {
    async getSettings() {
      return { settings: toPageSettingsViewMessage(await settings.current()) };
    },
    async updateSettings(req, ctx) {
      const view = await settings.update(
        {
          name: req.name,
          description: req.description,
          homeUrl: req.homeUrl,
          supportUrl: req.supportUrl,
          timeZone: req.timeZone,
          accentColor: req.accentColor,
          logo: imageChange(req.logo),
          favicon: imageChange(req.favicon),
        },
        auditOf(ctx),
      );
      return { settings: toPageSettingsViewMessage(view) };
    },
  };
}
