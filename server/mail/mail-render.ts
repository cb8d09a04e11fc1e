import { escapeHtml } from "../../shared/escape-html.js";
import type { MailDraft } from "../store/mail-store.js";
import type { OutboxEvent } from "../store/outbox-store.js";

/** The event types people get by mail; the others (item.added, item.removed, note.updated) are for webhooks. */
export const MAILED_EVENT_TYPES: ReadonlySet<string> = new Set([
  "item.status_changed",
  "note.added",
  "incident.created",
  "incident.updated",
  "incident.resolved",
  "maintenance.scheduled",
  "maintenance.started",
  "maintenance.ended",
]);

/** Whether a subscriber to `itemIds` (empty: the whole page) wants `event` by mail. */
export function wantsMail(itemIds: readonly string[], event: Pick<OutboxEvent, "type" | "itemId" | "data">): boolean {
  if (!MAILED_EVENT_TYPES.has(event.type)) return false;
  if (itemIds.length === 0) return true;
  if (event.itemId !== undefined) return itemIds.includes(event.itemId);
  // Page-wide: incidents and maintenance name the items they concern.
  const subject = (event.data.incident ?? event.data.maintenance) as { item_ids?: unknown } | undefined;
  const items = Array.isArray(subject?.item_ids) ? (subject.item_ids as unknown[]) : [];
  return items.some((id) => typeof id === "string" && itemIds.includes(id));
}

/** Where mail links point and what the page is called. */
export interface MailContext {
  /** `--public-url`: every link in a mail starts here, never at a request's Host. */
  publicUrl: string;
  pageName: string;
}

/** Who a mail goes to, as far as rendering needs. */
export interface MailSubscriber {
  id: string;
  unsubscribeToken: string;
  itemIds: readonly string[];
}

/** A mail's content before it is laid out as text and HTML. */
interface MailContent {
  subject: string;
  paragraphs: string[];
  link?: { url: string; label: string };
}

const url = (ctx: MailContext, path: string) => new URL(path, ctx.publicUrl).href;
const host = (ctx: MailContext) => new URL(ctx.publicUrl).hostname || "statusthing.invalid";

/** The one-click unsubscribe link of a subscriber (RFC 8058: the same URL takes a POST). */
export function unsubscribeUrl(ctx: MailContext, token: string): string {
  return url(ctx, `/subscription/unsubscribe?token=${encodeURIComponent(token)}`);
}

/** The confirmation link for a token. */
export function confirmUrl(ctx: MailContext, token: string): string {
  return url(ctx, `/subscription/confirm?token=${encodeURIComponent(token)}`);
}

/** Subjects are one line: any line break or control character a name carried becomes a space. */
// eslint-disable-next-line no-control-regex
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();

/** Lays `content` out as plain text and HTML (everything escaped), with the footer and the unsubscribe headers. */
function compose(ctx: MailContext, subscriber: MailSubscriber, messageId: string, content: MailContent, why: string): MailDraft {
  const unsubscribe = unsubscribeUrl(ctx, subscriber.unsubscribeToken);
  const footer = `${why} Unsubscribe: ${unsubscribe}`;
  const textParts = [...content.paragraphs, ...(content.link ? [`${content.link.label}: ${content.link.url}`] : []), "--", footer];
  const htmlParts = [
    ...content.paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, "<br>")}</p>`),
    ...(content.link ? [`<p><a href="${escapeHtml(content.link.url)}">${escapeHtml(content.link.label)}</a></p>`] : []),
    `<hr><p style="color:#666;font-size:12px">${escapeHtml(why)} <a href="${escapeHtml(unsubscribe)}">Unsubscribe</a></p>`,
  ];
  return {
    messageId,
    subject: oneLine(`[${ctx.pageName}] ${content.subject}`),
    text: `${textParts.join("\n\n")}\n`,
    html: `<!doctype html><html><body style="font-family:sans-serif">${htmlParts.join("")}</body></html>`,
    headers: {
      "List-Unsubscribe": `<${unsubscribe}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "Auto-Submitted": "auto-generated",
    },
  };
}

