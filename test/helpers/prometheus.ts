/**
 * Debian's real `prometheus` server, run in the foreground with its data in a temporary folder
 * and a scrape config pointing at a StatusThing under test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./nginx.js";

/** Where Debian puts prometheus, or undefined when it is not installed. */
export function prometheusBinary(): string | undefined {
  return existsSync("/usr/bin/prometheus") ? "/usr/bin/prometheus" : undefined;
}

/**
 * The scrape config the README shows: one job scraping StatusThing's /metrics. `target` is
 * host:port; `bearerToken` is the --metrics-token when Prometheus runs on another machine.
 */
export function scrapeConfig(target: string, intervalSeconds: number, bearerToken?: string): string {
  return `global:
  scrape_interval: ${intervalSeconds}s

scrape_configs:
  - job_name: statusthing
    metrics_path: /metrics
    static_configs:
      - targets: ["${target}"]
${bearerToken ? `    authorization:\n      credentials: "${bearerToken}"\n` : ""}`;
}

/** A running Prometheus: its URL, an instant query, and how to stop it. */
export interface RunningPrometheus {
  url: string;
  /** Runs an instant PromQL query and returns its vector result. */
  query(promql: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>>;
  output(): string;
  stop(): Promise<void>;
}

/** Starts prometheus scraping `target` every second; resolves once its API answers. */
export async function startPrometheus(target: string): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "statusthing-prometheus-"));
  await writeFile(join(dir, "prometheus.yml"), scrapeConfig(target, 1));
  const port = await freePort();
  const child: ChildProcess = spawn(
    prometheusBinary()!,
    [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    stop,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
      if (body.status !== "success") throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`);
      return body.data.result;
    },
  };
}
