import { createClient, type Transport } from "@connectrpc/connect";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { HistoryService } from "$shared/gen/statusthing/v1/history_pb.js";
import type { Item } from "$shared/gen/statusthing/v1/types_pb.js";
import { toMs } from "../format/time.js";

/**
 * The page as it was at one instant (time travel, `?at=`): one GetPageAt, and where that sits
 * among the changes, so the page can step to the change before or after.
 */
export class PageAt {
  #items = $state.raw<readonly Item[]>([]);
  #loaded = $state(false);
  #error = $state<string | undefined>(undefined);
  #revisionTime = $state<number | undefined>(undefined);
  #nextChangeTime = $state<number | undefined>(undefined);
  #asked = 0;
  readonly #client;

  constructor(transport: Transport) {
    this.#client = createClient(HistoryService, transport);
  }

  get items(): readonly Item[] {
    return this.#items;
  }
  get loaded(): boolean {
    return this.#loaded;
  }
  get error(): string | undefined {
    return this.#error;
  }
  /** When the change the page shows happened (undefined: before the first change). */
  get revisionTime(): number | undefined {
    return this.#revisionTime;
  }
  /** When the next change came (undefined: none since). */
  get nextChangeTime(): number | undefined {
    return this.#nextChangeTime;
  }

  /** Shows the page at `at`; a later call wins over an earlier one still under way. */
  async load(at: number): Promise<void> {
    const asked = ++this.#asked;
    try {
      const response = await this.#client.getPageAt({ at: timestampFromMs(at), extended: true });
      if (asked !== this.#asked) return;
      this.#items = response.items;
      this.#revisionTime = toMs(response.revisionTime);
      this.#nextChangeTime = toMs(response.nextChangeTime);
      this.#error = undefined;
    } catch (error) {
      if (asked !== this.#asked) return;
      this.#error = error instanceof Error ? error.message : String(error);
    } finally {
      if (asked === this.#asked) this.#loaded = true;
    }
  }
}
