/**
 * What subscription mails say and to whom (#18 part 3): incident and maintenance events as their
 * payload contract has them, item-limited subscribers, escaping, and one-line subjects.
 */
import { describe, expect, it } from "vitest";
import { checkEmail } from "../../server/mail/address.js";
import { ClientThrottle } from "../../server/mail/client-throttle.js";
import { renderConfirmation, renderEvent, wantsMail } from "../../server/mail/mail-render.js";
import { withoutAddresses } from "../../server/mail/smtp-sender.js";
import { DomainError } from "../../server/errors.js";

const ctx = { publicUrl: "https://status.example.com/", pageName: "Acme <Status>" };
const whole = { id: "SUB1", unsubscribeToken: "tok_1", itemIds: [] as string[] };
const apiOnly = { id: "SUB2", unsubscribeToken: "tok_2", itemIds: ["API"] };

const incident = (type: string, itemIds: string[]) => ({
  id: "EV1",
  type,
  itemId: undefined,
  data: {
    incident: { id: "INC1", title: "Payments <down>", impact: "major", state: "investigating", item_ids: itemIds },
    update: { id: "U1", state: "identified", message: "A bad deploy & a rollback", created: "2026-11-30T10:00:00Z" },
  },
});

describe("subscription mail", () => {
  it("sends incidents and maintenance to item subscribers only when they name one of their items", () => {
    expect(wantsMail([], incident("incident.created", []))).toBe(true);
    expect(wantsMail(["API"], incident("incident.created", ["WEB"]))).toBe(false);
    expect(wantsMail(["API"], incident("incident.updated", ["WEB", "API"]))).toBe(true);
    const maintenance = { type: "maintenance.scheduled", itemId: undefined, data: { maintenance: { id: "M1", item_ids: ["API"] } } };
    expect(wantsMail(["API"], maintenance)).toBe(true);
    expect(wantsMail(["WEB"], maintenance)).toBe(false);
    expect(wantsMail(["API"], { type: "item.status_changed", itemId: "API", data: {} })).toBe(true);
    expect(wantsMail(["API"], { type: "item.status_changed", itemId: "WEB", data: {} })).toBe(false);
    for (const type of ["item.added", "item.removed", "note.updated", "ping"]) expect(wantsMail([], { type, itemId: undefined, data: {} }), type).toBe(false);
  });

  it("renders an incident update as text and escaped HTML, with the unsubscribe headers and a stable Message-ID", () => {
    const mail = renderEvent(ctx, apiOnly, incident("incident.updated", ["API"]), 0, 10)!;
    expect(mail.subject).toBe("[Acme <Status>] Update: Payments <down>");
    expect(mail.text).toContain("Payments <down> — identified\n\nA bad deploy & a rollback");
    expect(mail.text).toContain("https://status.example.com/incidents/INC1");
    expect(mail.text).toContain("Unsubscribe: https://status.example.com/subscription/unsubscribe?token=tok_2");
    expect(mail.html).toContain("Payments &lt;down&gt;");
    expect(mail.html).toContain("A bad deploy &amp; a rollback");
    expect(mail.html).not.toContain("<down>");
    expect(mail.headers).toEqual({
      "List-Unsubscribe": "<https://status.example.com/subscription/unsubscribe?token=tok_2>",
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "Auto-Submitted": "auto-generated",
    });
    expect(mail.messageId).toBe("<EV1.SUB2@status.example.com>");
    expect(renderEvent(ctx, apiOnly, incident("incident.updated", ["API"]), 0, 10)!.messageId).toBe(mail.messageId);
    expect(renderEvent(ctx, whole, incident("incident.resolved", []), 0, 10)!.subject).toBe("[Acme <Status>] Resolved: Payments <down>");
  });

  it("renders maintenance with its window, and keeps a subject on one line whatever a name holds", () => {
    const window = {
      id: "EV2",
      type: "maintenance.started",
      data: {
        maintenance: {
          id: "M1",
          title: "DB upgrade",
          message: "Read-only for a while",
          starts_at: "2026-12-01T02:00:00Z",
          ends_at: "2026-12-01T03:00:00Z",
          phase: "active",
          item_ids: [],
        },
      },
    };
    const mail = renderEvent(ctx, whole, window, 0, 10)!;
    expect(mail.subject).toBe("[Acme <Status>] Maintenance started: DB upgrade");
    expect(mail.text).toContain("From 2026-12-01T02:00:00Z to 2026-12-01T03:00:00Z (UTC).");
    const evil = { id: "EV3", type: "item.status_changed", data: { item: { id: "I", name: "API\r\nBcc: x@example.com", status: { name: "DOWN" } }, previous_status: null } };
    expect(renderEvent(ctx, whole, evil, 0, 10)!.subject).toBe("[Acme <Status>] API Bcc: x@example.com is DOWN");
    expect(renderEvent(ctx, whole, { id: "E", type: "item.added", data: {} }, 0, 10)).toBeUndefined();
  });

  it("says in the confirmation what was asked for and where the link goes", () => {
    const mail = renderConfirmation(ctx, apiOnly, "secret-token", "M1");
    expect(mail.text).toContain("updates on 1 item of Acme <Status>");
    expect(mail.text).toContain("https://status.example.com/subscription/confirm?token=secret-token");
    expect(mail.html).toContain('href="https://status.example.com/subscription/confirm?token=secret-token"');
    expect(mail.messageId).toBe("<confirm.M1@status.example.com>");
  });

  it("accepts plain addresses and refuses anything that could carry a header or a second recipient", () => {
    expect(checkEmail("  first.last+tag@sub.example.co.uk ")).toBe("first.last+tag@sub.example.co.uk");
    for (const bad of ["a@b.c\r\nBcc: y@z.com", "A <a@b.com>", "a@b.com,c@d.com", "a@b.com;c@d.com", "a@-b.com", "a@b..com", "a@b.123"]) {
      expect(() => checkEmail(bad), bad).toThrow(DomainError);
    }
  });

  it("keeps addresses out of SMTP errors it records", () => {
    expect(withoutAddresses("550 5.1.1 <who@example.com>: Recipient address rejected")).toBe("550 5.1.1 <<address>>: Recipient address rejected");
  });

  it("throttles a client over a sliding window, and tells how long to wait", () => {
    let now = 0;
    const throttle = new ClientThrottle(() => new Date(now), { perClient: 2, windowMs: 60_000 });
    expect([throttle.take("a"), throttle.take("a"), throttle.take("b")]).toEqual([0, 0, 0]);
    now = 10_000;
    expect(throttle.take("a")).toBe(50);
    now = 60_001;
    expect(throttle.take("a")).toBe(0);
  });
});
