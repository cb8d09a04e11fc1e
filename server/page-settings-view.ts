import type { BrandImage, ImageSlot, PageSettingsRecord } from "./domain.js";

/** The page's name while none is set. */
export const DEFAULT_PAGE_NAME = "Status";

/** The page's settings as every view shows them: defaults filled in, images as URLs. */
export interface PageSettingsView {
  /** Never empty: the setting, else "Status". */
  name: string;
  nameSet: boolean;
  description: string;
  /** Site-relative ("/branding/logo?v=…") for an upload, absolute for a link, empty for none. */
  logoUrl: string;
  faviconUrl: string;
  /** The favicon's type for `<link rel="icon" type>`, when known (uploads). */
  faviconType: string;
  homeUrl: string;
  supportUrl: string;
  /** The setting, else --time-zone. */
  timeZone: string;
  timeZoneSet: boolean;
  /** `#RRGGBB` or empty (the theme's own). */
  accentColor: string;
  updated: Date | undefined;
}

/** Where an uploaded image is served; the version makes each image its own URL, cacheable for good. */
export function brandingPath(slot: ImageSlot, sha256: string): string {
  return `/branding/${slot}?v=${sha256.slice(0, 16)}`;
}

const imageUrl = (slot: ImageSlot, image: BrandImage | undefined) => (!image ? "" : image.kind === "link" ? image.url : brandingPath(slot, image.sha256));

/** The view of stored settings: defaults filled in (`defaultTimeZone` is --time-zone), images as URLs. */
export function pageSettingsView(record: PageSettingsRecord, defaultTimeZone: string): PageSettingsView {
  return {
    name: record.name || DEFAULT_PAGE_NAME,
    nameSet: record.name !== "",
    description: record.description,
    logoUrl: imageUrl("logo", record.logo),
    faviconUrl: imageUrl("favicon", record.favicon),
    faviconType: record.favicon?.kind === "upload" ? record.favicon.contentType : "",
    homeUrl: record.homeUrl,
    supportUrl: record.supportUrl,
    timeZone: record.timeZone || defaultTimeZone,
    timeZoneSet: record.timeZone !== "",
    accentColor: record.accentColor,
    updated: record.updated,
  };
}
