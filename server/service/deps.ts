import type { Store } from "../store/store.js";

/** What every domain service needs: the store, a clock, and a hook called after each commit. */
export interface ServiceDeps {
  store: Store;
  now: () => Date;
  /** Called after a write has committed (never before), e.g. to invalidate caches. */
  afterCommit: () => void;
}
