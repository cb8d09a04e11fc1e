/**
 * Webhook delivery when things go wrong (#18): a receiver down for a while, one that hangs, a
 * server killed with deliveries pending, two PostgreSQL replicas, a burst of 1,000 changes to 5
 * webhooks, and a webhook failing for 24 hours. Real receivers on real ports throughout.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createApp, type App } from "../../server/app.js";
import { newId } from "../../server/ids.js";
import { createLogger } from "../../server/logger.js";
import { PostgresStore } from "../../server/store/postgres/postgres-store.js";
import { newWebhookSecret } from "../../server/webhooks/signing.js";
import { rpc } from "../helpers/auth.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { killLeftoverServers, startServerProcess, stopServerProcess } from "../helpers/server-process.js";
import { eventually, WebhookReceiver } from "../helpers/webhook-receiver.js";

const W = "statusthing.v1.WebhooksService";
let server: TestServer | undefined;
const receivers: WebhookReceiver[] = [];

afterEach(async () => {
  await server?.stop();
  server = undefined;
  for (const r of receivers.splice(0)) await r.close();
  await killLeftoverServers();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await new WebhookReceiver().listen();
  receivers.push(r);
  return r;
}

async function addWebhook(url: string, target: string, fields: object = {}): Promise<{ id: string; secret: string }> {
  const added = await rpc(url, `${W}/AddWebhook`, { url: target, ...fields });
  expect(added.code, added.text).toBe("ok");
  return { id: (added.body.webhook as { id: string }).id, secret: added.body.secret as string };
}

async function addItem(url: string, name: string): Promise<string> {
  const added = await rpc(url, "statusthing.v1.ItemsService/AddItem", { name });
  expect(added.code, added.text).toBe("ok");
  return (added.body.item as { id: string }).id;
}

async function addNotes(url: string, itemId: string, texts: string[]): Promise<void> {
  for (const text of texts) expect((await rpc(url, "statusthing.v1.NotesService/AddNote", { itemId, noteText: text })).code).toBe("ok");
}

/** The note texts a receiver accepted, in order. */
const noteTexts = (r: WebhookReceiver) => r.accepted.filter((x) => x.json.type === "note.added").map((x) => (x.json.data as { note: { text: string } }).note.text);
const range = (n: number, prefix = "n") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("webhook delivery, reliably", () => {
  it("holds events while the receiver is down and delivers every one, in order, none twice, once it is back", async () => {
    server = await startTestServer({ app: { allowPrivateWebhooks: true, webhookDelivery: { retryDelayMs: () => 200, pollMs: 100 } } });
    const r = await receiver();
    const hook = await addWebhook(server.url, r.url);
    r.secrets = [hook.secret];
    const item = await addItem(server.url, "API");
    r.mode = "fail";
    await addNotes(server.url, item, range(15));
    await eventually(() => r.seen.length >= 3, "a few failed attempts");
    r.mode = "reset";
    await addNotes(server.url, item, range(15, "m"));
    await eventually(() => r.seen.length >= 6, "attempts on a reset connection");
    const failing = (await rpc(server.url, `${W}/ListWebhooks`)).body.webhooks as Array<{ failingSince?: string; attempts: number; pending: number }>;
    expect(failing[0]!.failingSince).toBeDefined();
    expect(failing[0]!.pending).toBeGreaterThan(0);
    r.mode = "ok";
    await eventually(() => noteTexts(r).length >= 30, "all 30 notes");
    expect(noteTexts(r)).toEqual([...range(15), ...range(15, "m")]);
    expect(r.repeats).toEqual([]);
    expect(r.badSignatures).toEqual([]);
    const deliveries = (await rpc(server.url, `${W}/ListDeliveries`, { webhookId: hook.id, pageSize: 200 })).body.deliveries as Array<{
      ok: boolean;
      statusCode?: number;
      error?: string;
      attempt: number;
    }>;
    expect(deliveries.some((d) => !d.ok && d.statusCode === 503 && d.error === "HTTP 503")).toBe(true);
    expect(deliveries.some((d) => !d.ok && (d.statusCode ?? 0) === 0 && /ECONNRESET|socket hang up/.test(d.error ?? ""))).toBe(true);
    expect(deliveries.some((d) => d.ok && d.attempt > 1)).toBe(true);
    const healed = (await rpc(server.url, `${W}/ListWebhooks`)).body.webhooks as Array<{ failingSince?: string }>;
    expect(healed[0]!.failingSince).toBeUndefined();
  }, 120_000);

  it("times out a receiver that hangs, retries it, and keeps other webhooks flowing meanwhile", async () => {
    server = await startTestServer({ app: { allowPrivateWebhooks: true, webhookDelivery: { retryDelayMs: () => 200, pollMs: 100, timeoutMs: 1_000 } } });
    const [stuck, fine] = [await receiver(), await receiver()];
    const stuckHook = await addWebhook(server.url, stuck.url);
    await addWebhook(server.url, fine.url);
    stuck.mode = "hang";
    const item = await addItem(server.url, "API");
    await addNotes(server.url, item, range(10));
    await eventually(() => noteTexts(fine).length >= 10, "the healthy webhook's ten notes");
    await eventually(async () => {
      const list = (await rpc(server!.url, `${W}/ListDeliveries`, { webhookId: stuckHook.id })).body.deliveries as Array<{ error?: string }> | undefined;
      return (list ?? []).some((d) => d.error === "timed out after 1 s");
    }, "a timed-out attempt");
    expect(stuck.accepted).toHaveLength(0);
    stuck.release();
    stuck.mode = "ok";
    await eventually(() => noteTexts(stuck).length >= 10, "the stuck webhook's ten notes, once it answers");
    expect(noteTexts(stuck)).toEqual(range(10));
    expect(noteTexts(fine)).toEqual(range(10));
  }, 120_000);

  it("disables a webhook that failed for 24 hours, says so, and delivers what waited once an admin re-enables it", async () => {
    let offset = 0;
    server = await startTestServer({
      app: { allowPrivateWebhooks: true, now: () => new Date(Date.now() + offset), webhookDelivery: { retryDelayMs: () => 100, pollMs: 100 } },
    });
    const r = await receiver();
    const hook = await addWebhook(server.url, r.url);
    const item = await addItem(server.url, "API");
    r.mode = "fail";
    await addNotes(server.url, item, ["before"]);
    await eventually(() => r.seen.length >= 2, "failures");
    offset = 25 * 3_600_000;
    const list = async () => ((await rpc(server!.url, `${W}/ListWebhooks`)).body.webhooks as Array<{ enabled?: boolean; disabledReason?: string }>)[0]!;
    await eventually(async () => (await list()).enabled !== true, "the webhook to be disabled");
    expect((await list()).disabledReason).toContain("failed for 24 hours");
    const seen = r.seen.length;
    await addNotes(server.url, item, ["while disabled"]);
    r.mode = "ok";
    // Disabled: nothing more is tried.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(r.seen.length).toBe(seen);
    const resumed = await rpc(server.url, `${W}/UpdateWebhook`, { webhookId: hook.id, enabled: true });
    expect(resumed.body.webhook).toMatchObject({ enabled: true });
    await eventually(() => noteTexts(r).length >= 2, "the waiting events");
    expect(noteTexts(r)).toEqual(["before", "while disabled"]);
  }, 120_000);

  it("delivers a burst of 1,000 changes to 5 webhooks: all of them, in order, none twice", async () => {
    server = await startTestServer({ app: { allowPrivateWebhooks: true, webhookDelivery: { pollMs: 200 } } });
    const rs = await Promise.all(Array.from({ length: 5 }, () => receiver()));
    for (const r of rs) r.secrets = [(await addWebhook(server.url, r.url)).secret];
    const item = await addItem(server.url, "API");
    const texts = range(1000);
    // Concurrent writers, as a burst comes: the order is the order the server committed them in.
    const chunks = Array.from({ length: 10 }, (_, c) => texts.slice(c * 100, c * 100 + 100));
    await Promise.all(chunks.map((chunk) => addNotes(server!.url, item, chunk)));
    const committed = ((await rpc(server.url, "statusthing.v1.NotesService/ListNotes", { itemId: item })).body.notes as Array<{ text: string }>).map((n) => n.text);
    expect(committed).toHaveLength(1000);
    for (const r of rs) {
      await eventually(() => noteTexts(r).length >= 1000, "1,000 notes at each webhook", 240_000);
      expect(noteTexts(r)).toEqual(committed);
      expect(r.repeats).toEqual([]);
      expect(r.badSignatures).toEqual([]);
    }
  }, 300_000);

  it("delivers what was pending after the server is SIGKILLed and started again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "statusthing-webhooks-"));
    try {
      const r = await receiver();
      const first = await startServerProcess(join(dir, "st.db"), ["--allow-private-webhooks"]);
      const hook = await addWebhook(first.url, r.url);
      r.secrets = [hook.secret];
      const item = await addItem(first.url, "API");
      r.mode = "fail";
      await addNotes(first.url, item, range(20));
      await eventually(() => r.seen.length >= 1, "a failed attempt");
      first.child.kill("SIGKILL");
      expect((await first.exited).signal).toBe("SIGKILL");
      r.mode = "ok";
      const second = await startServerProcess(join(dir, "st.db"), ["--allow-private-webhooks"]);
      try {
        await eventually(() => noteTexts(r).length >= 20, "the 20 pending notes after the restart", 90_000);
        expect(noteTexts(r)).toEqual(range(20));
        expect(r.repeats).toEqual([]);
        expect(r.badSignatures).toEqual([]);
      } finally {
        await stopServerProcess(second);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

const describePg = await describeWithPostgres("the webhook replica tests");

describePg("webhooks with two PostgreSQL replicas", () => {
  const schemas = new TestSchemas();
  afterAll(() => schemas.dropAll());

  it("delivers each event once per webhook, in order, while both replicas write and deliver", async () => {
    const schema = await schemas.create();
    const log = createLogger("silent");
    const settings = { allowPrivateWebhooks: true, webhookDelivery: { pollMs: 50 } };
    const stores = [await PostgresStore.open({ connectionString: schemas.url, schema }), await PostgresStore.open({ connectionString: schemas.url, schema })];
    const apps: App[] = [];
    for (const store of stores) apps.push(await createApp({ store, logger: log, adminPassword: "replica-password-1", ...settings }));
    const [a, b] = [await receiver(), await receiver()];
    try {
      for (const r of [a, b]) {
        const secret = newWebhookSecret();
        r.secrets = [secret];
        const now = new Date();
        await stores[0]!.outbox.addWebhook({
          id: newId(),
          url: r.url,
          description: "",
          events: [],
          itemIds: [],
          format: "standard",
          secret,
          previousSecret: undefined,
          previousSecretUntil: undefined,
          enabled: true,
          created: now,
          updated: now,
        });
      }
      const [up] = await stores[0]!.listStatuses([1]);
      const item = await stores[0]!.addItem({ id: newId(), name: "API", description: "", statusId: up!.id, created: new Date() });
      const texts = range(200);
      await Promise.all(
        [0, 1].map(async (replica) => {
          for (const text of texts.filter((_, i) => i % 2 === replica)) {
            const at = new Date();
            await stores[replica]!.addNote({ id: newId(), itemId: item.id, text, created: at, updated: at });
          }
        }),
      );
      const committed = (await stores[0]!.listNotes(item.id)).map((n) => n.text);
      for (const r of [a, b]) {
        await eventually(() => noteTexts(r).length >= 200, "200 notes at each webhook", 120_000);
        expect(noteTexts(r)).toEqual(committed);
        expect(r.repeats).toEqual([]);
        expect(r.badSignatures).toEqual([]);
      }
    } finally {
      for (const app of apps) {
        app.beginShutdown();
        await app.close();
      }
    }
  }, 180_000);
});
