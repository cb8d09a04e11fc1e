import { statSync } from "node:fs";

/** A file's identity on disk: the same path can later name another file (deleted and recreated, or replaced). */
interface FileIdentity {
  dev: number;
  ino: number;
}

function identify(path: string): FileIdentity | undefined {
  const stat = statSync(path, { throwIfNoEntry: false });
  return stat && { dev: stat.dev, ino: stat.ino };
}

/** Whether `path` names a database file on disk (not ":memory:" or "", SQLite's private temporary database). */
function isOnDisk(path: string): boolean {
  return path !== "" && path !== ":memory:";
}

/**
 * Checks a SQLite database path before it is opened. Returns whether opening it creates a new,
 * empty database (no file, or an empty one), so the caller can say so: a fresh database where
 * one was expected means a new admin with the default password. Throws when the WAL or shared
 * memory file is there without the database file: the database was deleted or moved, and
 * opening the path would start afresh over the remains of the old one.
 */
export function inspectBeforeOpen(path: string): { creates: boolean } {
  if (!isOnDisk(path)) return { creates: true };
  const main = statSync(path, { throwIfNoEntry: false });
  if (!main) {
    const orphans = ["-wal", "-shm"].map((suffix) => `${path}${suffix}`).filter((sidecar) => identify(sidecar));
    if (orphans.length > 0) {
      throw new Error(
        `${orphans.join(" and ")} ${orphans.length === 1 ? "exists" : "exist"} but the database file ${path} does not: it was deleted or moved. ` +
          `Restore it (e.g. from a backup), or delete ${orphans.join(" and ")} to start with a new, empty database.`,
      );
    }
    return { creates: true };
  }
  return { creates: main.size === 0 };
}

/**
 * Watches an open database's files for being deleted or replaced underneath the server. SQLite
 * keeps writing into an open file that no longer has a name, so writes would be acknowledged
 * and then lost at the next start (which would create a fresh database). It remembers the
 * identity of the database file (and its WAL file, if there is one) at open, and compares the
 * path with it whenever asked; once they differ, the database stays lost for good, even if a
 * file reappears at the path (it is not the one this process has open).
 */
export class DatabaseFileWatch {
  private readonly files: Array<{ path: string; identity: FileIdentity }>;
  private lost: string | undefined;

  /** Call right after opening `path` (and switching it to WAL mode). */
  constructor(path: string) {
    this.files = [];
    if (!isOnDisk(path)) return;
    for (const file of [path, `${path}-wal`]) {
      const identity = identify(file);
      if (identity) this.files.push({ path: file, identity });
    }
  }

  /** Whether the loss was already found (by an earlier `check`). */
  get isLost(): boolean {
    return this.lost !== undefined;
  }

  /** Checks the files now. Returns what happened to them (once found, always), or undefined while they are in place. */
  check(): string | undefined {
    if (this.lost !== undefined) return this.lost;
    for (const { path, identity } of this.files) {
      const now = identify(path);
      if (!now) this.lost = `the database file ${path} was deleted while the server was running`;
      else if (now.dev !== identity.dev || now.ino !== identity.ino) this.lost = `the database file ${path} was replaced by another file while the server was running`;
      if (this.lost !== undefined) return this.lost;
    }
    return undefined;
  }
}
