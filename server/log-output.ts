import { pino } from "pino";

/** Bytes of log lines held for a reader that is not keeping up; past this, lines are dropped. */
const MAX_PENDING_LOG_BYTES = 16 * 1024 * 1024;

/** The server's log output on stdout, and how to finish it without ever waiting forever. */
export interface LogOutput {
  readonly stream: ReturnType<typeof pino.destination>;
  /**
   * Writes what is pending, for at most `withinMs`, then stops logging. Exit may follow at once:
   * nothing is flushed at exit, where a stalled or vanished reader would hang the process.
   */
  finish(withinMs: number): Promise<void>;
}

/**
 * Log lines to stdout, written asynchronously so a slow reader never blocks the server. Whatever
 * reads stdout may stall or go away at any time (a closed pipe, a stopped pager): a write error
 * (EPIPE) means "stop logging", a stall means lines are held up to a bound, then dropped.
 */
export function createLogOutput(fd = 1): LogOutput {
  let finishing = false;
  const stream = pino.destination({
    dest: fd,
    sync: false,
    maxLength: MAX_PENDING_LOG_BYTES,
    // Once finishing, a full pipe is not waited on (sonic-boom would retry every 100 ms).
    retryEAGAIN: () => !finishing,
  });
  let stopped = false;
  const stopLogging = () => {
    stopped = true;
    stream.write = () => true;
    stream.flushSync = () => {};
  };
  stream.on("error", stopLogging);
  // pino flushes synchronously at exit, and that flush retries a closed pipe (EPIPE) every 100 ms
  // forever: never at exit. finish() is the one way out, and it is bounded.
  stream.flushSync = () => {};
  return {
    stream,
    finish(withinMs) {
      finishing = true;
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, withinMs);
        function done() {
          clearTimeout(timer);
          stopLogging();
          resolve();
        }
        // Ending writes what is pending, then says "close" (stdout itself stays open).
        stream.once("close", done);
        stream.once("error", done);
        try {
          stream.end();
        } catch {
          done();
        }
      });
    },
  };
}
