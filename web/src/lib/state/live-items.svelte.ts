import type { Transport } from "@connectrpc/connect";
import { createSubscriber } from "svelte/reactivity";
import { ItemsService } from "../../../../shared/gen/statusthing/v1/services_pb.js";
import type { Group, Item, Status } from "../../../../shared/gen/statusthing/v1/types_pb.js";
import type { PageSettings } from "../../../../shared/gen/statusthing/v1/settings_pb.js";
import type { Incident, Maintenance } from "../../../../shared/gen/statusthing/v1/incidents_pb.js";
import { describeIncidentChange, describeMaintenanceChange } from "../incidents/describe.js";
import { byNewest, bySchedule } from "../incidents/order.js";
import { describeChange } from "../live/describe-change.js";
import { ItemsState } from "../live/items-state.js";
import { pageOrder } from "../live/page-order.js";
import type { StatusSince } from "../live/status-since.js";
import { serverStream } from "../rpc/transport.js";
import { startWatchLoop, type ConnectionState, type WatchLoop } from "../live/watch-loop.js";

/** The server's heartbeat interval until `/web-config.json` says otherwise (the server default). */
const DEFAULT_HEARTBEAT_MS = 15_000;
/** Keep the stream this long after the last reader left, so moving between pages does not reconnect. */
const LINGER_MS = 3_000;
/** More changes than this at once are announced as a count, not one by one. */
const ANNOUNCE_MAX = 3;

/** A message for screen readers; `id` changes with every announcement, even a repeated one. */
export interface Announcement {
  readonly id: number;
  readonly text: string;
}

/**
 * The items and statuses, live: one `WatchItems` stream (with notes) that is open while any page
 * reads this object and closed shortly after none does. Pages read `items`, `connection` and
 * friends; they never fetch or poll. Built on `createSubscriber`, like Svelte's own `MediaQuery`.
 */
export class LiveItems {
  #items = $state.raw<readonly Item[]>([]);
  #statuses = $state.raw<readonly Status[]>([]);
  #groups = $state.raw<readonly Group[]>([]);
  #settings = $state.raw<PageSettings | undefined>(undefined);
  #incidents = $state.raw<readonly Incident[]>([]);
  #maintenances = $state.raw<readonly Maintenance[]>([]);
  #timeZone = $state("UTC");
  #statusSince = $state.raw<ReadonlyMap<string, StatusSince>>(new Map());
  #loaded = $state(false);
  #connection = $state.raw<ConnectionState>({ phase: "connecting", failures: 0 });
  #lastMessageAt = $state<number | undefined>(undefined);
  #lastChangeAt = $state<number | undefined>(undefined);
  #announcement = $state.raw<Announcement | undefined>(undefined);

  readonly #state = new ItemsState();
  readonly #transport: Transport;
  #heartbeatMs = DEFAULT_HEARTBEAT_MS;
  #loop: WatchLoop | undefined;
  #lingering: ReturnType<typeof setTimeout> | undefined;
  #publishQueued = false;
  #pendingAnnouncements: string[] = [];
  #announcementId = 0;
  #subscribe;

