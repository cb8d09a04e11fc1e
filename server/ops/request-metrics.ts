import type { Metric, Registry } from "prom-client";

/** One value of a metric as prom-client's registry reads it (see Registry.getMetricsAsString). */
interface MetricValue {
  labels: Record<string, string | number>;
  /** Labels written after `labels`, the same object for every value of a series (as prom-client's histograms do). */
  sharedLabels?: Record<string, string>;
  value: number;
  metricName?: string;
  exemplar?: null;
}

/** One procedure's latency: counts per bucket (not cumulative), their sum and count. */
interface LatencySeries {
  labels: { procedure: string };
  buckets: number[];
  sum: number;
  count: number;
}

/** One procedure's calls: a count per result code, each in the order first seen. */
interface ProcedureSeries {
  latency: LatencySeries | undefined;
  calls: Map<string, { labels: { procedure: string; code: string }; value: number }>;
}

/** What the two metrics are called and cut into. */
export interface RequestMetricsOptions {
  counter: { name: string; help: string };
  histogram: { name: string; help: string; buckets: readonly number[] };
  /** Paths ("/pkg.Service/Method") whose calls are counted; anything else is not a procedure. */
  procedures: ReadonlySet<string>;
  /** Procedures counted but kept out of the histogram (streams: their "latency" is their life). */
  streaming: ReadonlySet<string>;
}

/**
 * The RPC calls counter and latency histogram, observed once per request: prom-client's own
 * `inc`/`observe` hash the labels and build objects on every call, which a cached read cannot
 * afford. Here a procedure's series are found by one Map lookup and updated in place; the
 * registry reads them as it reads prom-client's Counter and Histogram, and the exposition is the
 * same text (label order, series in the order first seen, buckets cumulative, then +Inf, sum, count).
 */
export class RequestMetrics {
  private readonly series = new Map<string, ProcedureSeries>();
  /** Series in the order prom-client would list them: the order each was first observed. */
  private calls: Array<{ labels: { procedure: string; code: string }; value: number }> = [];
  private latencies: LatencySeries[] = [];

  constructor(
    registry: Registry,
    private readonly options: RequestMetricsOptions,
  ) {
    const { counter, histogram } = options;
    registry.registerMetric(this.metric(counter.name, counter.help, "counter", () => this.calls.map((series) => ({ value: series.value, labels: series.labels }))));
    registry.registerMetric(this.metric(histogram.name, histogram.help, "histogram", () => this.histogramValues()));
  }

  /** Counts one finished request to `path` (if it is a procedure) with its result code, and its latency. */
  observe(path: string, code: string, seconds: number): void {
    let series = this.series.get(path);
    if (series === undefined) {
      if (!this.options.procedures.has(path)) return;
      series = { latency: undefined, calls: new Map() };
      this.series.set(path, series);
    }
    let calls = series.calls.get(code);
    if (calls === undefined) {
      calls = { labels: { procedure: path.slice(1), code }, value: 0 };
      series.calls.set(code, calls);
      this.calls.push(calls);
    }
    calls.value += 1;
    if (this.options.streaming.has(path)) return;
    let latency = series.latency;
    if (latency === undefined) {
      latency = series.latency = { labels: { procedure: path.slice(1) }, buckets: this.options.histogram.buckets.map(() => 0), sum: 0, count: 0 };
      this.latencies.push(latency);
    }
    const bounds = this.options.histogram.buckets;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        latency.buckets[i]! += 1;
        break;
      }
    }
    latency.sum += seconds;
    latency.count += 1;
  }

  private histogramValues(): MetricValue[] {
    const { name, buckets: bounds } = this.options.histogram;
    const values: MetricValue[] = [];
    for (const series of this.latencies) {
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += series.buckets[i]!;
        values.push({ labels: { le: bounds[i]! }, sharedLabels: series.labels, value: cumulative, metricName: `${name}_bucket`, exemplar: null });
      }
      values.push({ labels: { le: "+Inf" }, sharedLabels: series.labels, value: series.count, metricName: `${name}_bucket`, exemplar: null });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${name}_sum` });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${name}_count` });
    }
    return values;
  }

  /**
   * A metric as the registry reads it: prom-client's own shape (name, help, type, get, reset).
   * Its typings ask for a whole Counter or Histogram; the registry only calls these.
   */
  private metric(name: string, help: string, type: "counter" | "histogram", values: () => MetricValue[]): Metric {
    const shape = { name, help, type, aggregator: "sum" as const };
    const metric = {
      ...shape,
      // For the text exposition: shared labels kept apart, as prom-client's histograms give them.
      getForPromString: () => Promise.resolve({ ...shape, values: values() }),
      // For JSON: every label in `labels`.
      get: () =>
        Promise.resolve({
          ...shape,
          values: values().map(({ sharedLabels, labels, ...value }) => ({ ...value, labels: { ...labels, ...sharedLabels } })),
        }),
      reset: () => {
        this.series.clear();
        this.calls = [];
        this.latencies = [];
      },
    };
    return metric as unknown as Metric;
  }
}
