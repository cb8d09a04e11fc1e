import { createHash } from "node:crypto";

/** A built public document: its bytes and what HTTP caching needs to know about them. */
export interface BuiltDocument {
  status: number;
  contentType: string;
  body: Buffer;
  /** A strong validator: the body's hash, quoted. */
  etag: string;
  /** When the data in it last changed, for Last-Modified (feeds). */
  lastModified?: Date;
}

/** Entries kept per data version; a flood of distinct keys (hosts, labels) cannot grow it without bound. */
const MAX_ENTRIES = 500;

/** The quoted strong ETag of a body. */
export function etagOf(body: Buffer): string {
  return `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`;
}

/**
 * Public documents (Statuspage JSON, feeds, badges) built once per data version: every committed
 * change drops them all, and the next request builds each again, once, however many ask at the
 * same moment (they share the one build in flight).
 */
export class DocumentCache {
  private entries = new Map<string, Promise<unknown>>();

  /** Says the data changed: every built document is stale. */
  bump(): void {
    this.entries = new Map();
  }

  /**
   * The document under `key` at the current version, built by `build` if it is not there. Keys
   * of different kinds of document (T) must differ: a key holds one kind.
   */
  get<T = BuiltDocument>(key: string, build: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(key) as Promise<T> | undefined;
    if (cached) return cached;
    if (this.entries.size >= MAX_ENTRIES) this.entries = new Map();
    const entries = this.entries;
    const built = build();
    entries.set(key, built);
    // A failed build is not kept: the next request tries again.
    built.catch(() => {
      if (entries.get(key) === built) entries.delete(key);
    });
    return built;
  }
}