/** The confirmation mail: the link (valid 24 hours) that starts the subscription. */
export function renderConfirmation(ctx: MailContext, subscriber: MailSubscriber, token: string, mailId: string): MailDraft {
  const scope = subscriber.itemIds.length === 0 ? "every update on the page" : `updates on ${subscriber.itemIds.length === 1 ? "1 item" : `${subscriber.itemIds.length} items`}`;
  return compose(
    ctx,
    subscriber,
    `<confirm.${mailId}@${host(ctx)}>`,
    {
      subject: "Confirm your subscription",
      paragraphs: [
        `Someone (hopefully you) asked to get ${scope} of ${ctx.pageName} by email at this address.`,
        "To confirm, open the link below within 24 hours. If you did not ask, ignore this mail: you will get nothing more.",
      ],
      link: { url: confirmUrl(ctx, token), label: "Confirm the subscription" },
    },
    `You get this mail because this address was entered on ${ctx.publicUrl}.`,
  );
}

const text = (value: unknown) => (typeof value === "string" ? value : "");
const record = (value: unknown) => (value && typeof value === "object" ? (value as Record<string, unknown>) : {});

/** The content of an event mail, or undefined for an event type people do not get by mail. */
function eventContent(ctx: MailContext, event: Pick<OutboxEvent, "type" | "data">): MailContent | undefined {
  const item = record(event.data.item);
  const itemLink = () => ({ url: url(ctx, `/items/${encodeURIComponent(text(item.id))}`), label: `${text(item.name)} on ${ctx.pageName}` });
  switch (event.type) {
    case "item.status_changed": {
      const status = text(record(item.status).name) || "(no status)";
      const previous = text(record(event.data.previous_status).name);
      return {
        subject: `${text(item.name)} is ${status}`,
        paragraphs: [`${text(item.name)} is now ${status}${previous ? ` (it was ${previous})` : ""}.`],
        link: itemLink(),
      };
    }
    case "note.added":
      return {
        subject: `${text(item.name)}: ${text(record(event.data.note).text).split("\n", 1)[0]!.slice(0, 80)}`,
        paragraphs: [text(record(event.data.note).text)],
        link: itemLink(),
      };
    case "incident.created":
    case "incident.updated":
    case "incident.resolved": {
      const incident = record(event.data.incident);
      const update = record(event.data.update);
      const verb = event.type === "incident.created" ? "Incident" : event.type === "incident.resolved" ? "Resolved" : "Update";
      const state = text(update.state) || text(incident.state);
      return {
        subject: `${verb}: ${text(incident.title)}`,
        paragraphs: [`${text(incident.title)}${state ? ` — ${state}` : ""}`, ...(text(update.message) ? [text(update.message)] : [])],
        link: { url: url(ctx, `/incidents/${encodeURIComponent(text(incident.id))}`), label: "The incident on the status page" },
      };
    }
    case "maintenance.scheduled":
    case "maintenance.started":
    case "maintenance.ended": {
      const m = record(event.data.maintenance);
      const verb = event.type === "maintenance.scheduled" ? "Maintenance scheduled" : event.type === "maintenance.started" ? "Maintenance started" : "Maintenance over";
      const window = `From ${text(m.starts_at)} to ${text(m.ends_at)} (UTC).`;
      return {
        subject: `${verb}: ${text(m.title)}`,
        paragraphs: [text(m.title), ...(text(m.message) ? [text(m.message)] : []), window],
        link: { url: url(ctx, "/"), label: ctx.pageName },
      };
    }
    default:
      return undefined;
  }
}

/**
 * The mail for one event to one subscriber, with a stable Message-ID (the event's id and the
 * subscriber's: a resent mail is recognisably the same one). `skipped` counts updates the
 * throttle held back since the last mail; the mail says so.
 */
export function renderEvent(
  ctx: MailContext,
  subscriber: MailSubscriber,
  event: Pick<OutboxEvent, "id" | "type" | "data">,
  skipped: number,
  maxPerHour: number,
): MailDraft | undefined {
  const content = eventContent(ctx, event);
  if (!content) return undefined;
  if (skipped > 0) {
    content.paragraphs.push(
      `(${skipped} earlier ${skipped === 1 ? "update was" : "updates were"} not mailed to you: at most ${maxPerHour} mails an hour are sent to one address. The status page always shows the current state: ${ctx.publicUrl})`,
    );
  }
  const scope = subscriber.itemIds.length === 0 ? "the whole page" : subscriber.itemIds.length === 1 ? "an item" : `${subscriber.itemIds.length} items`;
  return compose(
    ctx,
    subscriber,
    `<${event.id}.${subscriber.id}@${host(ctx)}>`,
    content,
    `You get this mail because you subscribed to ${scope} of ${ctx.pageName} (${ctx.publicUrl}).`,
  );
}
