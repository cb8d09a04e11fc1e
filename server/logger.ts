import { pino, type Logger, type LevelWithSilent, type DestinationStream } from "pino";

export type { Logger };

/** The log levels a user may choose with `--log-level`. */
export const LOG_LEVELS: readonly LevelWithSilent[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/** Loggers made by createLogger: their lines have a known shape (see `plainLineStream`). */
const plainLoggers = new WeakSet<Logger>();

let timeMs = NaN;
let timeField = "";

/**
 * pino's `isoTime` (`,"time":"<ISO 8601>"`), formatted once per millisecond: a busy server
 * writes several lines in the same one, and formatting a date costs more than a line's fields.
 */
export function isoTimeField(): string {
  const now = Date.now();
  if (now !== timeMs) {
    timeMs = now;
    timeField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return timeField;
}

/**
 * Creates the JSON logger: one object per line on stdout (or `destination`).
 * Secrets never reach it: request logs carry method, path, code and duration only.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const logger = pino(
    {
      level,
      base: { service: "statusthing" },
      timestamp: isoTimeField,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  plainLoggers.add(logger);
  return logger;
}

/**
 * The stream a logger made by createLogger writes to, for a caller that formats its own lines
 * as pino would (`{"level":"info"` + isoTimeField() + `,"service":"statusthing",…,"msg":…}`);
 * undefined for any other logger (a child, one of an embedding app's), which must be called.
 */
export function plainLineStream(log: Logger): { write(line: string): unknown } | undefined {
  return plainLoggers.has(log) ? (log as unknown as Record<symbol, { write(line: string): unknown }>)[pino.symbols.streamSym] : undefined;
}
