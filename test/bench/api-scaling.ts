/**
 * `bench:api --items 10,100,1000,5000 --writers 1,10,50,200` (#13): how reads and writes scale.
 * For each item count, a fresh server seeded with that many items: the size of the ListItems
 * answer, the latency of the first ListItems after a change (the read cache is empty then, so
 * it reads the store and encodes every item) and the cached read's throughput. Then, on one
 * server with 100 items, UpdateItem at each number of concurrent writers: throughput and tail.
 * The tools (server child, seeding, load) are the API bench's own, handed in.
 */
import { gzipSync } from "node:zlib";

/** What the scaling runs need from the API bench. */
export interface ScalingTools {
  /** A fresh server (own temp database); `stop` ends it. */
  start(): Promise<{ url: string; pid: number | undefined; adminPassword: string; stop(): Promise<void> }>;
  /** Signs in as the admin (with the password the server started with); the headers to send with writes. */
  credentials(url: string, adminPassword: string): Promise<Record<string, string>>;
  /** Seeds `count` items with a status and a note each. */
  seed(url: string, auth: Record<string, string>, count: number): Promise<{ statusIds: string[]; items: Array<{ id: string; name: string }> }>;
  post(url: string, path: string, body: string, headers?: Record<string, string>): Promise<{ status: number; body: Buffer }>;
  /** Load at `connections` for the bench's duration: req/s and latency. */
  load(
    spec: { scenario: string; url: string; pid: number | undefined; path: string; body: string | (() => string); headers?: Record<string, string> },
    connections: number,
  ): Promise<LoadResult>;
  log(message: string): void;
}

export interface LoadResult {
  reqPerS: number;
  okPerS: number;
  errors: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** The server process's CPU time per completed request, if known. */
  cpuMsPerRequest?: number;
}

const LIST = "/statusthing.v1.ItemsService/ListItems";
const UPDATE = "/statusthing.v1.ItemsService/UpdateItem";
/** First reads after a change, timed one at a time. */
const COLD_SAMPLES = 15;

/** #13's goal for writes: at 200 concurrent writers, p99 ≤ 100 ms and max ≤ 1 s. */
export const WRITERS_BUDGET = { writers: 200, p99Ms: 100, maxMs: 1_000 } as const;

export interface ScalingReport {
  markdown: string;
  missed: number;
}

/**
 * The server's own side of a load (#13): what its /metrics histograms gained meanwhile. The time
 * it took to answer UpdateItem, from the request's arrival to its answer (bucket bounds, so "≤"),
 * and the writes per group commit. Told apart from the load generator's latencies, they show
 * whether a tail is spent inside the server or before a request reaches it.
 */
interface ServerSide {
  p99Ms: number | undefined;
  maxMs: number | undefined;
  writesPerGroup: number | undefined;
}

/** The /metrics series a load's server side is read from: cumulative counts by bucket bound, and the batch size's sum and count. */
async function serverCounters(url: string): Promise<Map<string, number>> {
  const counters = new Map<string, number>();
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const line of text.split("\n")) {
      const latency = /^statusthing_rpc_duration_seconds_bucket\{([^}]*)\} (\d+)/.exec(line);
      const le = latency?.[1]?.includes('procedure="statusthing.v1.ItemsService/UpdateItem"') ? /le="([^"]+)"/.exec(latency[1])?.[1] : undefined;
      if (le !== undefined) counters.set(`le ${le}`, Number(latency![2]));
      const batch = /^statusthing_write_batch_size_(sum|count) ([\d.e+]+)/.exec(line);
      if (batch) counters.set(`batch ${batch[1]}`, Number(batch[2]));
    }
  } catch {
    // No /metrics (an older server): the server side stays unknown.
  }
  return counters;
}

function serverSide(before: Map<string, number>, after: Map<string, number>): ServerSide {
  const gained = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
  const bounds = [...after.keys()].filter((k) => k.startsWith("le ")).map((k) => ({ le: k.slice(3), count: gained(k) }));
  const total = bounds.find((b) => b.le === "+Inf")?.count ?? 0;
  const within = (share: number) => {
    const b = bounds.find((x) => x.count >= share * total);
    return b === undefined ? undefined : b.le === "+Inf" ? Infinity : Number(b.le) * 1000;
  };
  const groups = gained("batch count");
  return { p99Ms: total > 0 ? within(0.99) : undefined, maxMs: total > 0 ? within(1) : undefined, writesPerGroup: groups > 0 ? gained("batch sum") / groups : undefined };
}

const bound = (ms: number | undefined) => (ms === undefined ? "—" : ms === Infinity ? "> 5 s" : `≤ ${fmt(ms)} ms`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toFixed(1));

