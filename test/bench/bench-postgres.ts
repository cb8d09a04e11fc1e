/**
 * PostgreSQL for the benches (`--database-url`): every server a bench starts works in a fresh
 * schema of its own on that database (`statusthing_bench_<random>`, given to the server as
 * `options=-c search_path=…` in its URL), and every schema made is dropped when the bench ends,
 * however it ends (see onFinalCleanup), after its servers have stopped.
 */
import { TestSchemas, redact } from "../helpers/postgres.js";
import { log, onFinalCleanup, UsageError } from "./bench-process.js";

/** What the report says about the database. */
export interface DatabaseInfo {
  /** The URL without its password. */
  url: string;
  version: string;
  fsync: string;
  synchronousCommit: string;
}

/** The --database-url flag: absent, or a postgres:// or postgresql:// URL (else a UsageError). */
export function databaseUrlFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--database-url: want a URL like postgres://user:password@host:5432/database`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") throw new UsageError(`--database-url: want a postgres:// URL, got ${url.protocol}//`);
  if (url.searchParams.has("options")) throw new UsageError("--database-url: the bench sets options=-c search_path=… itself; give a URL without options");
  return value;
}

export class BenchDatabase {
  private readonly schemas: TestSchemas;

  private constructor(readonly url: string) {
    this.schemas = new TestSchemas(url, "statusthing_bench_");
    onFinalCleanup(() => this.schemas.dropAll());
  }

  /** Connects (failing clearly if it cannot) and registers the cleanup. */
  static async open(url: string): Promise<BenchDatabase> {
    const db = new BenchDatabase(url);
    try {
      await db.schemas.admin.query("SELECT 1");
    } catch (error) {
      throw new Error(`cannot reach PostgreSQL at ${redact(url)}: ${(error as Error).message}`);
    }
    return db;
  }

  /** A fresh, empty schema, and the URL that puts a server in it. */
  async freshSchema(): Promise<{ schema: string; url: string }> {
    const schema = await this.schemas.create();
    log(`PostgreSQL schema ${schema} (dropped at the end)`);
    return { schema, url: this.schemas.urlFor(schema) };
  }

  async info(): Promise<DatabaseInfo> {
    const { rows } = await this.schemas.admin.query<{ version: string; fsync: string; synchronous_commit: string }>(
      "SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS synchronous_commit",
    );
    const row = rows[0]!;
    return { url: redact(this.url), version: row.version, fsync: row.fsync, synchronousCommit: row.synchronous_commit };
  }
}
