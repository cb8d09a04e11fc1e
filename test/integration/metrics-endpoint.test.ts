/**
 * GET /metrics: what it exposes, and who may read it (loopback, or the --metrics-token from
 * elsewhere; the client address as --trust-proxy says).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { postJson } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

describe("GET /metrics", () => {
  let server: TestServer;

  beforeAll(async () => {
    // One proxy in front: X-Forwarded-For says where a request came from.
    server = await startTestServer({ app: { trustProxy: 1, metricsToken: "s3cret-scrape" } });
  });
  afterAll(() => server.stop());

  const get = (headers: Record<string, string> = {}) => fetch(`${server.url}/metrics`, { headers });

  it("serves the Prometheus text format to loopback clients, with the app's series", async () => {
    await postJson(server.url, "statusthing.v1.StatusService/ListStatus", {});
    await postJson(server.url, "statusthing.v1.ItemsService/AddItem", { name: "API", initial_status: { name: "Broken", kind: "STATUS_KIND_DOWN", color: "#F00" } });
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/statusthing_rpc_requests_total\{procedure="statusthing.v1.StatusService\/ListStatus",code="ok"\} [1-9]/);
    expect(text).toMatch(/statusthing_rpc_duration_seconds_bucket\{le="[^"]+",procedure="statusthing.v1.ItemsService\/AddItem"\}/);
    expect(text).toMatch(/statusthing_item_status\{item_id="[0-9A-Za-z]{27}",kind="down"\} 1/);
    expect(text).toMatch(/statusthing_write_batch_size_count [1-9]/);
    expect(text).toMatch(/statusthing_write_commit_seconds_count [1-9]/);
    expect(text).toMatch(/statusthing_change_log_revision [1-9]/);
    expect(text).toMatch(/statusthing_watchers_dropped_slow_total 0/);
    expect(text).toMatch(/process_cpu_seconds_total/);
    // Paths that are not procedures never become label values.
    await fetch(`${server.url}/no/such/path/${"x".repeat(40)}`);
    expect(await (await get()).text()).not.toContain("xxxxxxxx");
  });

  it("counts open watchers by protocol and events fanned out to them", async () => {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/ws`);
    await new Promise((resolve) => ws.once("message", resolve));
    const changed = new Promise((resolve) => ws.once("message", resolve));
    await postJson(server.url, "statusthing.v1.ItemsService/AddItem", { name: "Watched" });
    await changed;
    const text = await (await get()).text();
    expect(text).toMatch(/statusthing_watchers\{protocol="ws"\} 1/);
    expect(text).toMatch(/statusthing_watch_events_sent_total [1-9]/);
    ws.close();
  });

  it("refuses other clients without the token, and serves them with it", async () => {
    const remote = { "x-forwarded-for": "203.0.113.9" };
    const refused = await get(remote);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { message: string }).message).toContain("--metrics-token");
    expect((await get({ ...remote, authorization: "Bearer wrong" })).status).toBe(401);
    expect((await get({ ...remote, authorization: "Bearer s3cret-scrape" })).status).toBe(200);
  });
});

describe("GET /metrics without --metrics-token", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ app: { trustProxy: 1 } });
  });
  afterAll(() => server.stop());

  it("is for loopback clients only", async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200);
    const res = await fetch(`${server.url}/metrics`, { headers: { "x-forwarded-for": "198.51.100.7", authorization: "Bearer anything" } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe("permission_denied");
  });
});
