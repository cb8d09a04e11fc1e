import { Action } from "./action.svelte.js";
import type { Subject } from "./errors.js";
import type { AdminSession } from "./session.svelte.js";

/**
 * A list fetched from the server, not live: fetched when a page opens and again after each change
 * made there. Once a fetch has worked the list stays shown, even when a later one fails.
 */
export class FetchedList<T> {
  items = $state.raw<readonly T[]>([]);
  loaded = $state(false);

  readonly #loading: Action;
  readonly #fetch: () => Promise<readonly T[]>;

  constructor(subject: Subject, session: AdminSession, fetch: () => Promise<readonly T[]>) {
    this.#loading = new Action(subject, session);
    this.#fetch = fetch;
  }

  /** Why the last fetch failed, in words; undefined while none has. */
  get error() {
    return this.#loading.error;
  }

  /** Fetches the list again. An arrow, so that it can be handed to onMount and onclick as it is. */
  reload = async (): Promise<void> => {
    const items = await this.#loading.run(this.#fetch);
    if (items) {
      this.items = items;
      this.loaded = true;
    }
  };
}
