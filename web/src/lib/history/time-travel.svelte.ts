import type { Transport } from "@connectrpc/connect";
import type { Item } from "$shared/gen/statusthing/v1/types_pb.js";
import type { PageAt } from "./page-at.svelte.js";

/**
 * Time travel (`?at=`) for a live page, loaded only when a page asks for the past: most visits
 * never do, so GetPageAt's client and the HistoryService descriptors are not part of the first
 * download of / or /display. `past` is the PageAt once loaded (for TimeTravelBanner); until then
 * the page is not loaded, and a load whose code could not be fetched is tried again by the next.
 */
export class TimeTravel {
  #past = $state.raw<PageAt | undefined>(undefined);
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  get past(): PageAt | undefined {
    return this.#past;
  }
  get loaded(): boolean {
    return this.#past?.loaded ?? false;
  }
  get items(): readonly Item[] {
    return this.#past?.items ?? [];
  }

  /** Shows the page at `at` (see PageAt.load). */
  async load(at: number): Promise<void> {
    const { PageAt } = await import("./page-at.svelte.js");
    this.#past ??= new PageAt(this.#transport);
    await this.#past.load(at);
  }
}
