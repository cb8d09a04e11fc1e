import type { LogEntry } from "./change-codec.js";

/** A listener of a store's commits: told the changes the commit logged, in revision order. */
export type CommitListener = (committed: readonly LogEntry[]) => void;

/**
 * The listeners of a store's commits (`Store.onCommit`): the write queues call `run` once after
 * each commit that logged changes, with those changes, before the writes' promises settle, so
 * whoever awaits a write finds caches already invalidated and the change feed already fed.
 */
export class CommitHooks {
  private readonly listeners = new Set<CommitListener>();

  constructor(
    /** Where a listener's failure is reported; it never fails the write, which has committed. */
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {}

  /** Adds `listener`; returns how to remove it. */
  add(listener: CommitListener): () => void {
    // Wrapped, so the same function added twice is called twice and removed once per call.
    const entry: CommitListener = (committed) => listener(committed);
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Calls every listener (after a commit) with the changes it logged, in revision order. */
  run(committed: readonly LogEntry[]): void {
    for (const listener of this.listeners) {
      try {
        listener(committed);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
