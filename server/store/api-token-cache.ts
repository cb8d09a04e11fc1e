import type { ApiTokenRecord, UserRecord } from "../domain.js";

/** An API token found by its secret's hash, with its owner. */
export interface FoundToken {
  token: ApiTokenRecord;
  user: UserRecord;
}

export interface ApiTokenCacheOptions {
  /**
   * Asked before each lookup: whether what the cache holds may still be trusted, i.e. no other
   * process can have changed users or tokens unseen. False drops everything and reads the
   * database without keeping the answer.
   */
  trusted: () => boolean;
  /** The most tokens kept; the oldest entry goes first. */
  limit?: number;
  /** How long an entry is kept at most (a backstop for a change announcement that never came). */
  maxAgeMs?: number;
  now?: () => number;
}

const DEFAULT_LIMIT = 10_000;

/**
 * The API tokens in use, by secret hash, so that a signed-in call does not read the database
 * to learn who it is (a join per call, ~20 µs under write load on SQLite). Only tokens found are
 * kept: a flood of bad tokens reads the database each time but cannot grow memory. The store
 * drops entries on every change it makes to users or tokens (`clear`, `touched`), and `trusted`
 * tells it about changes made by other processes. Entries are frozen: every caller shares them.
 */
export class ApiTokenCache {
  private readonly entries = new Map<string, { found: FoundToken; at: number }>();
  /** Bumped by each clear, so a read that began before a change cannot store what it read. */
  private generation = 0;
  private readonly limit: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ApiTokenCacheOptions) {
    this.limit = options.limit ?? DEFAULT_LIMIT;
    this.maxAgeMs = options.maxAgeMs ?? Infinity;
    this.now = options.now ?? Date.now;
  }

  /** The token with this secret hash: from memory when it may be, else from `read` (kept if found). */
  async find(secretHash: string, read: () => Promise<FoundToken | undefined> | FoundToken | undefined): Promise<FoundToken | undefined> {
    if (!this.options.trusted()) {
      this.clear();
      return read();
    }
    const entry = this.entries.get(secretHash);
    const now = this.now();
    if (entry && now - entry.at < this.maxAgeMs) return entry.found;
    const generation = this.generation;
    const found = await read();
    if (found && generation === this.generation) this.keep(secretHash, found, now);
    return found;
  }

  /** Forgets everything: users or tokens changed. */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /**
   * Records a token's use in the entries holding it, at once: calls arriving while the write
   * is under way then see it, and do not each write it again.
   */
  touched(tokenId: string, at: Date): void {
    for (const entry of this.entries.values()) {
      if (entry.found.token.id === tokenId) entry.found = { token: Object.freeze({ ...entry.found.token, lastUsed: at }), user: entry.found.user };
    }
  }

  /** How many tokens are kept (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private keep(secretHash: string, found: FoundToken, at: number): void {
    this.entries.delete(secretHash);
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(secretHash, { found: Object.freeze({ token: Object.freeze(found.token), user: Object.freeze(found.user) }), at });
  }
}
