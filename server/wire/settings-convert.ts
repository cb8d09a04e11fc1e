import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { PageSettingsSchema, type PageSettings } from "../../shared/gen/statusthing/v1/settings_pb.js";
import type { PageSettingsRecord } from "../domain.js";
import { pageSettingsView, type PageSettingsView } from "../page-settings-view.js";

/** The settings view for the wire. */
export function toPageSettingsViewMessage(view: PageSettingsView): PageSettings {
  return create(PageSettingsSchema, {
    name: view.name,
    nameSet: view.nameSet,
    description: view.description,
    logoUrl: view.logoUrl,
    faviconUrl: view.faviconUrl,
    homeUrl: view.homeUrl,
    supportUrl: view.supportUrl,
    timeZone: view.timeZone,
    timeZoneSet: view.timeZoneSet,
    accentColor: view.accentColor,
    updated: view.updated && timestampFromDate(view.updated),
  });
}

/** Stored settings for the wire, defaults filled in (`defaultTimeZone`: --time-zone). */
export function toPageSettingsMessage(record: PageSettingsRecord, defaultTimeZone: string): PageSettings {
  return toPageSettingsViewMessage(pageSettingsView(record, defaultTimeZone));
}
