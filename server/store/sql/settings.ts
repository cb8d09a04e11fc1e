/**
 * The settings statements both SQL stores run (`?` placeholders; PostgreSQL numbers them). The
 * settings are one row of JSON (see settings-store.ts for its shape); the images' bytes live in
 * their own table so that reading the settings never reads an image.
 */
export const SETTINGS_SQL = {
  getSettings: "SELECT body FROM page_settings WHERE id = 1",
  /** For PostgreSQL, the write queue's lock already serializes writers; the row lock is belt and braces. */
  putSettings: "INSERT INTO page_settings (id, body, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
  getImage: "SELECT content_type, sha256, bytes FROM page_images WHERE slot = ?",
  putImage:
    "INSERT INTO page_images (slot, content_type, sha256, bytes) VALUES (?, ?, ?, ?) ON CONFLICT (slot) DO UPDATE SET content_type = excluded.content_type, sha256 = excluded.sha256, bytes = excluded.bytes",
  deleteImage: "DELETE FROM page_images WHERE slot = ?",
} as const;

/** A row of page_images as either driver returns it. */
export interface ImageRow {
  content_type: string;
  sha256: string;
  bytes: Uint8Array;
}
