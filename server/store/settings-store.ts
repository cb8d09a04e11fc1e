import type { BrandImage, ImageSlot, PageSettingsRecord, StoredImage } from "../domain.js";
import type { AuditActor } from "./audit-context.js";

/** The settings before anything was ever saved. */
export const EMPTY_SETTINGS: PageSettingsRecord = {
  name: "",
  description: "",
  homeUrl: "",
  supportUrl: "",
  timeZone: "",
  accentColor: "",
  logo: undefined,
  favicon: undefined,
  updated: undefined,
};

/** What to change; undefined fields stay as they are. An image: `null` removes it, a StoredImage uploads it. */
export interface SettingsPatch {
  name?: string;
  description?: string;
  homeUrl?: string;
  supportUrl?: string;
  timeZone?: string;
  accentColor?: string;
  logo?: { link: string } | StoredImage | null;
  favicon?: { link: string } | StoredImage | null;
  updated: Date;
}

/**
 * The part of the store contract that keeps the page's settings and its uploaded images, in the
 * same database and write queue as the items: a change is logged (`settings_upsert`) in the
 * same transaction, so live pages follow it in revision order.
 */
export interface SettingsStore {
  /** The settings as saved (EMPTY_SETTINGS when never saved). */
  get(): Promise<PageSettingsRecord>;
  /** An uploaded image with its bytes; undefined when the slot holds none (or a link). */
  image(slot: ImageSlot): Promise<StoredImage | undefined>;
  /**
   * Applies `patch` to the current settings inside one write (two admins changing different
   * fields at once both keep theirs), stores or drops uploaded images, logs the result as a
   * `settings_upsert` change, and returns it.
   */
  update(patch: SettingsPatch, audit?: AuditActor): Promise<PageSettingsRecord>;
}

/** What an image patch makes of a slot, and whether its stored bytes must be written (StoredImage) or dropped (null). */
function patchImage(current: BrandImage | undefined, change: SettingsPatch["logo"]): { image: BrandImage | undefined; bytes: StoredImage | null | undefined } {
  if (change === undefined) return { image: current, bytes: undefined };
  if (change === null) return { image: undefined, bytes: null };
  if ("link" in change) return { image: { kind: "link", url: change.link }, bytes: null };
  return { image: { kind: "upload", contentType: change.contentType, sha256: change.sha256, size: change.bytes.byteLength }, bytes: change };
}

/**
 * The settings after `patch`, and what to do with each slot's stored bytes: shared by every
 * store, so they merge alike.
 */
export function applySettingsPatch(current: PageSettingsRecord, patch: SettingsPatch): { settings: PageSettingsRecord; images: Partial<Record<ImageSlot, StoredImage | null>> } {
  const logo = patchImage(current.logo, patch.logo);
  const favicon = patchImage(current.favicon, patch.favicon);
  const images: Partial<Record<ImageSlot, StoredImage | null>> = {};
  if (logo.bytes !== undefined) images.logo = logo.bytes;
  if (favicon.bytes !== undefined) images.favicon = favicon.bytes;
  return {
    settings: {
      name: patch.name ?? current.name,
      description: patch.description ?? current.description,
      homeUrl: patch.homeUrl ?? current.homeUrl,
      supportUrl: patch.supportUrl ?? current.supportUrl,
      timeZone: patch.timeZone ?? current.timeZone,
      accentColor: patch.accentColor ?? current.accentColor,
      logo: logo.image,
      favicon: favicon.image,
      updated: patch.updated,
    },
    images,
  };
}

/** The settings as stored JSON (dates as epoch ms), for the settings row and the change log. */
export function settingsToJson(settings: PageSettingsRecord): string {
  return JSON.stringify({ ...settings, updated: settings.updated?.getTime() });
}

/** Reads settingsToJson's text. */
export function settingsFromJson(text: string): PageSettingsRecord {
  const raw = JSON.parse(text) as Omit<PageSettingsRecord, "updated"> & { updated?: number };
  return { ...EMPTY_SETTINGS, ...raw, updated: raw.updated === undefined ? undefined : new Date(raw.updated) };
}
