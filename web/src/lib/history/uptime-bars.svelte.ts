import { createClient, type Transport } from "@connectrpc/connect";
import { HistoryService } from "$shared/gen/statusthing/v1/history_pb.js";
import type { Item } from "$shared/gen/statusthing/v1/types_pb.js";
import { localDay } from "$shared/history/zoned-days.js";
import { toMs } from "../format/time.js";
import { barsAsOf, itemDaysFrom, withKindSeen, type DayBar, type ItemDays } from "./uptime-days.js";

/** Days of bars the page shows (30 of them on a phone). */
export const BAR_DAYS = 90;

/**
 * The 90-day uptime bars of the public page: one GetUptime when the page opens (and again when
 * the day turns or an item appears), then kept current from the items the page's one live
 * stream already delivers: a status change moves today's bar at once, with no new request.
 */
export class UptimeBars {
  #days = $state.raw<ReadonlyMap<string, ItemDays>>(new Map());
  #timeZone = $state("UTC");
  #loaded = $state(false);
  #loading = false;
  readonly #client;

  constructor(transport: Transport) {
    this.#client = createClient(HistoryService, transport);
  }

  /** Whether the first answer has arrived. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** The page's time zone, whose calendar days the bars are. */
  get timeZone(): string {
    return this.#timeZone;
  }

  /** Asks the server for every item's days; items' current kinds start the live part. */
  async load(items: readonly Item[]): Promise<void> {
    if (this.#loading) return;
    this.#loading = true;
    try {
      const response = await this.#client.getUptime({ days: BAR_DAYS });
      const kinds = new Map(items.map((item) => [item.id, item.status?.kind ?? 0]));
      this.#days = itemDaysFrom(response, (id) => kinds.get(id));
      this.#timeZone = response.timeZone || "UTC";
      this.#loaded = true;
    } catch {
      // The bars are extra: without them the page still says how things are now.
    } finally {
      this.#loading = false;
    }
  }

  /**
   * Takes in the items as the live stream has them: a changed kind extends today's bar from the
   * moment of the change; an item the bars do not know yet, or a new day, asks the server again.
   */
  observe(items: readonly Item[], now: number): void {
    if (!this.#loaded) return;
    let next: Map<string, ItemDays> | undefined;
    let unknown = false;
    for (const item of items) {
      const days = this.#days.get(item.id);
      if (!days) {
        unknown = true;
        continue;
      }
      const seen = withKindSeen(days, item.status?.kind ?? 0, toMs(item.timestamps?.updated) ?? now);
      if (seen !== days) (next ??= new Map(this.#days)).set(item.id, seen);
    }
    if (next) this.#days = next;
    const anyDays = this.#days.values().next().value;
    const turned = anyDays !== undefined && anyDays.days.at(-1)?.date !== localDay(now, this.#timeZone);
    if (unknown || turned) void this.load(items);
  }

  /**
   * An item's bars as of `now` (or just after its latest change, if that is later: the page
   * passes a time that moves once a minute, and a change must show at once), or undefined while unknown.
   */
  barsOf(item: Item, now: number): DayBar[] | undefined {
    const days = this.#days.get(item.id);
    return days && barsAsOf(days, item, this.#timeZone, Math.max(now, (days.steps.at(-1)?.at ?? 0) + 1));
  }
}
