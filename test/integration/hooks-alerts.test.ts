/**
 * POST /hooks/alertmanager over real HTTP: Grafana's documented payload, Alertmanager's repeats and
 * duplicate resolves, two alerts on one item, a status changed by hand during an alert, unknown
 * items, bad payloads, who may call, and the per-token throttle.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { addItem, alert, alertmanagerPayload, createToken, grafanaContactPoint, grafanaExample, itemState, postHook, statusIds } from "../helpers/inlets.js";

let server: TestServer;
let url: string;
let hookToken: string;
let S: Record<string, string>;

const latestRevision = async () =>
  Number(((await fetch(`${url}/healthz`, { headers: { authorization: `Bearer ${server.token}` } }).then((r) => r.json())) as { revision: number }).revision);

beforeAll(async () => {
  server = await startTestServer({ app: { inlets: { hookBudget: { perSecond: 0.2, burst: 60 } } } });
  url = server.url;
  S = await statusIds(url);
  hookToken = await createToken(url, "alertmanager", { scope: "TOKEN_SCOPE_STATUS" });
});
afterAll(async () => server?.stop());

describe("POST /hooks/alertmanager", () => {
  it("takes Grafana's documented webhook payload through the contact point's settings, and reports each alert", async () => {
    const us = await addItem(url, "us-1", S.UP!);
    const eu = await addItem(url, "eu-1", S.UP!);
    // The documented alerts have no severity and name their zone: a hook for that.
    const hook = await rpc(url, "statusthing.v1.HooksService/AddHook", { name: "grafana", labelName: "zone", severities: [{ severity: "*", statusId: S.DOWN }], notes: true });
    expect(hook.code, hook.text).toBe("ok");
    const point = grafanaContactPoint(url, hookToken);
    expect(point.method).toBe("POST");
    const res = await fetch(point.url, {
      method: point.method,
      headers: { "content-type": "application/json", authorization: point.authorization },
      body: JSON.stringify(grafanaExample()),
    });
    const body = (await res.json()) as { hook: string; alerts: Array<{ result: string; item_id: string }> };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.hook).toBe("grafana");
    expect(body.alerts.map((a) => [a.item_id, a.result])).toEqual([
      [us, "changed"],
      [eu, "changed"],
    ]);
    expect(await itemState(url, us)).toEqual({ status: "DOWN", notes: ["This alert was triggered for zone us-1: The system has high memory usage"] });
    expect((await itemState(url, eu)).status).toBe("DOWN");

    // Grafana's resolve of the same alerts (same fingerprints) restores both.
    const resolved = grafanaExample();
    resolved.status = "resolved";
    for (const a of resolved.alerts) a.status = "resolved";
    const again = await fetch(point.url, { method: "POST", headers: { "content-type": "application/json", authorization: point.authorization }, body: JSON.stringify(resolved) });
    expect(again.status).toBe(200);
    expect((await itemState(url, us)).status).toBe("UP");
    expect((await itemState(url, eu)).status).toBe("UP");

    const calls = await rpc(url, "statusthing.v1.HooksService/ListHookCalls", { hookId: "grafana" });
    const logged = calls.body.calls as Array<{ source: string; caller: string; alerts: Array<{ result: string; detail: string }> }>;
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ source: "grafana", caller: "token:alertmanager (admin)" });
    expect(logged[0]!.alerts.map((a) => a.detail)).toEqual(["resolved", "resolved"]);
    expect(logged[1]!.alerts.map((a) => a.result)).toEqual(["changed", "changed"]);
  });

  it("changes nothing for Alertmanager's repeats and for a resolve that arrives twice", async () => {
    const id = await addItem(url, "checkout", S.UP!);
    const firing = alertmanagerPayload([alert("checkout", "critical", true)]);
    expect((await postHook(url, hookToken, firing)).body.alerts?.[0]?.result).toBe("changed");
    expect((await itemState(url, id)).status).toBe("DOWN");
    const before = await latestRevision();
    for (let i = 0; i < 3; i++) {
      const repeat = await postHook(url, hookToken, firing);
      expect(repeat.body.alerts?.[0]).toMatchObject({ result: "matched", detail: "repeat: already firing" });
    }
    expect(await latestRevision()).toBe(before);

    const resolve = alertmanagerPayload([alert("checkout", "critical", false)]);
    expect((await postHook(url, hookToken, resolve)).body.alerts?.[0]?.result).toBe("changed");
    expect(await itemState(url, id)).toEqual({ status: "UP", notes: ["checkout is failing", "Resolved: checkout is failing"] });
    const afterResolve = await latestRevision();
    const twice = await postHook(url, hookToken, resolve);
    expect(twice.body.alerts?.[0]).toMatchObject({ result: "matched", detail: "resolve of an alert not firing: nothing to do" });
    expect(await latestRevision()).toBe(afterResolve);
    expect((await itemState(url, id)).status).toBe("UP");
    // Each change is in the audit log as the hook's.
    const audit = (await rpc(url, "statusthing.v1.AuditService/ListAuditEvents", { objectId: id })).body.events as Array<{ actor: string; procedure: string }>;
    expect(audit.filter((e) => e.actor === "hook:default" && e.procedure === "POST /hooks/alertmanager")).toHaveLength(2);
  });

  it("lets the worst of two firing alerts win, and restores the item only when the last one resolves", async () => {
    const id = await addItem(url, "search", S.UP!);
    const slow = (firing: boolean) => alert("search", "warning", firing, { alertname: "SlowQueries" });
    const down = (firing: boolean) => alert("search", "critical", firing, { alertname: "SearchDown" });
    await postHook(url, hookToken, alertmanagerPayload([slow(true)]));
    expect((await itemState(url, id)).status).toBe("WARNING");
    await postHook(url, hookToken, alertmanagerPayload([down(true)]));
    expect((await itemState(url, id)).status).toBe("DOWN");
    // The warning repeats while the critical one fires: the worst still wins.
    await postHook(url, hookToken, alertmanagerPayload([slow(true)]));
    expect((await itemState(url, id)).status).toBe("DOWN");
    await postHook(url, hookToken, alertmanagerPayload([down(false)]));
    expect((await itemState(url, id)).status).toBe("WARNING");
    await postHook(url, hookToken, alertmanagerPayload([slow(false)]));
    expect((await itemState(url, id)).status).toBe("UP");
    // Both in one call: the same.
    const both = await postHook(url, hookToken, alertmanagerPayload([slow(true), down(true)]));
    expect(both.body.alerts?.map((a) => a.result)).toEqual(["matched", "changed"]);
    expect((await itemState(url, id)).status).toBe("DOWN");
    await postHook(url, hookToken, alertmanagerPayload([slow(false), down(false)]));
    expect((await itemState(url, id)).status).toBe("UP");
  });

  it("leaves an item alone once someone changed its status by hand during an alert, and does not restore it", async () => {
    const id = await addItem(url, "payments", S.UP!);
    await postHook(url, hookToken, alertmanagerPayload([alert("payments", "critical", true)]));
    expect((await itemState(url, id)).status).toBe("DOWN");
    const byHand = await rpc(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: id, statusId: S.WARNING });
    expect(byHand.code).toBe("ok");
    // A new, worse alert meanwhile does not override the person either.
    const other = await postHook(url, hookToken, alertmanagerPayload([alert("payments", "critical", true, { alertname: "Other" })]));
    expect(other.body.alerts?.[0]?.detail).toContain("changed by hand");
    expect((await itemState(url, id)).status).toBe("WARNING");
    await postHook(url, hookToken, alertmanagerPayload([alert("payments", "critical", false), alert("payments", "critical", false, { alertname: "Other" })]));
    expect((await itemState(url, id)).status).toBe("WARNING");
    // The next alert starts afresh.
    await postHook(url, hookToken, alertmanagerPayload([alert("payments", "critical", true)]));
    expect((await itemState(url, id)).status).toBe("DOWN");
    await postHook(url, hookToken, alertmanagerPayload([alert("payments", "critical", false)]));
    expect((await itemState(url, id)).status).toBe("WARNING");
  });

  it("answers 200 for an item it does not know, creates nothing, and logs the alert as unmatched", async () => {
    const before = (await rpc(url, "statusthing.v1.ItemsService/ListItems", {})).body.items as unknown[];
    const res = await postHook(
      url,
      hookToken,
      alertmanagerPayload([alert("no-such-service", "critical", true), { ...alert("x", "critical", true), labels: { alertname: "NoLabel" } }]),
    );
    expect(res.status).toBe(200);
    expect(res.body.alerts?.map((a) => a.result)).toEqual(["unmatched", "ignored"]);
    expect(res.body.alerts?.[1]?.detail).toBe("no statusthing_item label");
    expect((await rpc(url, "statusthing.v1.ItemsService/ListItems", {})).body.items).toHaveLength(before.length);
    const calls = (await rpc(url, "statusthing.v1.HooksService/ListHookCalls", { hookId: "default", limit: 1 })).body.calls as Array<{
      alerts: Array<{ result: string; itemRef: string }>;
    }>;
    expect(calls[0]!.alerts[0]).toMatchObject({ result: "unmatched", itemRef: "no-such-service" });
    // A huge label is logged cut short.
    const huge = await postHook(url, hookToken, alertmanagerPayload([alert("x".repeat(100_000), "critical", true, { fingerprint: "huge" })]));
    expect(huge.body.alerts?.[0]?.result).toBe("unmatched");
    expect(huge.body.alerts?.[0]?.item.length).toBe(200);
  });

  it("ignores a severity no status is mapped to, and names items by id too", async () => {
    const id = await addItem(url, "cdn", S.UP!);
    const res = await postHook(url, hookToken, alertmanagerPayload([alert(id, "info", true)]));
    expect(res.body.alerts?.[0]).toMatchObject({ result: "ignored", detail: 'no status is mapped to severity "info"' });
    expect((await postHook(url, hookToken, alertmanagerPayload([alert(id, "CRITICAL", true)]))).body.alerts?.[0]?.result).toBe("changed");
    expect((await itemState(url, id)).status).toBe("DOWN");
  });

  it("refuses bad payloads with 400 and a reason, and changes nothing", async () => {
    const id = await addItem(url, "bad-payload-target", S.UP!);
    const before = await latestRevision();
    const cases: Array<[unknown, string]> = [
      ["{not json", "payload: not JSON"],
      [[], "payload: must be a JSON object"],
      [{ version: "4" }, "payload: alerts must be an array"],
      [{ version: "3", alerts: [] }, 'payload: version "3" is not Alertmanager\'s webhook version 4'],
      [alertmanagerPayload([{ status: "burning", labels: {} }]), 'payload: alerts[0].status must be "firing" or "resolved"'],
      [
        alertmanagerPayload([alert("bad-payload-target", "critical", true), { status: "firing", labels: { statusthing_item: 5 } }]),
        "payload: alerts[1].labels.statusthing_item must be a string",
      ],
    ];
    for (const [body, message] of cases) {
      const res = await postHook(url, hookToken, typeof body === "string" ? body : JSON.stringify(body));
      expect(res.status, message).toBe(400);
      expect(res.body).toMatchObject({ code: "invalid_argument", reason: "HOOK_PAYLOAD_INVALID", message });
    }
    const big = await postHook(url, hookToken, JSON.stringify({ alerts: [], pad: "x".repeat(1024 * 1024) }));
    expect(big.status).toBe(400);
    expect(await latestRevision()).toBe(before);
    expect((await itemState(url, id)).status).toBe("UP");
    expect((await fetch(`${url}/hooks/alertmanager`)).status).toBe(405);
  });

  it("takes only API tokens that may set the item's status", async () => {
    const id = await addItem(url, "limited", S.UP!);
    const otherId = await addItem(url, "not-mine", S.UP!);
    const firing = alertmanagerPayload([alert("limited", "critical", true), alert("not-mine", "critical", true)]);
    expect((await postHook(url, undefined, firing)).status).toBe(401);
    expect((await postHook(url, "st_not_a_real_token", firing)).status).toBe(401);
    const readOnly = await createToken(url, "reader", { scope: "TOKEN_SCOPE_READ" });
    const refused = await postHook(url, readOnly, firing);
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toBe("TOKEN_SCOPE_INSUFFICIENT");
    // A session cannot call a hook (no page can make a browser do it).
    const session = await rpc(
      url,
      "statusthing.v1.AuthService/Login",
      { username: "admin", password: (await import("../helpers/credentials.js")).TEST_ADMIN_PASSWORD },
      "anonymous",
    );
    const cookie = (session.headers.get("set-cookie") ?? "").split(";")[0]!;
    expect((await postHook(url, undefined, firing, "", { cookie })).status).toBe(403);
    // A token limited to one item changes that one and reports the other as ignored.
    const mine = await createToken(url, "limited", { scope: "TOKEN_SCOPE_STATUS", itemIds: [id] });
    const res = await postHook(url, mine, firing);
    expect(res.status).toBe(200);
    expect(res.body.alerts?.map((a) => a.result)).toEqual(["changed", "ignored"]);
    expect((await itemState(url, id)).status).toBe("DOWN");
    expect((await itemState(url, otherId)).status).toBe("UP");
  });

  it("throttles each token on its own with 429 and Retry-After", async () => {
    const noisy = await createToken(url, "noisy", { scope: "TOKEN_SCOPE_STATUS" });
    // The server under test allows 60 calls at once, then one every 5 s, per token.
    const answers = [];
    for (let batch = 0; batch < 7; batch++) answers.push(...(await Promise.all(Array.from({ length: 10 }, () => postHook(url, noisy, alertmanagerPayload([]))))));
    const throttled = answers.filter((a) => a.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(5);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(60);
    expect(throttled[0]!.body.reason).toBe("HOOK_THROTTLED");
    expect(Number(throttled[0]!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another token is not slowed down by it.
    expect((await postHook(url, hookToken, alertmanagerPayload([]))).status).toBe(200);
  }, 120_000);

  it("is configured through HooksService, by admins only, with statuses that exist", async () => {
    const bad = await rpc(url, "statusthing.v1.HooksService/AddHook", { name: "x", labelName: "9bad" });
    expect(bad.code).toBe("invalid_argument");
    const missing = await rpc(url, "statusthing.v1.HooksService/AddHook", { name: "x", severities: [{ severity: "critical", statusId: "nope" }] });
    expect(missing.code).toBe("not_found");
    const taken = await rpc(url, "statusthing.v1.HooksService/AddHook", { name: "GRAFANA" });
    expect(taken.code).toBe("already_exists");
    const unknown = await postHook(url, hookToken, alertmanagerPayload([]), "?hook=nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body.reason).toBe("HOOK_NOT_FOUND");
    const hooks = (await rpc(url, "statusthing.v1.HooksService/ListHooks", {})).body.hooks as Array<{ name: string }>;
    expect(hooks.map((h) => h.name)).toEqual(["default", "grafana"]);
    expect((await rpc(url, "statusthing.v1.HooksService/ListHooks", {}, "anonymous")).code).toBe("unauthenticated");
    expect((await rpc(url, "statusthing.v1.HooksService/AddHook", { name: "mine" }, { token: hookToken })).code).toBe("permission_denied");
  });
});
