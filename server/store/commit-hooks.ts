/**
 * The listeners of a store's commits (`Store.onCommit`): the write queues call `run` once after
 * each commit that logged changes, before the writes' promises settle, so whoever awaits a
 * write finds caches already invalidated and the change feed already woken.
 */
export class CommitHooks {
  private readonly listeners = new Set<() => void>();

  constructor(
    /** Where a listener's failure is reported; it never fails the write, which has committed. */
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {}

  /** Adds `listener`; returns how to remove it. */
  add(listener: () => void): () => void {
    // Wrapped, so the same function added twice is called twice and removed once per call.
    const entry = () => listener();
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Calls every listener (after a commit). */
  run(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
