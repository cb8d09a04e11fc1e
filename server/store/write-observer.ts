/**
 * Told about each group commit a store runs: how many writes it carried and how long it took
 * from BEGIN to COMMIT, in seconds. It must not throw; `/metrics` counts with it.
 */
export type WriteBatchObserver = (writes: number, seconds: number) => void;
