/** The memory store's page settings (`MemoryStore.settings`): a record and two image slots. */
import { applySettingsPatch, EMPTY_SETTINGS, type ImageSlot, type PageSettingsRecord, type SettingsPatch, type SettingsStore, type StoredImage } from "../../server/index.js";

/** The settings as kept; outlives a MemoryStore like the rest of MemoryData. */
export class SettingsData {
  current: PageSettingsRecord = EMPTY_SETTINGS;
  readonly images = new Map<ImageSlot, StoredImage>();
}

/** What the settings borrow from their store: its atomic write and its change log. */
export interface SettingsWrites {
  write<T>(work: () => T): Promise<T>;
  log(settings: PageSettingsRecord): number;
}

export class MemorySettings implements SettingsStore {
  constructor(
    private readonly data: SettingsData,
    private readonly store: SettingsWrites,
  ) {}

  async get(): Promise<PageSettingsRecord> {
    return this.data.current;
  }

  async image(slot: ImageSlot): Promise<StoredImage | undefined> {
    const image = this.data.images.get(slot);
    return image && { ...image, bytes: new Uint8Array(image.bytes) };
  }

  update(patch: SettingsPatch): Promise<PageSettingsRecord> {
    return this.store.write(() => {
      const { settings, images } = applySettingsPatch(this.data.current, patch);
      for (const [slot, image] of Object.entries(images) as Array<[ImageSlot, StoredImage | null]>) {
        if (image) this.data.images.set(slot, { ...image, bytes: new Uint8Array(image.bytes) });
        else this.data.images.delete(slot);
      }
      this.data.current = settings;
      this.store.log(settings);
      return settings;
    });
  }
}
