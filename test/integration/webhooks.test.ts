/**
 * Webhooks (#18) against real receivers on real ports: every request's Standard Webhooks
 * signature is checked with an independent verifier (test/helpers/webhook-receiver.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { eventually, WebhookReceiver } from "../helpers/webhook-receiver.js";
import { postWebhook } from "../../server/webhooks/http-post.js";

const W = "statusthing.v1.WebhooksService";

let server: TestServer | undefined;
const receivers: WebhookReceiver[] = [];

afterEach(async () => {
  await server?.stop();
  server = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await new WebhookReceiver().listen();
  receivers.push(r);
  return r;
}

async function start(app: Parameters<typeof startTestServer>[0] extends infer O ? (O extends { app?: infer A } ? A : never) : never = {}): Promise<TestServer> {
  server = await startTestServer({ app: { allowPrivateWebhooks: true, webhookDelivery: { retryDelayMs: () => 100, pollMs: 100 }, ...app } });
  return server;
}

async function statuses(url: string): Promise<Record<string, string>> {
  const list = (await rpc(url, "statusthing.v1.StatusService/ListStatus")).body.statuses as Array<{ id: string; name: string }>;
  return Object.fromEntries(list.map((s) => [s.name, s.id]));
}

async function addItem(url: string, name: string, statusId: string): Promise<string> {
  const added = await rpc(url, "statusthing.v1.ItemsService/AddItem", { name, initialStatusId: statusId });
  expect(added.code, added.text).toBe("ok");
  return (added.body.item as { id: string }).id;
}

async function addWebhook(url: string, body: object): Promise<{ id: string; secret: string }> {
  const added = await rpc(url, `${W}/AddWebhook`, body);
  expect(added.code, added.text).toBe("ok");
  return { id: (added.body.webhook as { id: string }).id, secret: added.body.secret as string };
}

describe("webhooks", () => {
  it("signs and delivers each change in order, with a documented, versioned payload; the secret is shown once", async () => {
    const { url } = await start();
    const r = await receiver();
    const { UP, DOWN } = await statuses(url);
    const hook = await addWebhook(url, { url: r.url, description: "ops" });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    r.secrets = [hook.secret];
    const listed = await rpc(url, `${W}/ListWebhooks`);
    expect(listed.text).not.toContain(hook.secret);
    expect(listed.body.webhooks).toMatchObject([{ id: hook.id, url: r.url, description: "ops", enabled: true, format: "WEBHOOK_FORMAT_STANDARD" }]);

    // The audit log records the addition, but not the URL's path (often a credential itself).
    const audit = (await rpc(url, "statusthing.v1.AuditService/ListAuditEvents", {})).body.events as Array<{
      procedure: string;
      objectType: string;
      objectId: string;
      summary: string;
    }>;
    const added = audit.find((e) => e.procedure.endsWith("WebhooksService/AddWebhook"))!;
    expect(added).toMatchObject({ objectType: "webhook", objectId: hook.id });
    expect(added.summary).toContain(`http://127.0.0.1:${r.port}/…`);
    expect(added.summary).not.toContain("/hook");

    const api = await addItem(url, "API", UP!);
    expect((await rpc(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: api, statusId: DOWN })).code).toBe("ok");
    expect((await rpc(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: api, name: "Public API" })).code).toBe("ok");
    const note = await rpc(url, "statusthing.v1.NotesService/AddNote", { itemId: api, noteText: "We are looking into it" });
    await rpc(url, "statusthing.v1.NotesService/UpdateNote", { noteId: (note.body.note as { id: string }).id, noteText: "Fixed <soon> & well" });
    expect((await rpc(url, "statusthing.v1.ItemsService/DeleteItem", { itemId: api })).code).toBe("ok");

    await eventually(() => r.accepted.length >= 5, "five events");
    expect(r.types()).toEqual(["item.added", "item.status_changed", "note.added", "note.updated", "item.removed"]);
    expect(r.badSignatures).toEqual([]);
    expect(r.repeats).toEqual([]);
    const changed = r.accepted[1]!;
    expect(changed.headers["content-type"]).toBe("application/json");
    expect(changed.headers["webhook-id"]).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(changed.json).toMatchObject({
      type: "item.status_changed",
      version: 1,
      data: {
        item: { id: api, name: "API", status: { id: DOWN, name: "DOWN", kind: "STATUS_KIND_DOWN" } },
        previous_status: { id: UP, name: "UP", kind: "STATUS_KIND_UP", color: "#5DFC0A" },
      },
    });
    expect(new Date(changed.json.timestamp as string).getTime()).toBeGreaterThan(0);
    expect(r.accepted[4]!.json).toMatchObject({ data: { item: { id: api, name: "Public API" } } });
    // A wrong secret does not verify: the check is real.
    expect(r.accepted.every((x) => x.verified[0] === undefined)).toBe(true);
    r.secrets = ["whsec_" + Buffer.alloc(32, 7).toString("base64")];

    const deliveries = await rpc(url, `${W}/ListDeliveries`, { webhookId: hook.id });
    expect((deliveries.body.deliveries as Array<{ ok: boolean; statusCode: number; eventType: string }>).map((d) => [d.eventType, d.ok, d.statusCode])).toEqual([
      ["item.removed", true, 204],
      ["note.updated", true, 204],
      ["note.added", true, 204],
      ["item.status_changed", true, 204],
      ["item.added", true, 204],
    ]);
    const again = await rpc(url, `${W}/ListWebhooks`);
    expect((again.body.webhooks as Array<{ pending?: number }>)[0]!.pending ?? 0).toBe(0);
  });

  it("sends only the events and items a webhook asks for, Slack-style text when asked, and a ping on TestWebhook", async () => {
    const { url } = await start();
    const [all, some, chat] = [await receiver(), await receiver(), await receiver()];
    const { UP, DOWN } = await statuses(url);
    const web = await addItem(url, "Web", UP!);
    const db = await addItem(url, "DB", UP!);
    await addWebhook(url, { url: all.url });
    await addWebhook(url, { url: some.url, events: ["item.status_changed"], itemIds: [db] });
    await addWebhook(url, { url: chat.url, format: "WEBHOOK_FORMAT_SLACK", events: ["item.status_changed", "note.added"] });
    await rpc(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: web, statusId: DOWN });
    await rpc(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: db, statusId: DOWN });
    await rpc(url, "statusthing.v1.NotesService/AddNote", { itemId: db, noteText: "Disk <full> & slow" });
    await eventually(() => all.accepted.length >= 3 && some.accepted.length >= 1 && chat.accepted.length >= 3, "filtered events");
    expect(all.types()).toEqual(["item.status_changed", "item.status_changed", "note.added"]);
    expect(some.accepted.map((x) => (x.json.data as { item: { id: string } }).item.id)).toEqual([db]);
    expect(chat.accepted.map((x) => x.json)).toEqual([
      { text: "*Web* is now DOWN (Down), was UP (Up)" },
      { text: "*DB* is now DOWN (Down), was UP (Up)" },
      { text: "*DB*: Disk &lt;full&gt; &amp; slow" },
    ]);
    const bad = await rpc(url, `${W}/AddWebhook`, { url: all.url, events: ["item.exploded"] });
    expect(bad.code).toBe("invalid_argument");
    expect(bad.text).toContain("unknown event");
    const missingItem = await rpc(url, `${W}/AddWebhook`, { url: all.url, itemIds: ["nope"] });
    expect(missingItem.code).toBe("not_found");

    const hooks = (await rpc(url, `${W}/ListWebhooks`)).body.webhooks as Array<{ id: string; url: string }>;
    const ping = await rpc(url, `${W}/TestWebhook`, { webhookId: hooks.find((h) => h.url === some.url)!.id });
    expect(ping.body.delivery).toMatchObject({ eventType: "ping", ok: true, statusCode: 204, attempt: 1 });
    await eventually(() => some.accepted.length >= 2, "the ping");
    expect(some.accepted[1]!.json).toMatchObject({ type: "ping" });
  });

  it("rotates a secret with a grace period: both signatures are sent until it ends", async () => {
    const { url } = await start();
    const r = await receiver();
    const { UP, DOWN } = await statuses(url);
    const item = await addItem(url, "Web", UP!);
    const hook = await addWebhook(url, { url: r.url });
    const rotated = await rpc(url, `${W}/UpdateWebhook`, { webhookId: hook.id, rotateSecret: true, rotationGraceSeconds: 3600 });
    expect(rotated.code, rotated.text).toBe("ok");
    const fresh = rotated.body.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(hook.secret);
    expect((rotated.body.webhook as { previousSecretExpiresAt?: string }).previousSecretExpiresAt).toBeDefined();
    r.secrets = [hook.secret, fresh];
    await rpc(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item, statusId: DOWN });
    await eventually(() => r.accepted.length >= 1, "a delivery after rotation");
    expect(r.accepted[0]!.verified).toEqual([undefined, undefined]);
    expect(String(r.accepted[0]!.headers["webhook-signature"]).split(" ")).toHaveLength(2);
    // The old secret alone must not verify what a receiver would reject: the check is real.
    r.secrets = ["whsec_" + Buffer.alloc(32, 7).toString("base64")];
    await rpc(url, "statusthing.v1.ItemsService/UpdateItem", { itemId: item, statusId: UP });
    await eventually(() => r.seen.length >= 2, "a second delivery");
    expect(r.seen[1]!.verified[0]).toBe("no signature matches");
    expect((await rpc(url, `${W}/UpdateWebhook`, { webhookId: hook.id, rotationGraceSeconds: 5 })).code).toBe("invalid_argument");
  });

  it("refuses loopback, private and link-local URLs without --allow-private-webhooks, and at connect time too", async () => {
    const { url } = await start({ allowPrivateWebhooks: false });
    const r = await receiver();
    for (const target of [
      r.url,
      `http://localhost:${r.port}/`,
      "http://[::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://169.254.169.254/latest",
      "http://10.1.2.3/",
      "http://0.0.0.0/",
    ]) {
      const refused = await rpc(url, `${W}/AddWebhook`, { url: target });
      expect(refused.code, target).toBe("invalid_argument");
      expect(refused.text, target).toContain("WEBHOOK_ADDRESS_REFUSED");
      expect(refused.body.message, target).toContain("--allow-private-webhooks");
    }
    expect((await rpc(url, `${W}/AddWebhook`, { url: "ftp://example.com/" })).code).toBe("invalid_argument");
    // A name that resolves to loopback at send time is refused when connecting, whatever was checked before.
    const sent = await postWebhook(`http://localhost:${r.port}/hook`, "{}", {}, { allowPrivate: false });
    expect(sent).toMatchObject({ statusCode: 0 });
    expect(sent.error).toContain("refused");
    expect(r.seen).toHaveLength(0);
    const allowed = await postWebhook(`http://localhost:${r.port}/hook`, "{}", {}, { allowPrivate: true });
    expect(allowed).toMatchObject({ statusCode: 204, error: "" });
  });

  it("follows no redirect and reads a bounded part of a large answer", async () => {
    const { createServer } = await import("node:http");
    const target = await receiver();
    const odd = createServer((req, res) => {
      if (req.url === "/redirect") res.writeHead(302, { location: target.url }).end();
      else {
        res.writeHead(200);
        // An endless answer: the sender stops reading.
        const chunk = Buffer.alloc(64 * 1024, 120);
        const pump = () => {
          while (res.write(chunk));
          res.once("drain", pump);
        };
        pump();
      }
    });
    await new Promise<void>((resolve) => odd.listen(0, "127.0.0.1", resolve));
    const port = (odd.address() as { port: number }).port;
    try {
      const redirected = await postWebhook(`http://127.0.0.1:${port}/redirect`, "{}", {}, { allowPrivate: true });
      expect(redirected.statusCode).toBe(302);
      expect(redirected.error).toContain("redirects are not followed");
      expect(target.seen).toHaveLength(0);
      const endless = await postWebhook(`http://127.0.0.1:${port}/big`, "{}", {}, { allowPrivate: true, timeoutMs: 30_000 });
      expect(endless).toMatchObject({ statusCode: 200, error: "" });
    } finally {
      odd.closeAllConnections();
      odd.close();
    }
  });
});
