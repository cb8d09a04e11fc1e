/**
 * Email subscriptions (#18 part 3) end to end: a real SMTP server in the test process
 * (test/helpers/smtp-receiver.ts: smtp-server + mailparser) takes, parses and checks every mail
 * the real server sends through nodemailer.
 */
import { afterEach, describe, expect, it } from "vitest";
import { mustLogin, rpc, type RpcResult } from "../helpers/auth.js";
import { TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { startTestServer, type TestServer, type TestServerOptions } from "../helpers/server.js";
import { SmtpReceiver, type ReceivedMail } from "../helpers/smtp-receiver.js";
import { eventually } from "../helpers/webhook-receiver.js";

const S = "statusthing.v1.SubscriptionsService";
const PUBLIC_URL = "https://status.example.com";

let server: TestServer | undefined;
let smtp: SmtpReceiver | undefined;

afterEach(async () => {
  await server?.stop();
  server = undefined;
  await smtp?.stop();
  smtp = undefined;
});

async function start(options: { app?: TestServerOptions["app"]; auth?: { user: string; pass: string } } = {}): Promise<{ url: string; smtp: SmtpReceiver }> {
  smtp = await SmtpReceiver.start(options.auth ? { auth: options.auth } : {});
  server = await startTestServer({
    app: {
      publicUrl: PUBLIC_URL,
      allowedHosts: ["*"],
      mail: { smtpUrl: smtp.url, from: "Status <status@example.com>" },
      ...options.app,
      mailDelivery: { pollMs: 100, retryDelayMs: () => 200, ...options.app?.mailDelivery },
    },
  });
  return { url: server.url, smtp };
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

async function setStatus(url: string, itemId: string, statusId: string): Promise<void> {
  const updated = await rpc(url, "statusthing.v1.ItemsService/UpdateItem", { itemId, statusId });
  expect(updated.code, updated.text).toBe("ok");
}

const subscribe = (url: string, email: string, itemIds: string[] = [], headers: Record<string, string> = {}): Promise<RpcResult> =>
  rpc(url, `${S}/Subscribe`, { email, itemIds }, "anonymous", headers);

/** The token in a mail's link to `path` (confirm or unsubscribe), from the plain-text body. */
function tokenIn(mail: ReceivedMail, path: "confirm" | "unsubscribe"): string {
  const match = new RegExp(`${PUBLIC_URL}/subscription/${path}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${path} link in: ${mail.text}`);
  return match[1]!;
}

/** Subscribes and confirms `email`; returns its confirmation mail. */
async function subscribed(url: string, receiver: SmtpReceiver, email: string, itemIds: string[] = []): Promise<ReceivedMail> {
  const asked = await subscribe(url, email, itemIds);
  expect(asked.code, asked.text).toBe("ok");
  const mail = await receiver.waitFor((m) => m.envelopeTo.includes(email) && m.subject.includes("Confirm"));
  const confirmed = await rpc(url, `${S}/ConfirmSubscription`, { token: tokenIn(mail, "confirm") }, "anonymous");
  expect(confirmed.code, confirmed.text).toBe("ok");
  return mail;
}

const retryDelay = (r: RpcResult) => {
  const details = (r.body.details ?? []) as Array<{ type: string; debug?: { retryDelay?: string } }>;
  return details.find((d) => d.type === "google.rpc.RetryInfo")?.debug?.retryDelay;
};

describe("email subscriptions", () => {
  it("subscribe → confirmation mail (text, HTML, link) → confirm → status mail with List-Unsubscribe → one-click POST → no more mail", async () => {
    const { url, smtp } = await start({ auth: { user: "mailer", pass: "s3cret pass" } });
    const { UP, DOWN } = await statuses(url);
    const api = await addItem(url, "Payments", UP!);
    expect((await rpc(url, `${S}/GetSubscribeOptions`, {}, "anonymous")).body).toEqual({ email: true });

    const asked = await subscribe(url, "Reader@Example.com");
    expect(asked.code, asked.text).toBe("ok");
    expect(asked.body).toEqual({});
    const confirmation = await smtp.waitFor((m) => m.subject.includes("Confirm"));
    expect(confirmation.user).toBe("mailer");
    expect(server!.logs.some((l) => l.msg === "email subscriptions are on")).toBe(true);
    expect(JSON.stringify(server!.logs)).not.toContain("s3cret");
    expect(confirmation.envelopeTo).toEqual(["reader@example.com"]);
    expect(confirmation.parsed.from?.value).toEqual([{ address: "status@example.com", name: "Status" }]);
    expect(confirmation.subject).toBe("[Status] Confirm your subscription");
    const token = tokenIn(confirmation, "confirm");
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(confirmation.html).toContain(`href="${PUBLIC_URL}/subscription/confirm?token=${token}"`);
    expect(confirmation.header("list-unsubscribe")).toMatch(new RegExp(`^<${PUBLIC_URL}/subscription/unsubscribe\\?token=[A-Za-z0-9_-]+>$`));

    // Not confirmed yet: a status change sends nothing.
    await setStatus(url, api, DOWN!);
    await new Promise((r) => setTimeout(r, 500));
    const confirmed = await rpc(url, `${S}/ConfirmSubscription`, { token }, "anonymous");
    expect(confirmed.code, confirmed.text).toBe("ok");
    expect(confirmed.body).toEqual({});
    await setStatus(url, api, UP!);

    const statusMail = await smtp.waitFor((m) => m.subject.includes("Payments is"));
    expect(statusMail.subject).toBe("[Status] Payments is UP");
    expect(statusMail.text).toContain("Payments is now UP (it was DOWN).");
    expect(statusMail.text).toContain(`${PUBLIC_URL}/items/${api}`);
    expect(statusMail.html).toContain("Payments is now UP (it was DOWN).");
    expect(statusMail.messageId).toMatch(/^<[0-9A-Za-z]{27}\.[0-9A-Za-z]{27}@status\.example\.com>$/);
    expect(statusMail.header("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
    const unsubscribeUrl = /^<(.+)>$/.exec(statusMail.header("list-unsubscribe")!)![1]!;
    expect(statusMail.text).toContain(unsubscribeUrl);
    expect(smtp.mails.filter((m) => m.subject.includes("Payments is"))).toHaveLength(1);

    // The mail provider's one-click POST (RFC 8058): cross-site, no cookies, to the public URL's path on this server.
    const oneClick = await fetch(`${url}${new URL(unsubscribeUrl).pathname}${new URL(unsubscribeUrl).search}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://mail.example.net", "sec-fetch-site": "cross-site" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect(oneClick.headers.get("content-type")).toMatch(/^text\/plain/);
    const listed = await rpc(url, `${S}/ListSubscribers`);
    expect(listed.body).toEqual({});

    await setStatus(url, api, DOWN!);
    await new Promise((r) => setTimeout(r, 700));
    expect(smtp.mails.map((m) => m.subject)).toEqual(["[Status] Confirm your subscription", "[Status] Payments is UP"]);
    // A used confirmation link does not work again.
    const reused = await rpc(url, `${S}/ConfirmSubscription`, { token }, "anonymous");
    expect([reused.code, (reused.body.details as Array<{ debug?: { reason?: string } }>)[0]?.debug?.reason]).toEqual(["not_found", "SUBSCRIPTION_LINK_EXPIRED"]);
  });

  it("sends a whole-page subscriber every item, and an item subscriber only its items", async () => {
    const { url, smtp } = await start();
    const { UP, DOWN } = await statuses(url);
    const api = await addItem(url, "API", UP!);
    const web = await addItem(url, "Web", UP!);
    await subscribed(url, smtp, "all@example.com");
    await subscribed(url, smtp, "api@example.com", [api]);
    const unknown = await subscribe(url, "x@example.com", ["2aB3cD4eF5gH6iJ7kL8mN9oP0qR"]);
    expect(unknown.code).toBe("not_found");
    await setStatus(url, web, DOWN!);
    await setStatus(url, api, DOWN!);
    await rpc(url, "statusthing.v1.NotesService/AddNote", { itemId: api, noteText: "Looking into it" });
    await smtp.waitFor((m) => m.envelopeTo.includes("api@example.com") && m.subject.includes("Looking into it"));
    await smtp.waitFor((m) => m.envelopeTo.includes("all@example.com") && m.subject.includes("Looking into it"));
    const subjects = (to: string) =>
      smtp
        .to(to)
        .filter((m) => !m.subject.includes("Confirm"))
        .map((m) => m.subject);
    expect(subjects("all@example.com")).toEqual(["[Status] Web is DOWN", "[Status] API is DOWN", "[Status] API: Looking into it"]);
    expect(subjects("api@example.com")).toEqual(["[Status] API is DOWN", "[Status] API: Looking into it"]);
    const listed = await rpc(url, `${S}/ListSubscribers`);
    expect(listed.body).toMatchObject({ confirmed: 2 });
    expect((listed.body.subscribers as Array<{ email: string; itemIds?: string[]; confirmed: boolean }>).map((s) => [s.email, s.itemIds ?? [], s.confirmed])).toEqual([
      ["api@example.com", [api], true],
      ["all@example.com", [], true],
    ]);
  });

  it("refuses expired links, and a second Subscribe replaces the choice only once confirmed", async () => {
    let now = new Date("2026-01-01T10:00:00Z");
    const { url, smtp } = await start({ app: { now: () => now } });
    const { UP, DOWN } = await statuses(url);
    const api = await addItem(url, "API", UP!);
    await subscribe(url, "late@example.com");
    const first = await smtp.waitFor((m) => m.subject.includes("Confirm"));
    now = new Date(now.getTime() + 24 * 3_600_000 + 1_000);
    const expired = await rpc(url, `${S}/ConfirmSubscription`, { token: tokenIn(first, "confirm") }, "anonymous");
    expect(expired.code).toBe("not_found");
    expect(expired.text).toContain("SUBSCRIPTION_LINK_EXPIRED");
    const garbage = await rpc(url, `${S}/ConfirmSubscription`, { token: "x".repeat(5000) }, "anonymous");
    expect(garbage.code).toBe("not_found");

    // A confirmed whole-page subscriber asks for one item: still whole-page until that is confirmed.
    const again = await subscribe(url, "late@example.com");
    expect(again.code, again.text).toBe("ok");
    const second = await smtp.waitFor((m) => m.subject.includes("Confirm") && m !== first);
    expect((await rpc(url, `${S}/ConfirmSubscription`, { token: tokenIn(second, "confirm") }, "anonymous")).code).toBe("ok");
    now = new Date(now.getTime() + 11 * 60_000);
    const web = await addItem(url, "Web", UP!);
    expect((await subscribe(url, "late@example.com", [api])).code).toBe("ok");
    await smtp.waitFor((m) => m.subject.includes("Confirm") && m !== first && m !== second);
    await setStatus(url, web, DOWN!);
    await smtp.waitFor((m) => m.subject === "[Status] Web is DOWN");
  });

  it("throttles per client (RetryInfo) and per address, with the same answer for known and unknown addresses", async () => {
    const { url, smtp } = await start({ app: { mailDelivery: { clientThrottle: { perClient: 3, windowMs: 60_000 } } } });
    expect((await subscribe(url, "one@example.com")).code).toBe("ok");
    // The same address again at once: one confirmation mail per address per 10 minutes.
    const repeated = await subscribe(url, "ONE@example.com");
    expect(repeated.code).toBe("resource_exhausted");
    expect(repeated.text).toContain("SUBSCRIBE_THROTTLED");
    expect(Number(retryDelay(repeated)?.replace("s", ""))).toBeGreaterThan(500);
    expect(Number(repeated.headers.get("retry-after"))).toBeGreaterThan(500);
    expect((await subscribe(url, "two@example.com")).code).toBe("ok");
    // The client's third and fourth requests: the fourth is over its allowance, whatever the address.
    const third = await subscribe(url, "three@example.com");
    expect(third.code).toBe("resource_exhausted");
    expect(Number(retryDelay(third)?.replace("s", ""))).toBeGreaterThan(0);
    await eventually(() => smtp.mails.length === 2, "two confirmation mails");
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails.map((m) => m.envelopeTo[0]).sort()).toEqual(["one@example.com", "two@example.com"]);
    // Behind a trusted proxy, each forwarded client has its own allowance.
    await server!.stop();
    server = await startTestServer({
      app: { publicUrl: PUBLIC_URL, trustProxy: 1, mail: { smtpUrl: smtp.url, from: "s@example.com" }, mailDelivery: { clientThrottle: { perClient: 1, windowMs: 60_000 } } },
    });
    expect((await subscribe(server.url, "a@example.com", [], { "x-forwarded-for": "203.0.113.1" })).code).toBe("ok");
    expect((await subscribe(server.url, "b@example.com", [], { "x-forwarded-for": "203.0.113.2" })).code).toBe("ok");
    expect((await subscribe(server.url, "c@example.com", [], { "x-forwarded-for": "203.0.113.2" })).code).toBe("resource_exhausted");
  });

  it("refuses bad addresses (header injection, display names, several addresses) with FIELD_INVALID on email, and queues nothing", async () => {
    const { url, smtp } = await start({ app: { mailDelivery: { clientThrottle: { perClient: 100, windowMs: 60_000 } } } });
    const bad = [
      "",
      "plain",
      "a@b",
      "victim@example.com\r\nBcc: many@example.com",
      "victim@example.com\nSubject: hi",
      "Victim <victim@example.com>",
      "a@example.com, b@example.com",
      "a@@example.com",
      "a b@example.com",
      '"quoted"@example.com',
      "a@[127.0.0.1]",
      "a@127.0.0.1",
      `${"a".repeat(65)}@example.com`,
      `a@${"b".repeat(250)}.com`,
      "a@example.com\u0000",
      ".a@example.com",
    ];
    for (const email of bad) {
      const answer = await subscribe(url, email);
      expect(answer.code, JSON.stringify(email)).toBe("invalid_argument");
      expect(answer.text).toContain('"field":"email"');
    }
    const listed = await rpc(url, `${S}/ListSubscribers`);
    expect(listed.body).toEqual({});
    expect(smtp.mails).toHaveLength(0);
  });

  it("keeps mail through an SMTP outage and delivers each once when it is back", async () => {
    const { url, smtp } = await start();
    const { UP, DOWN } = await statuses(url);
    const api = await addItem(url, "API", UP!);
    await subscribed(url, smtp, "ops@example.com");
    await smtp.stop();
    await setStatus(url, api, DOWN!);
    await setStatus(url, api, UP!);
    await new Promise((r) => setTimeout(r, 800));
    expect(await server!.store.mail.queuedMails()).toBe(2);
    smtp.mode = "refuse";
    await smtp.start();
    await eventually(() => smtp.refused > 0, "a refused attempt");
    smtp.mode = "accept";
    await smtp.waitFor((m) => m.subject === "[Status] API is UP");
    await eventually(async () => (await server!.store.mail.queuedMails()) === 0, "an empty queue");
    const events = smtp.to("ops@example.com").filter((m) => !m.subject.includes("Confirm"));
    expect(events.map((m) => m.subject)).toEqual(["[Status] API is DOWN", "[Status] API is UP"]);
    expect(new Set(events.map((m) => m.messageId)).size).toBe(2);
  });

  it("never shows an address in a public answer, a feed or a log line", async () => {
    const { url, smtp } = await start();
    const { UP, DOWN } = await statuses(url);
    const api = await addItem(url, "API", UP!);
    await subscribed(url, smtp, "secret.person@example.com");
    await setStatus(url, api, DOWN!);
    await smtp.waitFor((m) => m.subject === "[Status] API is DOWN");
    const anonymous = await rpc(url, `${S}/ListSubscribers`, {}, "anonymous");
    expect(anonymous.code).toBe("unauthenticated");
    const publicAnswers = await Promise.all([
      rpc(url, "statusthing.v1.ItemsService/ListItems", { extended: true }, "anonymous").then((r) => r.text),
      fetch(`${url}/api/v2/summary.json`).then((r) => r.text()),
      fetch(`${url}/feed.atom`).then((r) => r.text()),
      fetch(`${url}/`).then((r) => r.text()),
      rpc(url, `${S}/GetSubscribeOptions`, {}, "anonymous").then((r) => r.text),
      subscribe(url, "secret.person@example.com").then((r) => r.text),
    ]);
    for (const text of publicAnswers) expect(text).not.toContain("secret.person");
    expect(JSON.stringify(server!.logs)).not.toContain("secret.person");
  });

  it("without --smtp-url: GetSubscribeOptions says false, the other calls EMAIL_NOT_CONFIGURED, the one-click POST 404", async () => {
    server = await startTestServer();
    const { url } = server;
    expect((await rpc(url, `${S}/GetSubscribeOptions`, {}, "anonymous")).body).toEqual({});
    for (const [method, body] of [
      ["Subscribe", { email: "a@example.com" }],
      ["ConfirmSubscription", { token: "t" }],
      ["Unsubscribe", { token: "t" }],
      ["ListSubscribers", {}],
      ["RemoveSubscriber", { id: "x" }],
    ] as const) {
      const answer = await rpc(url, `${S}/${method}`, body, method.endsWith("Subscribers") || method.startsWith("Remove") ? "admin" : "anonymous");
      expect([method, answer.code]).toEqual([method, "failed_precondition"]);
      expect(answer.text).toContain("EMAIL_NOT_CONFIGURED");
    }
    const oneClick = await fetch(`${url}/subscription/unsubscribe?token=x`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(404);
  });

  it("lets admins list, search, page and remove subscribers (removal drops their queued mail); others may not", async () => {
    const { url, smtp } = await start({ app: { mailDelivery: { clientThrottle: { perClient: 100, windowMs: 60_000 } } } });
    for (const name of ["ann", "bob", "cyd"]) await subscribed(url, smtp, `${name}@example.com`);
    expect((await subscribe(url, "pending@example.org")).code).toBe("ok");
    await smtp.waitFor((m) => m.envelopeTo.includes("pending@example.org"));
    const all = await rpc(url, `${S}/ListSubscribers`, { pageSize: 2 });
    expect(all.body).toMatchObject({ confirmed: 3, pending: 1 });
    const first = all.body.subscribers as Array<{ id: string; email: string }>;
    expect(first.map((s) => s.email)).toEqual(["pending@example.org", "cyd@example.com"]);
    const next = await rpc(url, `${S}/ListSubscribers`, { pageSize: 2, pageToken: all.body.nextPageToken });
    expect((next.body.subscribers as Array<{ email: string }>).map((s) => s.email)).toEqual(["bob@example.com", "ann@example.com"]);
    expect(next.body.nextPageToken).toBeUndefined();
    const found = await rpc(url, `${S}/ListSubscribers`, { query: "BO" });
    expect((found.body.subscribers as Array<{ email: string }>).map((s) => s.email)).toEqual(["bob@example.com"]);
    const wild = await rpc(url, `${S}/ListSubscribers`, { query: "%" });
    expect(wild.body.subscribers).toBeUndefined();
    const bob = (found.body.subscribers as Array<{ id: string }>)[0]!.id;
    expect((await rpc(url, `${S}/RemoveSubscriber`, { id: bob }, "anonymous")).code).toBe("unauthenticated");
    await smtp.stop();
    const { UP, DOWN } = await statuses(url);
    const api = await addItem(url, "API", UP!);
    await setStatus(url, api, DOWN!);
    await eventually(async () => (await server!.store.mail.queuedMails()) === 3, "three queued mails");
    expect((await rpc(url, `${S}/RemoveSubscriber`, { id: bob })).code).toBe("ok");
    expect(await server!.store.mail.queuedMails()).toBe(2);
    const audit = await rpc(url, "statusthing.v1.AuditService/ListAuditEvents", {});
    const removal = (audit.body.events as Array<{ procedure: string; objectType: string; objectId: string; summary?: string }>).find((e) =>
      e.procedure.endsWith("/RemoveSubscriber"),
    );
    expect(removal).toMatchObject({ objectType: "subscriber", objectId: bob });
    expect(JSON.stringify(audit.body)).not.toContain("bob@");
    const again = await rpc(url, `${S}/RemoveSubscriber`, { id: bob });
    expect([again.code, again.text.includes("SUBSCRIBER_NOT_FOUND")]).toEqual(["not_found", true]);
    await smtp.start();
    await eventually(async () => (await server!.store.mail.queuedMails()) === 0, "an empty queue");
    expect(smtp.to("bob@example.com").filter((m) => m.subject.includes("API"))).toHaveLength(0);
  });
  it("lets a signed-in browser subscribe from the page's own origin, and refuses a cookie sent from another site", async () => {
    const { url, smtp } = await start();
    const cookie = await mustLogin(url, "admin", TEST_ADMIN_PASSWORD);
    const sameOrigin = await rpc(url, `${S}/Subscribe`, { email: "me@example.com" }, { cookie }, { origin: url, "sec-fetch-site": "same-origin" });
    expect(sameOrigin.code, sameOrigin.text).toBe("ok");
    await smtp.waitFor((m) => m.envelopeTo.includes("me@example.com"));
    const crossSite = await rpc(url, `${S}/Subscribe`, { email: "you@example.com" }, { cookie }, { origin: "https://evil.example.net", "sec-fetch-site": "cross-site" });
    expect([crossSite.code, crossSite.text.includes("CROSS_SITE_REFUSED")]).toEqual(["permission_denied", true]);
  });

  it("with --private, only signed-in callers may subscribe; the links in mail work for anyone", async () => {
    const { url, smtp } = await start({ app: { private: true } });
    expect((await subscribe(url, "anon@example.com")).code).toBe("unauthenticated");
    expect((await rpc(url, `${S}/GetSubscribeOptions`, {}, "anonymous")).code).toBe("unauthenticated");
    expect((await rpc(url, `${S}/Subscribe`, { email: "member@example.com" })).code).toBe("ok");
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes("member@example.com"));
    expect((await rpc(url, `${S}/ConfirmSubscription`, { token: tokenIn(mail, "confirm") }, "anonymous")).code).toBe("ok");
    expect((await rpc(url, `${S}/Unsubscribe`, { token: tokenIn(mail, "unsubscribe") }, "anonymous")).code).toBe("ok");
    expect((await rpc(url, `${S}/ListSubscribers`)).body).toEqual({});
  });
});
