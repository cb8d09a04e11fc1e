import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import type { Incident } from "../../../../shared/gen/statusthing/v1/incidents_pb.js";
import { IncidentsService } from "../../../../shared/gen/statusthing/v1/incidents_service_pb.js";
import { isRefusal } from "../live/refusal.js";

/** One incident fetched by id: loading, found, missing (not_found), private (a `--private` server, not signed in), or failed to load. */
export class FetchedIncident {
  incident = $state.raw<Incident | undefined>(undefined);
  phase = $state<"loading" | "found" | "missing" | "private" | "failed">("loading");
  readonly #client;

  constructor(transport: Transport) {
    this.#client = createClient(IncidentsService, transport);
  }

  /** Asks the server for the incident with every update. */
  async load(id: string): Promise<void> {
    try {
      const response = await this.#client.getIncident({ incidentId: id });
      this.incident = response.incident;
      this.phase = response.incident ? "found" : "missing";
    } catch (error) {
      const code = ConnectError.from(error).code;
      // An id that is not one (wrong length, bad characters) is as missing as an unknown one.
      this.phase = code === Code.NotFound || code === Code.InvalidArgument ? "missing" : isRefusal(code) ? "private" : "failed";
    }
  }
}
