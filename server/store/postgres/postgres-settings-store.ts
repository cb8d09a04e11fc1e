import type { Pool } from "pg";
import type { ImageSlot, PageSettingsRecord, StoredImage } from "../../domain.js";
import { applySettingsPatch, EMPTY_SETTINGS, settingsFromJson, settingsToJson, type SettingsPatch, type SettingsStore } from "../settings-store.js";
import { SETTINGS_SQL, type ImageRow } from "../sql/settings.js";
import { numbered } from "./dialect.js";
import type { PgWriteQueue } from "./write-queue.js";
import type { AuditActor } from "../audit-context.js";

const S = Object.fromEntries(Object.entries(SETTINGS_SQL).map(([name, sql]) => [name, numbered(sql)])) as { readonly [name in keyof typeof SETTINGS_SQL]: string };

/**
 * The page settings in PostgreSQL: `PostgresStore.settings`. Writes go through the store's write
 * queue, under the change log's lock, so a settings change has its place in revision order and
 * rings the same doorbell for the other replicas.
 */
export class PostgresSettingsStore implements SettingsStore {
  constructor(
    private readonly pool: Pool,
    private readonly writes: PgWriteQueue,
  ) {}

  async get(): Promise<PageSettingsRecord> {
    const { rows } = await this.pool.query<{ body: string }>(S.getSettings);
    return rows[0] ? settingsFromJson(rows[0].body) : EMPTY_SETTINGS;
  }

  async image(slot: ImageSlot): Promise<StoredImage | undefined> {
    const { rows } = await this.pool.query<ImageRow>(S.getImage, [slot]);
    const row = rows[0];
    return row && { contentType: row.content_type, sha256: row.sha256, bytes: new Uint8Array(row.bytes) };
  }

  update(patch: SettingsPatch, audit?: AuditActor): Promise<PageSettingsRecord> {
    return this.writes.run(async (tx) => {
      const { rows } = await tx.client.query<{ body: string }>(`${S.getSettings} FOR UPDATE`);
      const { settings, images } = applySettingsPatch(rows[0] ? settingsFromJson(rows[0].body) : EMPTY_SETTINGS, patch);
      await tx.client.query(S.putSettings, [settingsToJson(settings), patch.updated]);
      for (const [slot, image] of Object.entries(images)) {
        if (image) await tx.client.query(S.putImage, [slot, image.contentType, image.sha256, Buffer.from(image.bytes)]);
        else await tx.client.query(S.deleteImage, [slot]);
      }
      tx.log({ kind: "settings_upsert", settings });
      return settings;
    }, audit);
  }
}
