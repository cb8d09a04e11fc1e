import { pino, type Logger, type LevelWithSilent, type DestinationStream } from "pino";

export type { Logger };

/** The log levels a user may choose with `--log-level`. */
export const LOG_LEVELS: readonly LevelWithSilent[] = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/**
 * Creates the JSON logger: one object per line on stdout (or `destination`).
 * Secrets never reach it: request logs carry method, path, code and duration only.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "statusthing" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
