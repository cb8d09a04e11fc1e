import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { RequestMetrics } from "../../server/ops/request-metrics.js";

const COUNTER = { name: "statusthing_rpc_requests_total", help: "RPC calls by procedure and result code." };
const HISTOGRAM = {
  name: "statusthing_rpc_duration_seconds",
  help: "Time to answer unary RPC calls, by procedure.",
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
};
const PROCEDURES = new Set(["/a.S/Get", "/a.S/List", "/a.S/Watch", '/a.S/Quo"te\\d']);
const STREAMING = new Set(["/a.S/Watch"]);

/** The same observations through prom-client's own Counter and Histogram, as the app made them before. */
function promClientReference() {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ ...COUNTER, labelNames: ["procedure", "code"], registers });
  const latency = new Histogram({ ...HISTOGRAM, labelNames: ["procedure"], registers });
  return {
    registry,
    observe(path: string, code: string, seconds: number) {
      if (!PROCEDURES.has(path)) return;
      const procedure = path.slice(1);
      requests.inc({ procedure, code });
      if (!STREAMING.has(path)) latency.observe({ procedure }, seconds);
    },
  };
}

describe("RequestMetrics", () => {
  it("exposes the same text and JSON as prom-client's Counter and Histogram given the same calls", async () => {
    const reference = promClientReference();
    const registry = new Registry();
    const metrics = new RequestMetrics(registry, { counter: COUNTER, histogram: HISTOGRAM, procedures: PROCEDURES, streaming: STREAMING });
    // Deterministic "random" calls: every procedure, codes, latencies on, between and above the bounds.
    let seed = 7;
    const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const paths = [...PROCEDURES, "/badge.svg", "/a.S/Unknown"];
    const codes = ["ok", "not_found", "invalid_argument", "grpc_5"];
    const latencies = [0, 0.001, 0.0025, 5, 7.5, 1e-6];
    expect(await registry.metrics()).toBe(await reference.registry.metrics());
    for (let i = 0; i < 2_000; i++) {
      const path = paths[Math.floor(next() * paths.length)]!;
      const code = codes[Math.floor(next() * next() * codes.length)]!;
      const seconds = next() < 0.2 ? latencies[Math.floor(next() * latencies.length)]! : next() * next() * 6;
      metrics.observe(path, code, seconds);
      reference.observe(path, code, seconds);
      if (i % 500 === 0) expect(await registry.metrics()).toBe(await reference.registry.metrics());
    }
    const text = await registry.metrics();
    expect(text).toContain('statusthing_rpc_duration_seconds_bucket{le="0.001",procedure="a.S/Get"}');
    expect(text).toBe(await reference.registry.metrics());
    /** The JSON exposition without exemplars (prom-client's histogram has `exemplar: null` in each bucket). */
    const asJson = async (from: Registry) =>
      (await from.getMetricsAsJSON()).map(({ values, ...rest }) => ({
        ...rest,
        values: (values as Array<{ labels: unknown; value: number; metricName?: string }>).map(({ labels, value, metricName }) => ({ labels, value, metricName })),
      }));
    expect(await asJson(registry)).toEqual(await asJson(reference.registry));

    registry.resetMetrics();
    reference.registry.resetMetrics();
    expect(await registry.metrics()).toBe(await reference.registry.metrics());
  });
});
