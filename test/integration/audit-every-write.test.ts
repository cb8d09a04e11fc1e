/**
 * The audit actor travels from the RPC handler through the service to the store by hand (no
 * async context): each audited write must pass it on, or its row is silently missing. The
 * writes audit-log.test.ts and incidents.test.ts do not check are made here once each, by the
 * admin's token, and each must have its row, on SQLite and on PostgreSQL (whose webhook and
 * subscriber writes go straight to the pool, not through the write queue).
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp, type AppOptions } from "../../server/app.js";
import { serve } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import { rpc } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { addItem, statusIds } from "../helpers/inlets.js";
import { TestSchemas } from "../helpers/postgres.js";
import { startTestServer } from "../helpers/server.js";
import { SmtpReceiver } from "../helpers/smtp-receiver.js";

interface Event {
  actor: string;
  procedure: string;
  /** Left out of the JSON when empty (the page's settings). */
  objectId?: string;
}

/** Mail is set up so that a subscriber can be made and removed; webhooks may go to 127.0.0.1. */
const APP = (smtpUrl: string): Partial<AppOptions> => ({
  allowPrivateWebhooks: true,
  publicUrl: "http://status.example.com",
  allowedHosts: ["*"],
  mail: { smtpUrl, from: "Status <status@example.com>" },
});

interface Started {
  url: string;
  stop(): Promise<void>;
}

/** A server on SQLite (the test helper's). */
async function onSqlite(smtpUrl: string): Promise<Started> {
  const server = await startTestServer({ app: APP(smtpUrl) });
  return { url: server.url, stop: () => server.stop() };
}

/** A server on a fresh PostgreSQL schema, as the admin's token. */
async function onPostgres(smtpUrl: string): Promise<Started> {
  const schemas = new TestSchemas();
  const store = await schemas.open(await schemas.create());
  const logger = createLogger("silent", new Writable({ write: (_c, _e, done) => done() }));
  const app = await createApp({ store, logger, adminPassword: TEST_ADMIN_PASSWORD, ...APP(smtpUrl) });
  const server = await serve(app, "127.0.0.1:0");
  await registerAdminToken(server.url);
  return {
    url: server.url,
    async stop() {
      await server.close(1_000);
      await schemas.dropAll();
    },
  };
}

const describePg = await describeWithPostgres("the audit rows of every write on PostgreSQL");

describe("every audited write has its audit row, on SQLite", () => everyWriteAudited(onSqlite));
describePg("every audited write has its audit row, on PostgreSQL", () => everyWriteAudited(onPostgres));

function everyWriteAudited(start: (smtpUrl: string) => Promise<Started>): void {
  let server: Started;
  let smtp: SmtpReceiver;
  const made: Array<[procedure: string, objectId: string | undefined]> = [];
  /** Calls `procedure` as the admin's token; expects ok; notes the call and the object its row must name (undefined: not checked); each call, one row. */
  const write = async (procedure: string, body: object, objectOf: (answer: Record<string, unknown>) => string | undefined) => {
    const res = await rpc(server.url, `statusthing.v1.${procedure}`, body);
    expect(res.code, `${procedure}: ${res.text}`).toBe("ok");
    made.push([procedure, objectOf(res.body)]);
    return res.body;
  };
  const idOf = (field: string) => (answer: Record<string, unknown>) => (answer[field] as { id: string }).id;

  beforeAll(async () => {
    smtp = await SmtpReceiver.start();
    server = await start(smtp.url);
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
    await write("HooksService/DeleteHook", { hookId }, () => hookId);
    await write("HooksService/SetHeartbeat", { itemId, intervalSeconds: 60, graceSeconds: 30, lateStatusId: S.DOWN! }, () => itemId);
    await write("HooksService/RotateHeartbeatSecret", { itemId }, () => itemId);
    await write("HooksService/DeleteHeartbeat", { itemId }, () => itemId);

    // Its deliveries go nowhere that answers: TestWebhook's failed attempt is still its write.
    const webhookId = idOf("webhook")(await write("WebhooksService/AddWebhook", { url: `${server.url}/no-such-receiver` }, idOf("webhook")));
    await write("WebhooksService/UpdateWebhook", { webhookId, description: "audited" }, () => webhookId);
    await write("WebhooksService/TestWebhook", { webhookId }, () => webhookId);
    // Off and on again: re-enabling is a write of its own in the store.
    await write("WebhooksService/UpdateWebhook", { webhookId, enabled: false }, () => webhookId);
    await write("WebhooksService/UpdateWebhook", { webhookId, enabled: true }, () => webhookId);
    await write("WebhooksService/DeleteWebhook", { webhookId }, () => webhookId);

    // Subscribing is public (no audit row); removing the unconfirmed subscriber is the admin's write.
    expect((await rpc(server.url, "statusthing.v1.SubscriptionsService/Subscribe", { email: "audited@example.com" }, "anonymous")).code).toBe("ok");
    const listed = await rpc(server.url, "statusthing.v1.SubscriptionsService/ListSubscribers", {});
    const subscriberId = (listed.body.subscribers as Array<{ id: string }>)[0]!.id;
    await write("SubscriptionsService/RemoveSubscriber", { id: subscriberId }, () => subscriberId);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await smtp?.stop();
  });

  it("records each one once, as its caller, naming its object", async () => {
    const res = await rpc(server.url, "statusthing.v1.AuditService/ListAuditEvents", { pageSize: 500 });
    expect(res.code, res.text).toBe("ok");
    const events = (res.body.events ?? []) as Event[];
    for (const [procedure, objectId] of made) {
      const calls = made.filter(([p, o]) => p === procedure && o === objectId).length;
      const rows = events.filter((e) => e.procedure === `statusthing.v1.${procedure}` && (objectId === undefined || (e.objectId ?? "") === objectId));
      expect(rows, `${procedure} of ${objectId || "the page"}`).toHaveLength(calls);
      for (const row of rows) expect(row.actor).toBe("token:tests (admin)");
    }
  });
}
