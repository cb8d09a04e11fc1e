import type { NodeRequest } from "../node-request.js";

/** One cached unary response: the exact bytes and headers a client got for a public read. */
export interface CachedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Largest request body whose answer is cached (reads' requests are tiny). */
const MAX_KEYED_BODY = 16 * 1024;
/** Entries kept per data version; a flood of distinct requests cannot grow it without bound. */
const MAX_ENTRIES = 1_000;

/**
 * A cache of encoded answers to public reads, valid for one data version: any committed write
 * bumps the version, and every entry from before it is stale. During an outage everyone asks the
 * same few questions; this answers them from memory without touching the store or re-encoding.
 * The reads it holds answer the same to every caller allowed to make them, so a signed-in caller
 * shares the entries once access is decided (see `credentialed` and the adapter's `admit`).
 */
export class ReadCache {
  private version = 0;
  private entries = new Map<string, CachedResponse>();
  private entriesVersion = 0;

  constructor(private readonly cacheablePaths: ReadonlySet<string>) {}

  /** Says the data changed: every cached answer is stale. */
  bump(): void {
    this.version++;
  }

  get currentVersion(): number {
    return this.version;
  }

  /**
   * Whether this request's answer may come from, and go into, the cache, by its shape; a caller
   * with credentials must also be admitted (see `credentialed`).
   */
  accepts(path: string, req: NodeRequest): boolean {
    if (req.method !== "POST" || !this.cacheablePaths.has(path)) return false;
    const h = req.headers;
    if (h["connect-content-encoding"] !== undefined) return false;
    const given = h["content-type"];
    // What clients send, as it is; anything else is normalized first ("Application/JSON; charset=utf-8").
    const type = given === "application/json" || given === "application/proto" ? given : (given ?? "").split(";", 1)[0]!.trim().toLowerCase();
    if (type !== "application/json" && type !== "application/proto") return false;
    const length = Number(h["content-length"] ?? NaN);
    return Number.isInteger(length) && length <= MAX_KEYED_BODY;
  }

  /** Whether the request carries credentials, which must be checked before a cached answer is given. */
  static credentialed(req: NodeRequest): boolean {
    return req.headers.authorization !== undefined || req.headers.cookie !== undefined;
  }

  /**
   * The cache key: everything about the request that can change the answer's bytes. Credentials
   * are not in it: an admitted caller gets the answer everyone allowed to read gets.
   */
  key(path: string, req: NodeRequest, body: Buffer): string {
    const h = req.headers;
    return `${path}\0${h["content-type"] ?? ""}\0${h["accept-encoding"] ?? ""}\0${h["connect-protocol-version"] ?? ""}\0${body.toString("latin1")}`;
  }

  get(key: string): CachedResponse | undefined {
    return this.entriesVersion === this.version ? this.entries.get(key) : undefined;
  }

  /** Stores an answer computed at `version`, unless the data changed meanwhile. */
  set(key: string, version: number, response: CachedResponse): void {
    if (version !== this.version) return;
    if (this.entriesVersion !== version || this.entries.size >= MAX_ENTRIES) {
      this.entries = new Map();
      this.entriesVersion = version;
    }
    this.entries.set(key, response);
  }
}
