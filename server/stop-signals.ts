/** What SIGTERM and SIGINT ask for: one graceful stop, noticed whenever it comes. */
export interface StopSignals {
  /** The signal, once one came. */
  readonly received: NodeJS.Signals | undefined;
  /** Settles with the first signal. */
  readonly next: Promise<NodeJS.Signals>;
}

/**
 * Listens for SIGTERM and SIGINT. Installed before anything starts, so a signal during start-up
 * or just after "listening" stops the server gracefully instead of killing it; and once one came,
 * the process exits within `hardDeadlineMs` whatever happens (`onDeadline` says so, then it exits 1).
 * A second signal exits at once (code 1), as a second Ctrl-C is meant to.
 */
export function listenForStopSignals(hardDeadlineMs: number, onDeadline: () => void): StopSignals {
  let received: NodeJS.Signals | undefined;
  let resolve!: (signal: NodeJS.Signals) => void;
  const next = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) process.exit(1);
    received = signal;
    setTimeout(() => {
      onDeadline();
      process.exit(1);
    }, hardDeadlineMs).unref();
    resolve(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return {
    get received() {
      return received;
    },
    next,
  };
}
