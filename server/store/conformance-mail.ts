/** The conformance suite's part on email subscriptions (`Store.mail`): see conformance.ts. A store that keeps none leaves it out (`{ mail: false }`). */
import { newId } from "../ids.js";
import { newItem, newStatus, type TestFunctions } from "./conformance-fixtures.js";
import type { ConfirmationRequest, MailDraft, MailStore } from "./mail-store.js";
import type { OutboxStore } from "./outbox-store.js";
import type { Store } from "./store.js";

const T0 = new Date("2024-03-01T10:00:00.000Z");
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

function draft(messageId: string, subject = "hello"): MailDraft {
  return { messageId, subject, text: "text", html: "<p>html</p>", headers: { "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" } };
}

/** A confirmation request as the service makes it (token hash `hash`, at `now`). */
export function confirmationRequest(email: string, hash: string, now: Date, fields: Partial<ConfirmationRequest> = {}): ConfirmationRequest {
  return {
    id: newId(),
    email,
    itemIds: [],
    tokenHash: hash,
    expiresAt: new Date(now.getTime() + 86_400_000),
    unsubscribeToken: `unsub-${newId()}`,
    now,
    minIntervalMs: 10 * 60_000,
    dailyCap: 3,
    render: (s) => draft(`<confirm.${hash}.${s.id}@example.com>`, "Confirm"),
    ...fields,
  };
}

