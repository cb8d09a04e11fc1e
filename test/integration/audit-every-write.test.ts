/**
 * The audit actor travels from the RPC handler through the service to the store by hand (no
 * async context): each audited write must pass it on, or its row is silently missing. The
 * writes audit-log.test.ts and incidents.test.ts do not check are made here once each, by the
 * admin's token, and each must have its row (SQLite, which audits webhooks too).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { addItem, statusIds } from "../helpers/inlets.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

interface Event {
  actor: string;
  procedure: string;
  /** Left out of the JSON when empty (the page's settings). */
  objectId?: string;
}

describe("every audited write has its audit row", () => {
  let server: TestServer;
  const made: Array<[procedure: string, objectId: string | undefined]> = [];
  /** Calls `procedure` as the admin's token; expects ok; notes the call and the object its row must name (undefined: not checked). */
  const write = async (procedure: string, body: object, objectOf: (answer: Record<string, unknown>) => string | undefined) => {
    const res = await rpc(server.url, `statusthing.v1.${procedure}`, body);
    expect(res.code, `${procedure}: ${res.text}`).toBe("ok");
    made.push([procedure, objectOf(res.body)]);
    return res.body;
  };
  const idOf = (field: string) => (answer: Record<string, unknown>) => (answer[field] as { id: string }).id;

  beforeAll(async () => {
    server = await startTestServer({ app: { allowPrivateWebhooks: true } });
    const S = await statusIds(server.url);
    const itemId = await addItem(server.url, "Audited", S.UP!);

    const groupId = idOf("group")(await write("GroupsService/AddGroup", { name: "Core" }, idOf("group")));
    await write("GroupsService/UpdateGroup", { groupId, description: "the core" }, () => groupId);
    await write("GroupsService/MoveItem", { itemId, groupId, position: 0 }, () => itemId);
    await write("GroupsService/MoveGroup", { groupId, position: 0 }, () => groupId);
    await write("GroupsService/DeleteGroup", { groupId }, () => groupId);

    await write("SettingsService/UpdateSettings", { name: "Audited page" }, () => "");

    const hookId = idOf("hook")(await write("HooksService/AddHook", { name: "audited" }, idOf("hook")));
    await write("HooksService/UpdateHook", { hookId, name: "audited-2" }, () => hookId);
    // Its row names no object: objectIdOf does not read hook_id (not this test's business).
    await write("HooksService/DeleteHook", { hookId }, () => undefined);
    await write("HooksService/SetHeartbeat", { itemId, intervalSeconds: 60, graceSeconds: 30, lateStatusId: S.DOWN! }, () => itemId);
    await write("HooksService/RotateHeartbeatSecret", { itemId }, () => itemId);
    await write("HooksService/DeleteHeartbeat", { itemId }, () => itemId);

    // Its deliveries go nowhere that answers: TestWebhook's failed attempt is still its write.
    const webhookId = idOf("webhook")(await write("WebhooksService/AddWebhook", { url: `${server.url}/no-such-receiver` }, idOf("webhook")));
    await write("WebhooksService/UpdateWebhook", { webhookId, description: "audited" }, () => webhookId);
    await write("WebhooksService/TestWebhook", { webhookId }, () => webhookId);
    await write("WebhooksService/DeleteWebhook", { webhookId }, () => webhookId);
  }, 60_000);
  afterAll(() => server.stop());

  it("records each one once, as its caller, naming its object", async () => {
    const res = await rpc(server.url, "statusthing.v1.AuditService/ListAuditEvents", { pageSize: 500 });
    expect(res.code, res.text).toBe("ok");
    const events = (res.body.events ?? []) as Event[];
    for (const [procedure, objectId] of made) {
      const rows = events.filter((e) => e.procedure === `statusthing.v1.${procedure}` && (objectId === undefined || (e.objectId ?? "") === objectId));
      expect(rows, `${procedure} of ${objectId || "the page"}`).toHaveLength(1);
      expect(rows[0]!.actor).toBe("token:tests (admin)");
    }
  });
});
