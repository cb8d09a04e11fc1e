/**
 * Debian's real `prometheus-alertmanager`, run in the foreground with its data in a temporary
 * folder and the config the README shows (docs/inlets/alertmanager.yml) pointed at a StatusThing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alertmanagerConfig } from "./inlets.js";
import { freePort } from "./nginx.js";

/** Where Debian puts Alertmanager, or undefined when it is not installed. */
export function alertmanagerBinary(): string | undefined {
  return ["/usr/bin/prometheus-alertmanager", "/usr/bin/alertmanager"].find((path) => existsSync(path));
}

export interface RunningAlertmanager {
  url: string;
  /** Posts alerts to Alertmanager's API (`POST /api/v2/alerts`), as Prometheus does. */
  postAlerts(alerts: Array<{ labels: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string }>): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/** Starts Alertmanager with the README's config, sending to `statusthingUrl` with `token`; resolves once its API answers. */
export async function startAlertmanager(statusthingUrl: string, token: string): Promise<RunningAlertmanager> {
  const binary = alertmanagerBinary();
  if (!binary) throw new Error("prometheus-alertmanager is not installed: apt-get install -y prometheus-alertmanager");
  const dir = await mkdtemp(join(tmpdir(), "statusthing-alertmanager-"));
  await writeFile(join(dir, "alertmanager.yml"), alertmanagerConfig(statusthingUrl, token));
  const port = await freePort();
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${join(dir, "alertmanager.yml")}`, `--storage.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="],
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
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    stop,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(alerts) });
      if (!res.ok) throw new Error(`alertmanager refused the alerts: ${res.status} ${await res.text()}`);
    },
  };
}