/** Checks email subscriptions: double opt-in and its throttles, the queue's order and leases, the cursor's fan-out. */
export function describeMailContract(current: () => Store, reopen: () => Promise<Store>, test: TestFunctions): void {
  const { describe, it, expect } = test;
  const mail = (): MailStore => {
    const found = current().mail;
    if (!found) throw new Error("this store keeps no email subscriptions");
    return found;
  };
  const outbox = (): OutboxStore => current().outbox!;
  /** A confirmed subscriber; returns its record. */
  const confirmed = async (email: string, itemIds: string[] = [], at = T0) => {
    const hash = `hash-${newId()}`;
    await mail().requestConfirmation(confirmationRequest(email, hash, at, { itemIds }));
    const subscriber = await mail().confirm(hash, at);
    if (!subscriber) throw new Error("not confirmed");
    return subscriber;
  };
  /** Takes every due mail (owner "x") and deletes it, as sent. */
  const drain = async (at: Date) => {
    for (;;) {
      const claimed = await mail().claimMails("x", at, new Date(at.getTime() + 60_000), 100);
      if (claimed.length === 0) return;
      for (const m of claimed) await mail().finishMail(m.seq, "x");
    }
  };

  describe("email subscriptions", () => {
    it("adds a pending subscriber with its confirmation mail queued, and confirms it once, before the link expires", async () => {
      const request = confirmationRequest(" Ann@Example.com ", "h1", T0, { itemIds: ["i1"] });
      expect(await mail().requestConfirmation(request)).toEqual({ retryAt: undefined });
      const page = await mail().listSubscribers("", 10, undefined);
      expect(page).toMatchObject({ confirmed: 0, pending: 1, nextAfter: undefined });
      expect(page.subscribers).toEqual([
        { id: request.id, email: "Ann@Example.com", itemIds: ["i1"], confirmedAt: undefined, created: T0, unsubscribeToken: request.unsubscribeToken },
      ]);
      const [queued] = await mail().claimMails("a", T0, minutes(1), 10);
      expect(queued).toMatchObject({ subscriberId: request.id, to: "Ann@Example.com", subject: "Confirm", attempts: 0, messageId: `<confirm.h1.${request.id}@example.com>` });
      expect(queued!.headers).toEqual({ "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" });
      expect(await mail().confirm("wrong", T0)).toBeUndefined();
      expect(await mail().confirm("h1", new Date(T0.getTime() + 86_400_000))).toBeUndefined();
      const done = await mail().confirm("h1", minutes(5));
      expect(done).toMatchObject({ id: request.id, itemIds: ["i1"], confirmedAt: minutes(5) });
      expect(await mail().confirm("h1", minutes(6))).toBeUndefined();
      expect(await mail().listSubscribers("", 10, undefined)).toMatchObject({ confirmed: 1, pending: 0 });
    });

    it("throttles confirmation mail per address (case-insensitively): one per interval, a cap per day", async () => {
      expect((await mail().requestConfirmation(confirmationRequest("bob@example.com", "h1", T0))).retryAt).toBeUndefined();
      expect((await mail().requestConfirmation(confirmationRequest("BOB@example.com", "h2", minutes(5)))).retryAt).toEqual(minutes(10));
      expect((await mail().requestConfirmation(confirmationRequest("bob@example.com", "h3", minutes(10)))).retryAt).toBeUndefined();
      expect((await mail().requestConfirmation(confirmationRequest("bob@example.com", "h4", minutes(20)))).retryAt).toBeUndefined();
      // The cap (3 here) is reached: the next waits until 24 hours after the first of the day.
      expect((await mail().requestConfirmation(confirmationRequest("bob@example.com", "h5", minutes(30)))).retryAt).toEqual(minutes(24 * 60));
      expect((await mail().requestConfirmation(confirmationRequest("bob@example.com", "h6", minutes(24 * 60)))).retryAt).toBeUndefined();
      // One address, one subscriber; only the newest link works.
      expect((await mail().listSubscribers("", 10, undefined)).subscribers).toHaveLength(1);
      expect(await mail().confirm("h4", minutes(24 * 60))).toBeUndefined();
      expect(await mail().confirm("h6", minutes(24 * 60))).toBeDefined();
      expect(await mail().queuedMails()).toBe(4);
    });

    it("keeps a confirmed subscriber's items until a new choice is confirmed", async () => {
      const s = await confirmed("cy@example.com", ["a"]);
      await mail().requestConfirmation(confirmationRequest("cy@example.com", "new", minutes(30), { itemIds: ["b", "c"] }));
      expect((await mail().getSubscriber(s.id))?.itemIds).toEqual(["a"]);
      expect((await mail().recipients()).map((r) => r.itemIds)).toEqual([["a"]]);
      const after = await mail().confirm("new", minutes(31));
      expect(after).toMatchObject({ id: s.id, itemIds: ["b", "c"], confirmedAt: T0, unsubscribeToken: s.unsubscribeToken });
    });

    it("unsubscribes by token and removes by id, each with the address's queued mail", async () => {
      const a = await confirmed("a@example.com");
      const b = await confirmed("b@example.com");
      expect(await mail().queuedMails()).toBe(2);
      expect(await mail().unsubscribe(a.unsubscribeToken)).toBe(true);
      expect(await mail().unsubscribe(a.unsubscribeToken)).toBe(false);
      expect(await mail().queuedMails()).toBe(1);
      expect(await mail().removeSubscriber(b.id)).toBe(true);
      expect(await mail().removeSubscriber(b.id)).toBe(false);
      expect(await mail().queuedMails()).toBe(0);
      expect(await mail().listSubscribers("", 10, undefined)).toEqual({ subscribers: [], confirmed: 0, pending: 0, nextAfter: undefined });
    });

    it("lists newest first, by pages, and finds addresses by a part of them (LIKE characters taken literally)", async () => {
      for (const [i, name] of ["ann", "bob", "cyd", "d_n", "e%n"].entries()) await mail().requestConfirmation(confirmationRequest(`${name}@example.com`, `h${i}`, minutes(i)));
      const first = await mail().listSubscribers("", 2, undefined);
      expect(first.subscribers.map((s) => s.email)).toEqual(["e%n@example.com", "d_n@example.com"]);
      const second = await mail().listSubscribers("", 2, first.nextAfter);
      expect(second.subscribers.map((s) => s.email)).toEqual(["cyd@example.com", "bob@example.com"]);
      const third = await mail().listSubscribers("", 2, second.nextAfter);
      expect([third.subscribers.map((s) => s.email), third.nextAfter]).toEqual([["ann@example.com"], undefined]);
      expect((await mail().listSubscribers("B", 10, undefined)).subscribers.map((s) => s.email)).toEqual(["bob@example.com"]);
      expect((await mail().listSubscribers("_", 10, undefined)).subscribers.map((s) => s.email)).toEqual(["d_n@example.com"]);
      expect((await mail().listSubscribers("%", 10, undefined)).subscribers.map((s) => s.email)).toEqual(["e%n@example.com"]);
      expect((await mail().listSubscribers("", 10, undefined)).pending).toBe(5);
    });

    it("sends mails to one address in order, leases each to one owner, and retries a failed one before later ones", async () => {
      const a = await confirmed("a@example.com");
      const b = await confirmed("b@example.com");
      await drain(T0);
      await mail().ensureCursor();
      const from = await outbox().latestEventRevision();
      const status = await current().addStatus(newStatus("Up"));
      await current().addItem(newItem("api", { statusId: status.id }));
      const cursor = await mail().claimCursor("w", T0, minutes(1));
      expect(cursor).toBe(from);
      const to = await outbox().latestEventRevision();
      const mails = [
        { subscriberId: a.id, to: a.email, draft: draft("<1@x>", "a1") },
        { subscriberId: b.id, to: b.email, draft: draft("<2@x>", "b1") },
        { subscriberId: a.id, to: a.email, draft: draft("<3@x>", "a2") },
      ];
      expect(await mail().commitFanOut("w", { from: cursor!, to, now: T0, mails, throttles: [], leaseUntil: undefined })).toBe(true);
      const claimed = await mail().claimMails("one", T0, minutes(1), 10);
      // a2 waits for a1.
      expect(claimed.map((m) => m.subject)).toEqual(["a1", "b1"]);
      expect(await mail().claimMails("two", T0, minutes(1), 10)).toEqual([]);
      await mail().retryMail(claimed[0]!.seq, "one", 1, minutes(5), "421 busy");
      await mail().finishMail(claimed[1]!.seq, "one");
      // a1 is not due yet, and a2 still waits behind it.
      expect(await mail().claimMails("two", minutes(1), minutes(2), 10)).toEqual([]);
      const retried = await mail().claimMails("two", minutes(5), minutes(6), 10);
      expect(retried.map((m) => [m.subject, m.attempts])).toEqual([["a1", 1]]);
      // Only the owner may finish it; the lease runs out and another takes it.
      await mail().finishMail(retried[0]!.seq, "one");
      expect((await mail().claimMails("three", minutes(7), minutes(8), 10)).map((m) => m.subject)).toEqual(["a1"]);
      await mail().finishMail(retried[0]!.seq, "three");
      expect((await mail().claimMails("three", minutes(7), minutes(8), 10)).map((m) => m.subject)).toEqual(["a2"]);
    });

    it("fans out under one lease: the cursor moves with its mails in one write, only for the owner at the cursor it claimed", async () => {
      const a = await confirmed("a@example.com");
      await drain(T0);
      await mail().ensureCursor();
      // No events after the cursor: nothing to claim.
      expect(await mail().claimCursor("w", T0, minutes(1))).toBeUndefined();
      const status = await current().addStatus(newStatus("Up"));
      await current().addItem(newItem("api", { statusId: status.id }));
      const cursor = await mail().claimCursor("w", T0, minutes(1));
      expect(cursor).toBeDefined();
      expect(await mail().claimCursor("v", T0, minutes(1))).toBeUndefined();
      const to = await outbox().latestEventRevision();
      const mails = [{ subscriberId: a.id, to: a.email, draft: draft("<e1.a@x>") }];
      const throttles = [{ subscriberId: a.id, windowStart: T0, windowCount: 1, skipped: 2 }];
      expect(await mail().commitFanOut("v", { from: cursor!, to, now: T0, mails, throttles, leaseUntil: undefined })).toBe(false);
      expect(await mail().queuedMails()).toBe(0);
      expect(await mail().commitFanOut("w", { from: cursor!, to, now: T0, mails, throttles, leaseUntil: minutes(1) })).toBe(true);
      // The same mail again (a replay), or from a cursor that moved on: nothing more.
      expect(await mail().commitFanOut("w", { from: cursor!, to, now: T0, mails, throttles, leaseUntil: undefined })).toBe(false);
      expect(await mail().commitFanOut("w", { from: to, to, now: T0, mails, throttles, leaseUntil: undefined })).toBe(true);
      expect(await mail().queuedMails()).toBe(1);
      expect((await mail().recipients()).map((r) => [r.id, r.windowStart, r.windowCount, r.skipped])).toEqual([[a.id, T0, 1, 2]]);
      // Released, and nothing after it: not claimable; a later event makes it claimable by anyone.
      expect(await mail().claimCursor("v", minutes(1), minutes(2))).toBeUndefined();
      await current().addItem(newItem("web", { statusId: status.id }));
      expect(await mail().claimCursor("v", minutes(1), minutes(2))).toBe(to);
      // A mail for a subscriber removed meanwhile is left out.
      await mail().removeSubscriber(a.id);
      const latest = await outbox().latestEventRevision();
      expect(await mail().commitFanOut("v", { from: to, to: latest, now: T0, mails: [{ ...mails[0]!, draft: draft("<e2.a@x>") }], throttles: [], leaseUntil: undefined })).toBe(
        true,
      );
      expect(await mail().queuedMails()).toBe(0);
    });

    it("keeps the outbox's events the mail cursor has not passed, and forgets them once the cursor is dropped", async () => {
      await mail().ensureCursor();
      const status = await current().addStatus(newStatus("Up"));
      await current().addItem(newItem("api", { statusId: status.id }));
      const later = new Date(Date.now() + 30 * 86_400_000);
      expect(await outbox().pruneOutbox(later, 10)).toBe(0);
      await mail().dropCursor();
      expect(await outbox().pruneOutbox(later, 10)).toBe(1);
    });

    it("keeps subscribers and queued mail across a restart, and prunes addresses that never confirmed", async () => {
      const kept = await confirmed("kept@example.com");
      await mail().requestConfirmation(confirmationRequest("never@example.com", "n", T0));
      await reopen();
      expect((await mail().listSubscribers("", 10, undefined)).subscribers.map((s) => s.email).sort()).toEqual(["kept@example.com", "never@example.com"]);
      expect(await mail().queuedMails()).toBe(2);
      expect(await mail().pruneUnconfirmed(minutes(60))).toBe(0);
      expect(await mail().pruneUnconfirmed(minutes(25 * 60))).toBe(1);
      expect((await mail().listSubscribers("", 10, undefined)).subscribers.map((s) => s.id)).toEqual([kept.id]);
      expect(await mail().queuedMails()).toBe(1);
    });
  });
}
