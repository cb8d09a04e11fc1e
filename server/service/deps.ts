import type { Store } from "../store/store.js";

/**
 * What every domain service needs: the store and a clock. (Publishing after a commit is the
 * store's: see `Store.onCommit`.)
 */
export interface ServiceDeps {
  store: Store;
  now: () => Date;
}
