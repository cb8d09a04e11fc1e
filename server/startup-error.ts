/**
 * One line saying why the server could not start, for stderr: what it was doing, and the cause
 * in words (the system error code names it for a search), never a stack trace.
 */
export function describeStartupError(step: string, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const reason = typeof code === "string" ? REASONS[code] : undefined;
  return `statusthing: ${step}: ${reason ? `${reason} (${code})` : message.split("\n", 1)[0]}`;
}

/** Plain words for the system errors start-up meets most. */
const REASONS: Record<string, string> = {
  EADDRINUSE: "the address is already in use (is another server running on that port?)",
  EACCES: "permission denied (ports below 1024 need privileges; files need read and write access)",
  EPERM: "operation not permitted",
  EADDRNOTAVAIL: "this machine has no such address",
  ENOTFOUND: "unknown host name",
  EAI_AGAIN: "the host name could not be resolved",
  ECONNREFUSED: "connection refused (is the database running, and on that port?)",
  ETIMEDOUT: "timed out",
  ENOENT: "no such file or directory",
  EROFS: "the file system is read-only",
  SQLITE_CANTOPEN: "cannot open the database file (does its folder exist, and may this user write there?)",
  SQLITE_NOTADB: "the file is not a SQLite database",
  SQLITE_READONLY: "the database file is read-only",
  "28P01": "the database refused the password",
  "28000": "the database refused this user",
  "3D000": "no such database",
};
