import { Code, ConnectError } from "@connectrpc/connect";
import type { Subscriber } from "$shared/gen/statusthing/v1/subscriptions_pb.js";
import type { AdminClients } from "./clients.js";
import { explainError, type Explained } from "./errors.js";
import type { AdminSession } from "./session.svelte.js";

/** How many subscribers a page of the list holds, and at most (ListSubscribers' limits). */
const PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 200;

/**
 * The admin's view of the subscribers: the counts, one search, and the pages fetched so far.
 * Fetched, not live (no stream carries subscribers): `reload` asks again for as many as are shown,
 * and an answer to an older question (a search typed since, a slower poll) is dropped.
 */
export class SubscriberList {
  subscribers = $state.raw<readonly Subscriber[]>([]);
  confirmed = $state(0);
  pending = $state(0);
  loaded = $state(false);
  busy = $state(false);
  /** Why the last fetch failed; undefined after one that worked. */
  error = $state.raw<Explained | undefined>(undefined);

  #query = "";
  #next = "";
  #asked = 0;
  readonly #clients: AdminClients;
  readonly #session: AdminSession;

  constructor(clients: AdminClients, session: AdminSession) {
    this.#clients = clients;
    this.#session = session;
  }

  /** The search the list shows; empty for all. */
  get query(): string {
    return this.#query;
  }

  /** Whether the server has more for this search than is shown. */
  get more(): boolean {
    return this.#next !== "";
  }

  /** Whether the server runs without mail settings (reason EMAIL_NOT_CONFIGURED). */
  get notConfigured(): boolean {
    return this.error?.reason === "EMAIL_NOT_CONFIGURED";
  }

  /** Shows the addresses containing `query`, from the first page. */
  search = async (query: string): Promise<void> => {
    this.#query = query.trim();
    this.subscribers = [];
    this.#next = "";
    await this.#fetch(PAGE_SIZE, "", false);
  };

  /**
   * Asks again for the first pages, as many subscribers as are shown (at least one page). Past
   * the most one call returns, the first ones are renewed and the rest kept as they were.
   */
  reload = async (): Promise<void> => {
    await this.#fetch(Math.min(MAX_PAGE_SIZE, Math.max(PAGE_SIZE, this.subscribers.length)), "", false);
  };

  /** Fetches the next page and adds it below. */
  loadMore = async (): Promise<void> => {
    if (this.#next !== "") await this.#fetch(PAGE_SIZE, this.#next, true);
  };

  async #fetch(pageSize: number, pageToken: string, append: boolean): Promise<void> {
    const asked = ++this.#asked;
    this.busy = true;
    try {
      const answer = await this.#clients.subscriptions.listSubscribers({ query: this.#query, pageSize, pageToken });
      if (asked !== this.#asked) return;
      const shown = this.subscribers;
      const fresh = new Set(answer.subscribers.map((s) => s.id));
      // More shown than one call returns: keep the tail (and where the next page starts).
      const tail =
        !append && pageToken === "" && shown.length > answer.subscribers.length && answer.nextPageToken !== ""
          ? shown.slice(answer.subscribers.length).filter((s) => !fresh.has(s.id))
          : [];
      if (append) this.subscribers = [...shown, ...answer.subscribers.filter((s) => !shown.some((old) => old.id === s.id))];
      else this.subscribers = [...answer.subscribers, ...tail];
      this.confirmed = answer.confirmed;
      this.pending = answer.pending;
      if (tail.length === 0) this.#next = answer.nextPageToken;
      this.loaded = true;
      this.error = undefined;
    } catch (error) {
      if (asked !== this.#asked) return;
      this.error = explainError(error, { noun: "subscriber" });
      if (ConnectError.from(error).code === Code.Unauthenticated) this.#session.expired();
    } finally {
      if (asked === this.#asked) this.busy = false;
    }
  }
}
