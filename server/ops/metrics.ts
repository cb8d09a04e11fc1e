import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import type { ChangeHub } from "../live/change-hub.js";
import type { Store } from "../store/store.js";

/** What the metrics read at scrape time: the hub's in-memory page, and the store's listener. */
export interface MetricsSources {
  hub: ChangeHub;
  store: Store;
  /** Every RPC path the router serves ("/pkg.Service/Method"): the only values of the procedure label. */
  procedures: ReadonlySet<string>;
}

/** Procedures that stream: their "latency" is how long the stream lasted, so they stay out of the histogram. */
const STREAMING = new Set(["/statusthing.v1.ItemsService/WatchItems"]);

/** A StatusKind's label value: its enum name without the prefix, lower case ("up", "down"…). */
export function kindLabel(kind: number | undefined): string {
  const name = StatusKind[kind ?? StatusKind.UNKNOWN];
  return typeof name === "string" ? name.toLowerCase() : "unknown";
}

/**
 * The app's Prometheus metrics, in a registry of its own (several apps may share a process in
 * tests). Labels are bounded: procedures come from the router, codes from Connect's fixed set,
 * protocols and kinds from enums; the only value a user chooses is an item id (a KSUID).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"procedure" | "code">;
  private readonly latency: Histogram<"procedure">;
  private readonly writeBatch: Histogram;
  private readonly commitSeconds: Histogram;

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: "statusthing_rpc_requests_total", help: "RPC calls by procedure and result code.", labelNames: ["procedure", "code"], registers });
    this.latency = new Histogram({
      name: "statusthing_rpc_duration_seconds",
      help: "Time to answer unary RPC calls, by procedure.",
      labelNames: ["procedure"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.writeBatch = new Histogram({ name: "statusthing_write_batch_size", help: "Writes per group commit.", buckets: [1, 2, 5, 10, 20, 50, 100, 200], registers });
    this.commitSeconds = new Histogram({
      name: "statusthing_write_commit_seconds",
      help: "Time from BEGIN to COMMIT of each group commit.",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    const { hub, store } = sources;
    new Gauge({
      name: "statusthing_watchers",
      help: "Open watch streams by protocol (connect, grpc, grpc-web, ws…).",
      labelNames: ["protocol"],
      registers,
      collect() {
        this.reset();
        for (const [protocol, count] of Object.entries(hub.watchersByProtocol())) this.set({ protocol }, count);
      },
    });
    new Counter({
      name: "statusthing_watch_events_sent_total",
      help: "Change events handed to watchers (one per watcher per event).",
      registers,
      collect() {
        this.reset();
        this.inc(hub.stats.eventsFannedOut);
      },
    });
    new Counter({
      name: "statusthing_watchers_dropped_slow_total",
      help: "Watch streams ended with resource_exhausted because the client fell too far behind.",
      registers,
      collect() {
        this.reset();
        this.inc(hub.stats.watchersDroppedSlow);
      },
    });
    new Gauge({
      name: "statusthing_change_log_revision",
      help: "The newest change-log revision this server has fed to its watchers.",
      registers,
      collect() {
        this.set(hub.currentRevision);
      },
    });
    if (store.changeFeedConnected) {
      new Gauge({
        name: "statusthing_postgres_listener_up",
        help: "1 while the connection that LISTENs for other replicas' changes is connected, else 0.",
        registers,
        collect() {
          this.set(store.changeFeedConnected?.() ? 1 : 0);
        },
      });
    }
    new Gauge({
      name: "statusthing_item_status",
      help: '1 for each item, labelled with its id and its status\'s kind (up, down, warning…): alert on kind!="up".',
      labelNames: ["item_id", "kind"],
      registers,
      collect() {
        this.reset();
        for (const item of hub.currentItems()) this.set({ item_id: item.id, kind: kindLabel(item.status?.kind) }, 1);
      },
    });
    store.observeWrites?.((writes, seconds) => {
      this.writeBatch.observe(writes);
      this.commitSeconds.observe(seconds);
    });
  }

  /** Counts one finished HTTP request, if it was an RPC; anything else (pages, documents) is not a procedure. */
  observeRequest(path: string, code: string, seconds: number): void {
    if (!this.sources.procedures.has(path)) return;
    const procedure = path.slice(1);
    this.requests.inc({ procedure, code });
    if (!STREAMING.has(path)) this.latency.observe({ procedure }, seconds);
  }

  /** The exposition, in the Prometheus text format. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
