import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { isRefusal } from "../live/refusal.js";
import type { Incident, Maintenance } from "../../../../shared/gen/statusthing/v1/incidents_pb.js";
import { IncidentFilter, IncidentsService, MaintenanceFilter } from "../../../../shared/gen/statusthing/v1/incidents_service_pb.js";
import { toMs } from "../format/time.js";
import { addMonths, monthOf, monthStart, monthsEnding, type MonthKey } from "./months.js";

/** Months on one page of history. */
export const MONTHS_PER_PAGE = 3;
/** Pages of 100 asked for per list before the page says it shows only part of a month. */
const MAX_PAGES = 10;

/** One month of history: its incidents (newest first) and its ended maintenance windows. */
export interface HistoryMonth {
  readonly month: MonthKey;
  readonly incidents: readonly Incident[];
  readonly maintenances: readonly Maintenance[];
}

/**
 * A page of `/history`: the incidents opened and the maintenance windows that started in a few
 * months, grouped by month in the reader's zone. Asks `ListIncidents` and `ListMaintenance` for
 * that time range, following their page tokens.
 */
export class HistoryPage {
  months = $state.raw<readonly HistoryMonth[]>([]);
  phase = $state<"loading" | "loaded" | "private" | "failed">("loading");
  /** Set when a list had more than this page could hold. */
  truncated = $state(false);
  readonly #client;
  #request = 0;

  constructor(transport: Transport) {
    this.#client = createClient(IncidentsService, transport);
  }

  async load(newest: MonthKey): Promise<void> {
    const request = ++this.#request;
    this.phase = "loading";
    const keys = monthsEnding(newest, MONTHS_PER_PAGE);
    const from = monthStart(keys.at(-1)!);
    const to = monthStart(addMonths(newest, 1));
    const range = { from: timestampFromMs(from), to: timestampFromMs(to), pageSize: 100 };
    try {
      let truncated = false;
      const incidents: Incident[] = [];
      let token = "";
      for (let n = 0; n < MAX_PAGES; n++) {
        const response = await this.#client.listIncidents({ ...range, filter: IncidentFilter.ALL, pageToken: token });
        incidents.push(...response.incidents);
        token = response.nextPageToken;
        if (!token) break;
      }
      truncated ||= token !== "";
      const maintenances: Maintenance[] = [];
      token = "";
      for (let n = 0; n < MAX_PAGES; n++) {
        const response = await this.#client.listMaintenance({ ...range, filter: MaintenanceFilter.PAST, pageToken: token });
        maintenances.push(...response.maintenances);
        token = response.nextPageToken;
        if (!token) break;
      }
      truncated ||= token !== "";
      if (request !== this.#request) return;
      // Each belongs to the month it began in; one that began earlier is shown on its own month's page.
      this.months = keys.map((month) => ({
        month,
        incidents: incidents.filter((incident) => monthOf(toMs(incident.timestamps?.created) ?? 0) === month),
        maintenances: maintenances.filter((window) => monthOf(toMs(window.startsAt) ?? 0) === month),
      }));
      this.truncated = truncated;
      this.phase = "loaded";
    } catch (error) {
      if (request === this.#request) this.phase = isRefusal(ConnectError.from(error).code) ? "private" : "failed";
    }
  }
}
