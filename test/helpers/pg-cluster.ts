/**
 * A PostgreSQL cluster of a test's own: its own data directory and port, so the test can stop
 * and start the database server under a running StatusThing without disturbing the shared test
 * database. Built with the server's own tools (initdb, pg_ctl); as root they run as the
 * `postgres` user, since PostgreSQL refuses to run as root.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The directory with initdb and pg_ctl of the newest installed PostgreSQL, or why there is none. */
export function postgresTools(): { bin: string } | { missing: string } {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "pg_ctl"))) : [];
  if (versions.length === 0) return { missing: `no PostgreSQL server tools (initdb, pg_ctl) under ${root}/*/bin` };
  versions.sort((a, b) => Number(b) - Number(a));
  return { bin: join(root, versions[0]!, "bin") };
}

/** A free TCP port on 127.0.0.1 (free when asked; the cluster binds it a moment later). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export class PgCluster {
  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    /** The port it listens on, on 127.0.0.1. */
    readonly port: number,
  ) {}

  /** The URL of its `postgres` database, as the `postgres` user (trust authentication). */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Creates the cluster in a fresh temporary directory and starts it. */
  static async create(bin: string): Promise<PgCluster> {
    const dir = mkdtempSync(join(tmpdir(), "statusthing-pg-"));
    const cluster = new PgCluster(bin, dir, await freePort());
    if (process.getuid?.() === 0) {
      const { stdout } = await run("id", ["-u", "postgres"]);
      const { stdout: gid } = await run("id", ["-g", "postgres"]);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await cluster.tool("initdb", ["-D", cluster.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    await cluster.start();
    return cluster;
  }

  private get data(): string {
    return join(this.dir, "data");
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    // fsync off: the test is about availability, not durability, and the machine is shared.
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${this.dir} -c fsync=off`;
    await this.tool("pg_ctl", ["-D", this.data, "-o", options, "-l", join(this.dir, "log"), "-w", "-t", "60", "start"]);
  }

  /** Stops the server (fast shutdown: open sessions are terminated) and waits until it is down. */
  async stop(): Promise<void> {
    await this.tool("pg_ctl", ["-D", this.data, "-m", "fast", "-w", "-t", "60", "stop"]);
  }

  /** Stops the server if it runs and deletes the directory. */
  async destroy(): Promise<void> {
    await this.stop().catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async tool(name: string, args: string[]): Promise<void> {
    const path = join(this.bin, name);
    if (process.getuid?.() === 0) await run("runuser", ["-u", "postgres", "--", path, ...args]);
    else await run(path, args);
  }
}
