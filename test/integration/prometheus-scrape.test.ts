/**
 * The real Prometheus (Debian's package) scrapes a running StatusThing every second: the target
 * is up, and the per-item gauge follows an item's status through Prometheus's own query API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postJson } from "../helpers/clients.js";
import { prometheusBinary, startPrometheus, type RunningPrometheus } from "../helpers/prometheus.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const binary = prometheusBinary();
if (!binary && process.env.CI !== "true") console.warn("skipping the Prometheus scrape test: /usr/bin/prometheus is not installed");

/** Polls `check` until it returns true (or fails after `ms`). */
async function eventually(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.runIf(binary !== undefined || process.env.CI === "true")("Prometheus scraping /metrics", () => {
  let server: TestServer;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    server = await startTestServer();
    prometheus = await startPrometheus(`127.0.0.1:${server.port}`);
  }, 30_000);

  afterAll(async () => {
    await prometheus?.stop();
    await server?.stop();
  });

  it("sees the target up, and an item's status kind change", async () => {
    await eventually(async () => (await prometheus.query('up{job="statusthing"} == 1')).length === 1, 20_000, "up == 1");

    const statuses = (await postJson(server.url, "statusthing.v1.StatusService/ListStatus", {})).body.statuses as Array<{ id: string; name: string }>;
    const down = statuses.find((s) => s.name === "DOWN")!;
    const added = await postJson(server.url, "statusthing.v1.ItemsService/AddItem", { name: "Checkout", initial_status_id: statuses.find((s) => s.name === "UP")!.id });
    const itemId = (added.body.item as { id: string }).id;
    await eventually(async () => (await prometheus.query(`statusthing_item_status{item_id="${itemId}",kind="up"} == 1`)).length === 1, 15_000, "the item as up");

    expect((await postJson(server.url, "statusthing.v1.ItemsService/UpdateItem", { item_id: itemId, status_id: down.id })).status).toBe(200);
    await eventually(async () => (await prometheus.query(`statusthing_item_status{item_id="${itemId}",kind="down"} == 1`)).length === 1, 15_000, "the item as down");
    // The old kind's series is gone from the latest scrape, so an alert on kind!="up" is exact.
    await eventually(async () => (await prometheus.query(`statusthing_item_status{item_id="${itemId}",kind="up"}`)).length === 0, 15_000, "the up series to go stale");

    const calls = await prometheus.query('statusthing_rpc_requests_total{procedure="statusthing.v1.ItemsService/UpdateItem",code="ok"}');
    expect(Number(calls[0]?.value[1])).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
