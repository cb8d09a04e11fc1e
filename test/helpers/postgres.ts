import { randomBytes } from "node:crypto";
import pg from "pg";
import { PostgresStore, type PostgresStoreOptions } from "../../server/store/postgres/postgres-store.js";

/**
 * The PostgreSQL the tests use: STATUSTHING_TEST_DATABASE_URL (`.ci/run` sets it), or outside
 * CI the local server. Each test works in a schema of its own, dropped afterwards.
 */
export const TEST_DATABASE_URL: string | undefined =
  process.env.STATUSTHING_TEST_DATABASE_URL || (process.env.CI === "true" ? undefined : "postgres://postgres@127.0.0.1:5432/test");

/** Whether PostgreSQL answers at TEST_DATABASE_URL: undefined if it does, else why not. */
export async function postgresUnavailable(): Promise<string | undefined> {
  if (!TEST_DATABASE_URL) return "STATUSTHING_TEST_DATABASE_URL is not set";
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return undefined;
  } catch (error) {
    return `cannot reach PostgreSQL at ${redact(TEST_DATABASE_URL)}: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
}

/** A login role made for one test (see `TestSchemas.createRole`). */
export interface TestRole {
  name: string;
  password: string;
}

/**
 * Test schemas on the test database: each `create()` makes a fresh, empty one with a random
 * name; `dropAll()` drops every one made, then every role `createRole()` made. One small pool
 * does the admin work.
 */
export class TestSchemas {
  readonly admin: pg.Pool;
  private readonly made = new Set<string>();
  private readonly roles = new Set<string>();

  constructor(
    readonly url: string = TEST_DATABASE_URL!,
    /** How the names of the schemas and roles made here start. */
    private readonly prefix = "st_test_",
  ) {
    this.admin = new pg.Pool({ connectionString: url, max: 2 });
    this.admin.on("error", () => {});
  }

  async create(): Promise<string> {
    const name = `${this.prefix}${randomBytes(6).toString("hex")}`;
    await this.admin.query(`CREATE SCHEMA ${name}`);
    this.made.add(name);
    return name;
  }

  /**
   * The URL a server is given (`--database-url`) to work in `schema`: the test URL with
   * `options=-c search_path=<schema>` (after any options it has), and `as` a role if given.
   */
  urlFor(schema: string, as?: TestRole): string {
    const url = new URL(this.url);
    const options = url.searchParams.get("options");
    url.searchParams.set("options", `${options ? `${options} ` : ""}-c search_path=${schema}`);
    if (as) {
      url.username = as.name;
      url.password = as.password;
    }
    return url.toString();
  }

  /**
   * A new login role (not a superuser) that owns `schema`, so a server connecting as it can
   * migrate and use the schema; dropped by `dropAll()`. Tests use it to tell one replica's
   * connections from another's, and to refuse its new connections (`ALTER ROLE … NOLOGIN`).
   */
  async createRole(schema: string): Promise<TestRole> {
    const role = { name: `${this.prefix}role_${randomBytes(4).toString("hex")}`, password: randomBytes(12).toString("hex") };
    // The password matters only where the server asks for one (not with trust authentication).
    await this.admin.query(`CREATE ROLE ${role.name} LOGIN PASSWORD '${role.password}'`);
    this.roles.add(role.name);
    await this.admin.query(`ALTER SCHEMA ${schema} OWNER TO ${role.name}`);
    return role;
  }

  async drop(name: string): Promise<void> {
    await this.admin.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
    this.made.delete(name);
  }

  /** A store on `schema`: another replica, if one is already open there. */
  open(schema: string, options: Partial<PostgresStoreOptions> = {}): Promise<PostgresStore> {
    return PostgresStore.open({ connectionString: this.url, schema, poolSize: 4, ...options });
  }

  async dropAll(): Promise<void> {
    for (const name of [...this.made]) await this.drop(name);
    // A role can be dropped once nothing it owns is left: its schemas went just above.
    for (const role of [...this.roles]) {
      await this.admin.query(`DROP ROLE IF EXISTS ${role}`);
      this.roles.delete(role);
    }
    await this.admin.end();
  }
}
