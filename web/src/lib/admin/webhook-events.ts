import { WebhookFormat } from "$shared/gen/statusthing/v1/webhooks_pb.js";

/** The events a webhook may ask for, with words for the console (the server's list: server/store/outbox-store.ts). */
export const WEBHOOK_EVENTS: ReadonlyArray<{ value: string; label: string }> = [
  { value: "item.status_changed", label: "Status changed" },
  { value: "item.added", label: "Item added" },
  { value: "item.removed", label: "Item removed" },
  { value: "note.added", label: "Update posted" },
  { value: "note.updated", label: "Update edited" },
  { value: "incident.created", label: "Incident declared" },
  { value: "incident.updated", label: "Incident updated" },
  { value: "incident.resolved", label: "Incident resolved" },
  { value: "maintenance.scheduled", label: "Maintenance scheduled" },
  { value: "maintenance.started", label: "Maintenance started" },
  { value: "maintenance.ended", label: "Maintenance over" },
];

export const FORMAT_OPTIONS: ReadonlyArray<{ value: WebhookFormat; label: string }> = [
  { value: WebhookFormat.STANDARD, label: "JSON event (Standard Webhooks)" },
  { value: WebhookFormat.SLACK, label: "Chat message (Slack, Mattermost)" },
];

/** "All events", or the chosen ones' words. */
export function eventsLabel(events: readonly string[]): string {
  if (events.length === 0) return "All events";
  return events.map((e) => WEBHOOK_EVENTS.find((x) => x.value === e)?.label ?? e).join(", ");
}
