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
  /** The response headers it goes out with, made once by whoever serves it (see read-endpoints.ts). */
  headers?: { full: Record<string, string>; notModified: Record<string, string> };
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
  /** The documents of `entries` already built, for an answer without waiting on a promise. */
  private ready = new Map<string, unknown>();

  /** Says the data changed: every built document is stale. */
  bump(): void {
    this.entries = new Map();
    this.ready = new Map();
  }

  /**
   * The document under `key` at the current version, built by `build` if it is not there. Keys
   * of different kinds of document (T) must differ: a key holds one kind.
   */
  get<T = BuiltDocument>(key: string, build: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(key) as Promise<T> | undefined;
    if (cached) return cached;
    if (this.entries.size >= MAX_ENTRIES) {
      this.entries = new Map();
      this.ready = new Map();
    }
    const { entries, ready } = this;
    const built = build();
    entries.set(key, built);
    built.then(
      (document) => {
        if (entries.get(key) === built) ready.set(key, document);
      },
      // A failed build is not kept: the next request tries again.
      () => {
        if (entries.get(key) === built) entries.delete(key);
      },
    );
    return built;
  }

  /** The document under `key` if it is built already at the current version (see `get`). */
  peek<T = BuiltDocument>(key: string): T | undefined {
    return this.ready.get(key) as T | undefined;
  }
}
