import type { Transport } from "@connectrpc/connect";
import type { Item } from "$shared/gen/statusthing/v1/types_pb.js";
import type { PageAt } from "./page-at.svelte.js";

/**
 * Time travel (`?at=`) for a live page, loaded only when a page asks for the past: most visits
 * never do, so GetPageAt's client and the HistoryService descriptors are not part of the first
 * download of / or /display. `past` is the PageAt once loaded (for TimeTravelBanner).
 */
export class TimeTravel {
  #past = $state.raw<PageAt | undefined>(undefined);
  #error = $state<string | undefined>(undefined);
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  get past(): PageAt | undefined {
    return this.#past;
  }
  get loaded(): boolean {
    return this.#past?.loaded ?? this.#error !== undefined;
  }
  get items(): readonly Item[] {
    return this.#past?.items ?? [];
  }
  /** Why the past could not be shown: its code failed to load (GetPageAt's own errors are `past.error`). */
  get error(): string | undefined {
    return this.#error;
  }

  /** Shows the page at `at` (see PageAt.load). */
  async load(at: number): Promise<void> {
    if (!this.#past) {
      try {
        const { PageAt } = await import("./page-at.svelte.js");
        this.#past ??= new PageAt(this.#transport);
        this.#error = undefined;
      } catch (error) {
        this.#error = error instanceof Error ? error.message : String(error);
        return;
      }
    }
    await this.#past.load(at);
  }
}