export async function runScaling(tools: ScalingTools, itemCounts: readonly number[], writerCounts: readonly number[], connections: number): Promise<ScalingReport> {
  const out: string[] = [];
  let missed = 0;
  if (itemCounts.length > 0) {
    out.push(
      "### ListItems against item count",
      "",
      `Each item has a status and one note. Cold: the first ListItems after a change (${COLD_SAMPLES} samples, one at a time; the cache is empty then). Cached: ${connections} connections.`,
      "",
      "| items | answer | gzip | cold p50 | cold max | cached req/s | cached p99 |",
      "|--:|--:|--:|--:|--:|--:|--:|",
    );
    for (const count of itemCounts) {
      const server = await tools.start();
      try {
        const auth = await tools.credentials(server.url, server.adminPassword);
        tools.log(`seeding ${count} items`);
        const seeded = await tools.seed(server.url, auth, count);
        const item = seeded.items[0]!;
        const cold: number[] = [];
        let bytes: Buffer = Buffer.alloc(0);
        for (let i = 0; i < COLD_SAMPLES; i++) {
          const write = await tools.post(server.url, UPDATE, JSON.stringify({ itemId: item.id, description: `cold read ${i}` }), auth);
          if (write.status !== 200) throw new Error(`UpdateItem answered ${write.status}`);
          const started = performance.now();
          const read = await tools.post(server.url, LIST, "{}");
          cold.push(performance.now() - started);
          if (read.status !== 200) throw new Error(`ListItems answered ${read.status}`);
          bytes = read.body;
        }
        cold.sort((a, b) => a - b);
        const cached = await tools.load({ scenario: `ListItems, ${count} items`, url: server.url, pid: server.pid, path: LIST, body: "{}" }, connections);
        out.push(
          `| ${count.toLocaleString("en-US")} | ${fmt(bytes.length / 1024)} KiB | ${fmt(gzipSync(bytes).length / 1024)} KiB | ${fmt(percentile(cold, 50))} ms | ${fmt(cold.at(-1)!)} ms | ${fmt(cached.reqPerS)} | ${fmt(cached.latencyMs.p99)} ms |`,
        );
      } finally {
        await server.stop();
      }
    }
    out.push("");
  }
  if (writerCounts.length > 0) {
    out.push("### UpdateItem against concurrent writers", "", "100 items; every write changes one (name, description and status), answered after its group commit's fsync.", "");
    out.push(
      "Server side: what the server's own /metrics say of the same load (its time from a request's arrival to the answer, by histogram bucket, and the writes per group commit); a tail the load generator sees but the server does not was spent before the request reached it.",
      "",
    );
    out.push("| writers | writes/s | p50 | p99 | max | errors | server p99 | server max | writes per group | server CPU ms/write |", "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    const server = await tools.start();
    const verdicts: string[] = [];
    try {
      const auth = await tools.credentials(server.url, server.adminPassword);
      const seeded = await tools.seed(server.url, auth, 100);
      let n = 0;
      const nextUpdate = () => {
        const i = n++;
        const item = seeded.items[i % seeded.items.length]!;
        return JSON.stringify({ itemId: item.id, description: `write #${i}`, statusId: seeded.statusIds[i % seeded.statusIds.length] });
      };
      for (const writers of writerCounts) {
        // The load's warm-up counts on the server too: the server side is close, not exact.
        const before = await serverCounters(server.url);
        const r = await tools.load({ scenario: `UpdateItem, ${writers} writers`, url: server.url, pid: server.pid, path: UPDATE, body: nextUpdate, headers: auth }, writers);
        const side = serverSide(before, await serverCounters(server.url));
        out.push(
          `| ${writers} | ${fmt(r.okPerS)} | ${fmt(r.latencyMs.p50)} ms | ${fmt(r.latencyMs.p99)} ms | ${fmt(r.latencyMs.max)} ms | ${r.errors} | ${bound(side.p99Ms)} | ${bound(side.maxMs)} | ${side.writesPerGroup === undefined ? "—" : fmt(side.writesPerGroup)} | ${r.cpuMsPerRequest === undefined ? "—" : r.cpuMsPerRequest.toFixed(2)} |`,
        );
        if (writers === WRITERS_BUDGET.writers) {
          const pass = r.latencyMs.p99 <= WRITERS_BUDGET.p99Ms && r.latencyMs.max <= WRITERS_BUDGET.maxMs && r.errors === 0;
          if (!pass) missed++;
          verdicts.push(
            `- ${pass ? "PASS  " : "**MISSED**"} UpdateItem at ${writers} writers: p99 ≤ ${WRITERS_BUDGET.p99Ms} ms, max ≤ ${fmt(WRITERS_BUDGET.maxMs)} ms, no errors: p99 ${fmt(r.latencyMs.p99)} ms, max ${fmt(r.latencyMs.max)} ms, ${r.errors} errors`,
          );
        }
      }
    } finally {
      await server.stop();
    }
    out.push("", ...verdicts);
  }
  return { markdown: out.join("\n"), missed };
}
