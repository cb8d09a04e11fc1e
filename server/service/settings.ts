import type { ImageSlot, PageSettingsRecord, StoredImage } from "../domain.js";
import { pageSettingsView, type PageSettingsView } from "../page-settings-view.js";
import { invalidArgument } from "../errors.js";
import type { SettingsPatch } from "../store/settings-store.js";
import type { Store } from "../store/store.js";
import { checkUploadedImage } from "./settings/brand-image.js";
import { checkAccent, checkLink, checkPageName, checkTimeZone } from "./settings/settings-fields.js";
import { checkDescription } from "./validate.js";
import type { AuditActor } from "../store/audit-context.js";

/** An image change as a request gives it: bytes to upload, a link, or clear. */
export type ImageChange = { data: Uint8Array } | { url: string } | { clear: true };

/** UpdateSettings' request, fields absent when not to change. */
export interface SettingsUpdate {
  name?: string;
  description?: string;
  homeUrl?: string;
  supportUrl?: string;
  timeZone?: string;
  accentColor?: string;
  logo?: ImageChange;
  favicon?: ImageChange;
}

/**
 * Rules for the page's settings: validation, defaults, and the one current view the pages,
 * feeds and the server-rendered HTML read (`current()`, cached until the next commit).
 */
export { DEFAULT_PAGE_NAME, type PageSettingsView } from "../page-settings-view.js";

export class SettingsService {
  private cached: Promise<PageSettingsView> | undefined;

  constructor(
    private readonly deps: {
      store: Store;
      now: () => Date;
      /** --time-zone: the page's zone while the settings name none. */
      defaultTimeZone: string;
    },
  ) {}

  /** The settings as the pages show them now. Cached: the app calls `forget()` after every commit, here or on another replica. */
  current(): Promise<PageSettingsView> {
    this.cached ??= this.deps.store.settings.get().then(
      (record) => this.view(record),
      (error: unknown) => {
        this.cached = undefined;
        throw error;
      },
    );
    return this.cached;
  }

  /** Drops the cached view (something was committed). */
  forget(): void {
    this.cached = undefined;
  }

  /** The view of a stored record. */
  view(record: PageSettingsRecord): PageSettingsView {
    return pageSettingsView(record, this.deps.defaultTimeZone);
  }

  /** An uploaded image with its bytes, if the slot holds one. */
  image(slot: ImageSlot): Promise<StoredImage | undefined> {
    return this.deps.store.settings.image(slot);
  }

  /** Validates every field given (the first at fault is named; nothing is saved then) and saves them together. */
  async update(input: SettingsUpdate, audit?: AuditActor): Promise<PageSettingsView> {
    const patch: SettingsPatch = { updated: this.deps.now() };
    if (input.name !== undefined) patch.name = checkPageName(input.name);
    if (input.description !== undefined) patch.description = checkDescription("description", input.description.trim());
    if (input.homeUrl !== undefined) patch.homeUrl = checkLink("home_url", input.homeUrl, ["http:", "https:"]);
    if (input.supportUrl !== undefined) patch.supportUrl = checkLink("support_url", input.supportUrl, ["http:", "https:", "mailto:"]);
    if (input.timeZone !== undefined) patch.timeZone = checkTimeZone(input.timeZone);
    if (input.accentColor !== undefined) patch.accentColor = checkAccent(input.accentColor);
    if (input.logo !== undefined) patch.logo = imagePatch("logo", input.logo);
    if (input.favicon !== undefined) patch.favicon = imagePatch("favicon", input.favicon);
    if (Object.keys(patch).length === 1) throw invalidArgument("settings", "nothing to change: give at least one field");
    return this.view(await this.deps.store.settings.update(patch, audit));
  }
}

function imagePatch(slot: ImageSlot, change: ImageChange): SettingsPatch["logo"] {
  if ("clear" in change) return null;
  if ("url" in change) {
    const link = checkLink(`${slot}.url`, change.url, ["http:", "https:"]);
    return link === "" ? null : { link };
  }
  if (change.data.byteLength === 0) throw invalidArgument(`${slot}.data`, "is empty: give the image's bytes, or clear");
  return checkUploadedImage(slot, `${slot}.data`, change.data);
}