  constructor(transport: Transport) {
    this.#transport = transport;
    this.#subscribe = createSubscriber(() => {
      clearTimeout(this.#lingering);
      this.#start();
      return () => {
        this.#lingering = setTimeout(() => this.#stop(), LINGER_MS);
      };
    });
  }

  /** Every item, in page order (see page-order.ts), each with its status and notes. */
  get items(): readonly Item[] {
    this.#subscribe();
    return this.#items;
  }

  /** Every status, in creation order. */
  get statuses(): readonly Status[] {
    this.#subscribe();
    return this.#statuses;
  }

  /** Every group, in position order. */
  get groups(): readonly Group[] {
    this.#subscribe();
    return this.#groups;
  }

  /** The page settings (name, description, logo, links, accent), live; undefined until the first snapshot. */
  get settings(): PageSettings | undefined {
    this.#subscribe();
    return this.#settings;
  }

  /** Open incidents, newest first, with every update. */
  get incidents(): readonly Incident[] {
    this.#subscribe();
    return this.#incidents;
  }

  /** Maintenance windows under way (soonest end first), then upcoming ones (soonest start first). */
  get maintenances(): readonly Maintenance[] {
    this.#subscribe();
    return this.#maintenances;
  }

  /** The page's time zone (`--time-zone`), in which maintenance windows are shown beside the reader's. */
  get timeZone(): string {
    this.#subscribe();
    return this.#timeZone;
  }

  /** Whether the first snapshot has arrived: before it, no items means "not known yet". */
  get loaded(): boolean {
    this.#subscribe();
    return this.#loaded;
  }

  /** The stream's state: connecting, live, or reconnecting since when. */
  get connection(): ConnectionState {
    this.#subscribe();
    return this.#connection;
  }

  /** When (epoch ms) the server last said anything (heartbeats, or accepting the stream): the data is current as of then. */
  get lastMessageAt(): number | undefined {
    this.#subscribe();
    return this.#lastMessageAt;
  }

  /** When (epoch ms) the data last changed. */
  get lastChangeAt(): number | undefined {
    this.#subscribe();
    return this.#lastChangeAt;
  }

  /** The latest thing worth telling a screen reader user. */
  get announcement(): Announcement | undefined {
    this.#subscribe();
    return this.#announcement;
  }

  /** The item with this id, if it is known. */
  item(id: string): Item | undefined {
    this.#subscribe();
    return this.#items.find((item) => item.id === id);
  }

  /** Since when the item has had its current status, as far as this page can tell. */
  statusSince(id: string): StatusSince | undefined {
    this.#subscribe();
    return this.#statusSince.get(id);
  }

  /** Tries the stream again now: after signing in, a private server's refusal no longer holds. */
  reconnect(): void {
    this.#loop?.retryNow();
  }

  #start(): void {
    if (this.#loop) return;
    void this.#loadConfig();
    this.#loop = startWatchLoop({
      watchItems: (request, options) => serverStream(this.#transport, ItemsService.method.watchItems, request, options),
      request: { extended: true, includeGroups: true, includeSettings: true, includeIncidents: true },
      revision: () => this.#state.revision,
      heartbeatMs: () => this.#heartbeatMs,
      onMessage: (message) => {
        this.#lastMessageAt = Date.now();
        const wasLoaded = this.#state.loaded;
        const change = this.#state.apply(message);
        if (change.kind === "none") return;
        this.#lastChangeAt = Date.now();
        if (wasLoaded) {
          const text =
            change.kind === "item"
              ? describeChange(change.before, change.after)
              : change.kind === "incident"
                ? describeIncidentChange(change.before, change.after)
                : change.kind === "maintenance"
                  ? describeMaintenanceChange(change.before, change.after)
                  : undefined;
          if (text) this.#pendingAnnouncements.push(text);
        }
        this.#queuePublish();
      },
      onState: (state) => {
        const before = this.#connection.phase;
        this.#connection = state;
        // Live again means caught up: a resume that missed nothing sends no message until the
        // next heartbeat, and "updated 51 s ago" right after reconnecting would say otherwise.
        if (state.phase === "live") this.#lastMessageAt = Date.now();
        if (before === "live" && state.phase === "reconnecting") this.#announce("Connection lost. Reconnecting…");
        if (before === "reconnecting" && state.phase === "live") this.#announce("Reconnected. Live again.");
      },
    });
    if (typeof window !== "undefined") {
      window.addEventListener("online", this.#retryNow);
      document.addEventListener("visibilitychange", this.#retryNow);
    }
  }

  #stop(): void {
    this.#loop?.stop();
    this.#loop = undefined;
    if (typeof window !== "undefined") {
      window.removeEventListener("online", this.#retryNow);
      document.removeEventListener("visibilitychange", this.#retryNow);
    }
  }

  // Back online or back in view: no need to sit out the backoff.
  readonly #retryNow = () => {
    if (document.visibilityState === "visible") this.#loop?.retryNow();
  };

  async #loadConfig(): Promise<void> {
    try {
      const response = await fetch("/web-config.json", { cache: "no-cache" });
      const config = (await response.json()) as { heartbeatMs?: unknown; timeZone?: unknown };
      if (typeof config.heartbeatMs === "number" && config.heartbeatMs > 0) this.#heartbeatMs = config.heartbeatMs;
      if (typeof config.timeZone === "string" && config.timeZone !== "") this.#timeZone = config.timeZone;
    } catch {
      // The default interval is the server's default too.
    }
  }

  // Many messages can arrive in one burst (a resume): rebuild the lists once per burst.
  #queuePublish(): void {
    if (this.#publishQueued) return;
    this.#publishQueued = true;
    queueMicrotask(() => {
      this.#publishQueued = false;
      this.#groups = [...this.#state.groups.values()].sort((a, b) => a.position - b.position);
      this.#items = pageOrder([...this.#state.items.values()], this.#groups);
      this.#statuses = [...this.#state.statuses.values()];
      this.#settings = this.#state.settings;
      this.#incidents = [...this.#state.incidents.values()].sort(byNewest);
      this.#maintenances = [...this.#state.maintenances.values()].sort(bySchedule);
      this.#statusSince = new Map(this.#state.statusSince);
      this.#loaded = this.#state.loaded;
      const texts = this.#pendingAnnouncements.splice(0);
      if (texts.length > ANNOUNCE_MAX) this.#announce(`${texts.length} changes`);
      else if (texts.length) this.#announce(texts.join(". "));
    });
  }

  #announce(text: string): void {
    this.#announcement = { id: ++this.#announcementId, text };
  }
}
