/**
 * Email subscriptions' delivery guarantees (#18 part 3), with a real SMTP server in the test
 * process: mail pending at a restart is sent after it (SQLite file), two PostgreSQL replicas send
 * each mail once, and a flapping item does not flood an address.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App, type AppOptions } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import type { Store } from "../../server/store/store.js";
import { rpc } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { SmtpReceiver, type ReceivedMail } from "../helpers/smtp-receiver.js";
import { eventually } from "../helpers/webhook-receiver.js";

const S = "statusthing.v1.SubscriptionsService";
const PUBLIC_URL = "https://status.example.com";
const quiet = () => new Writable({ write: (_chunk, _encoding, done) => done() });

async function startOn(store: Store, smtp: SmtpReceiver, extra: Partial<AppOptions> = {}): Promise<{ app: App; server: RunningServer }> {
  const app = await createApp({
    store,
    logger: createLogger("warn", quiet()),
    adminPassword: TEST_ADMIN_PASSWORD,
    maintenanceTickMs: 0,
    publicUrl: PUBLIC_URL,
    mail: { smtpUrl: smtp.url, from: "status@example.com" },
    mailDelivery: { pollMs: 100, retryDelayMs: () => 150, clientThrottle: { perClient: 100, windowMs: 60_000 } },
    ...extra,
  });
  const server = await serve(app, "127.0.0.1:0");
  await registerAdminToken(server.url);
  return { app, server };
}

async function ok(url: string, procedure: string, body: object = {}, caller: "admin" | "anonymous" = "admin"): Promise<Record<string, unknown>> {
  const result = await rpc(url, procedure, body, caller);
  expect(result.code, `${procedure}: ${result.text}`).toBe("ok");
  return result.body;
}

async function statusIds(url: string): Promise<Record<string, string>> {
  const list = (await ok(url, "statusthing.v1.StatusService/ListStatus")).statuses as Array<{ id: string; name: string }>;
  return Object.fromEntries(list.map((s) => [s.name, s.id]));
}

const tokenIn = (mail: ReceivedMail) => /\/subscription\/confirm\?token=([A-Za-z0-9_-]+)/.exec(mail.text)![1]!;

async function subscribeConfirmed(url: string, smtp: SmtpReceiver, email: string): Promise<void> {
  await ok(url, `${S}/Subscribe`, { email }, "anonymous");
  const mail = await smtp.waitFor((m) => m.envelopeTo.includes(email) && m.subject.includes("Confirm"));
  await ok(url, `${S}/ConfirmSubscription`, { token: tokenIn(mail) }, "anonymous");
}

describe("email subscriptions on SQLite", () => {
  let dir: string;
  let smtp: SmtpReceiver;
  const running: RunningServer[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "statusthing-mail-"));
    smtp = await SmtpReceiver.start();
  });
  afterEach(async () => {
    for (const server of running.splice(0)) await server.close(2_000);
  });
  afterAll(async () => {
    await smtp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends after a restart what was queued before it, each mail once", async () => {
    const path = join(dir, "restart.db");
    const first = await startOn(new SqliteStore({ path }), smtp);
    running.push(first.server);
    const url = first.server.url;
    const { UP, DOWN } = await statusIds(url);
    const item = ((await ok(url, "statusthing.v1.ItemsService/AddItem", { name: "API", initialStatusId: UP })).item as { id: string }).id;
    await subscribeConfirmed(url, smtp, "restart@example.com");
    await smtp.stop();
    await ok(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item, statusId: DOWN });
    await ok(url, "statusthing.v1.NotesService/AddNote", { itemId: item, noteText: "Investigating" });
    // Closing the server closes the app and its store.
    await first.server.close(2_000);
    running.splice(0);

    // The mails wait in the file; the SMTP server is back; a new process on the same file sends them.
    const reopened = new SqliteStore({ path });
    expect(await reopened.mail.queuedMails()).toBe(2);
    await smtp.start();
    const second = await startOn(reopened, smtp);
    running.push(second.server);
    await smtp.waitFor((m) => m.subject === "[Status] API: Investigating");
    await eventually(async () => (await reopened.mail.queuedMails()) === 0, "an empty queue");
    const got = smtp.to("restart@example.com").map((m) => m.subject);
    expect(got).toEqual(["[Status] Confirm your subscription", "[Status] API is DOWN", "[Status] API: Investigating"]);
  });

  it("sends at most 10 update mails an hour to one address, and the next says how many were skipped", async () => {
    let now = new Date("2026-03-01T10:00:00Z");
    const { server } = await startOn(new SqliteStore({ path: join(dir, "flap.db") }), smtp, { now: () => now });
    running.push(server);
    const url = server.url;
    const { UP, DOWN } = await statusIds(url);
    const item = ((await ok(url, "statusthing.v1.ItemsService/AddItem", { name: "Flappy", initialStatusId: UP })).item as { id: string }).id;
    await subscribeConfirmed(url, smtp, "flap@example.com");
    for (let i = 0; i < 14; i++) await ok(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item, statusId: i % 2 === 0 ? DOWN : UP });
    await eventually(() => smtp.to("flap@example.com").length === 11, "ten update mails");
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.to("flap@example.com")).toHaveLength(11);
    now = new Date(now.getTime() + 3_600_000 + 1_000);
    await ok(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item, statusId: DOWN });
    const next = await smtp.waitFor((m) => m.envelopeTo.includes("flap@example.com") && m.text.includes("were not mailed"));
    expect(next.text).toContain("4 earlier updates were not mailed to you: at most 10 mails an hour");
    expect(next.subject).toBe("[Status] Flappy is DOWN");
  });
});

const describePg = await describeWithPostgres("the email replica test");

describePg("email subscriptions on two PostgreSQL replicas", () => {
  let schemas: TestSchemas;
  let smtp: SmtpReceiver;
  const servers: RunningServer[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    schemas = new TestSchemas();
    smtp = await SmtpReceiver.start();
    const schema = await schemas.create();
    for (let i = 0; i < 2; i++) {
      const { server } = await startOn(await schemas.open(schema), smtp);
      servers.push(server);
      urls.push(server.url);
    }
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) await server.close(2_000);
    await schemas?.dropAll();
    await smtp?.stop();
  });

  it("sends each mail once: subscribed on one replica, changes made on both", async () => {
    const [a, b] = urls as [string, string];
    const { UP, DOWN, WARNING } = await statusIds(a);
    const item = ((await ok(a, "statusthing.v1.ItemsService/AddItem", { name: "API", initialStatusId: UP })).item as { id: string }).id;
    const readers = ["r1@example.com", "r2@example.com", "r3@example.com"];
    for (const [i, reader] of readers.entries()) await subscribeConfirmed(i % 2 === 0 ? a : b, smtp, reader);
    const steps = [DOWN, WARNING, UP, DOWN, UP];
    for (const [i, status] of steps.entries()) await ok(i % 2 === 0 ? b : a, "statusthing.v1.ItemsService/UpdateItem", { itemId: item, statusId: status });
    await eventually(() => readers.every((r) => smtp.to(r).length === 1 + steps.length), "every reader's mails", 30_000);
    await new Promise((r) => setTimeout(r, 1_000));
    for (const reader of readers) {
      const mails = smtp.to(reader);
      expect(mails.map((m) => m.subject)).toEqual([
        "[Status] Confirm your subscription",
        "[Status] API is DOWN",
        "[Status] API is WARNING",
        "[Status] API is UP",
        "[Status] API is DOWN",
        "[Status] API is UP",
      ]);
      expect(new Set(mails.map((m) => m.messageId)).size).toBe(mails.length);
    }
  }, 60_000);
});
