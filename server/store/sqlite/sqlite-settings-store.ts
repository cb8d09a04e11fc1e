import type { Database, Statement } from "better-sqlite3";
import type { ImageSlot, PageSettingsRecord, StoredImage } from "../../domain.js";
import { applySettingsPatch, EMPTY_SETTINGS, settingsFromJson, settingsToJson, type SettingsPatch, type SettingsStore } from "../settings-store.js";
import { SETTINGS_SQL, type ImageRow } from "../sql/settings.js";
import type { WriteQueue } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

/** The page settings in SQLite: `SqliteStore.settings`, sharing the store's connection, write queue and change log. */
export class SqliteSettingsStore implements SettingsStore {
  private readonly sql: { [name in keyof typeof SETTINGS_SQL]: Statement };

  constructor(
    db: Database,
    private readonly writes: () => WriteQueue,
  ) {
    this.sql = Object.fromEntries(Object.entries(SETTINGS_SQL).map(([name, text]) => [name, db.prepare(text)])) as typeof this.sql;
  }

  async get(): Promise<PageSettingsRecord> {
    return this.read();
  }

  async image(slot: ImageSlot): Promise<StoredImage | undefined> {
    const row = this.sql.getImage.get(slot) as ImageRow | undefined;
    return row && { contentType: row.content_type, sha256: row.sha256, bytes: new Uint8Array(row.bytes) };
  }

  update(patch: SettingsPatch, audit?: AuditActor): Promise<PageSettingsRecord> {
    return this.writes().run((tx) => {
      const { settings, images } = applySettingsPatch(this.read(), patch);
      this.sql.putSettings.run(settingsToJson(settings), patch.updated.getTime());
      for (const [slot, image] of Object.entries(images)) {
        if (image) this.sql.putImage.run(slot, image.contentType, image.sha256, Buffer.from(image.bytes));
        else this.sql.deleteImage.run(slot);
      }
      tx.log({ kind: "settings_upsert", settings });
      return settings;
    }, audit);
  }

  private read(): PageSettingsRecord {
    const row = this.sql.getSettings.get() as { body: string } | undefined;
    return row ? settingsFromJson(row.body) : EMPTY_SETTINGS;
  }
}
