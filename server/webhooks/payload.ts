import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { kindMeta } from "../../shared/status-kinds.js";
import type { OutboxEvent, WebhookFormat } from "../store/outbox-store.js";

/** The version of the JSON event's shape: it grows only by new fields; a change to an existing one would be version 2. */
export const PAYLOAD_VERSION = 1;

interface StatusData {
  id: string;
  name: string;
  color: string;
  kind: number;
}

/** A status as sent: its kind as the API's enum name, as the JSON API writes it. */
function sentStatus(status: StatusData | null | undefined) {
  if (!status) return null;
  return { ...status, kind: `STATUS_KIND_${StatusKind[status.kind] ?? "UNKNOWN"}` };
}

/** The event's data as sent: stored facts, with kinds named. */
function sentData(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  const item = data.item as { status?: StatusData | null } | undefined;
  if (item && "status" in item) out.item = { ...item, status: sentStatus(item.status) };
  if ("previous_status" in data) out.previous_status = sentStatus(data.previous_status as StatusData | null);
  return out;
}

/** Slack and Mattermost treat `&`, `<` and `>` as markup in `text`. */
const escapeSlack = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

interface IncidentData {
  incident?: { title?: string; impact?: string; state?: string };
  update?: { state?: string; message?: string };
  maintenance?: { title?: string; message?: string; starts_at?: string; ends_at?: string; phase?: string };
}

/** An ISO instant as a person reads it in a channel: "2026-11-30 10:00 UTC". */
const chatTime = (iso: string | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : "?");

/** The text for an incident or maintenance event, or undefined for another type. */
function incidentChatText(type: string, data: IncidentData): string | undefined {
  const title = escapeSlack(data.incident?.title ?? data.maintenance?.title ?? "");
  const said = data.update?.message ? `: ${escapeSlack(data.update.message)}` : "";
  const window = data.maintenance;
  switch (type) {
    case "incident.created":
      return `Incident: *${title}* (${data.incident?.impact ?? ""} impact, ${data.incident?.state ?? ""})${said}`;
    case "incident.updated":
      return `Incident *${title}* (${data.incident?.impact ?? ""} impact, ${data.incident?.state ?? ""})${said || " was edited"}`;
    case "incident.resolved":
      return `Resolved: *${title}*${said}`;
    case "maintenance.scheduled":
      return `Maintenance scheduled: *${title}*, ${chatTime(window?.starts_at)} to ${chatTime(window?.ends_at)}${window?.message ? `: ${escapeSlack(window.message)}` : ""}`;
    case "maintenance.started":
      return `Maintenance started: *${title}*, until ${chatTime(window?.ends_at)}`;
    case "maintenance.ended":
      return window?.phase === "cancelled" ? `Maintenance cancelled: *${title}*` : `Maintenance over: *${title}*`;
    default:
      return undefined;
  }
}

/** A line a person reads in a chat channel. */
export function chatText(event: Pick<OutboxEvent, "type" | "data">): string {
  const about = incidentChatText(event.type, event.data as IncidentData);
  if (about !== undefined) return about;
  const data = event.data as { item?: { name?: string; status?: StatusData | null }; previous_status?: StatusData | null; note?: { text?: string } };
  const name = escapeSlack(data.item?.name ?? "");
  const statusWords = (s: StatusData | null | undefined) => (s ? `${escapeSlack(s.name)} (${kindMeta(s.kind).label})` : "no status");
  switch (event.type) {
    case "item.status_changed":
      return `*${name}* is now ${statusWords(data.item?.status)}, was ${statusWords(data.previous_status)}`;
    case "item.added":
      return `*${name}* was added: ${statusWords(data.item?.status)}`;
    case "item.removed":
      return `*${name}* was removed`;
    case "note.added":
      return `*${name}*: ${escapeSlack(data.note?.text ?? "")}`;
    case "note.updated":
      return `*${name}* (update edited): ${escapeSlack(data.note?.text ?? "")}`;
    case "ping":
      return "StatusThing test message: this webhook works.";
    default:
      return `${escapeSlack(event.type)}${name ? `: *${name}*` : ""}`;
  }
}

/** The request body for `event` in `format`: the versioned JSON event, or `{"text": …}`. */
export function webhookBody(event: Pick<OutboxEvent, "type" | "at" | "data">, format: WebhookFormat): string {
  if (format === "slack") return JSON.stringify({ text: chatText(event) });
  return JSON.stringify({ type: event.type, timestamp: event.at.toISOString(), version: PAYLOAD_VERSION, data: sentData(event.data) });
}
