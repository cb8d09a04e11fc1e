import { charCount } from "../../../../shared/limits.js";
import type { Item } from "../../../../shared/gen/statusthing/v1/types_pb.js";

const NOTE_PREVIEW_CHARS = 160;

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return charCount(flat) <= NOTE_PREVIEW_CHARS ? flat : `${[...flat].slice(0, NOTE_PREVIEW_CHARS - 1).join("")}…`;
}

/**
 * What a person should hear about one item changing, for an `aria-live` announcement:
 * "API is now Down", "New note on API: …", "API added: Up", "API removed". Undefined when
 * the change is not worth interrupting anyone for (a description edit, a note edit).
 */
export function describeChange(before: Item | undefined, after: Item | undefined): string | undefined {
  if (!before && !after) return undefined;
  if (!after) return `${before!.name} removed`;
  if (!before) return `${after.name} added${after.status ? `: ${after.status.name}` : ""}`;
  const parts: string[] = [];
  if (before.status?.id !== after.status?.id || before.status?.name !== after.status?.name) {
    parts.push(`${after.name} is now ${after.status?.name ?? "without a status"}`);
  }
  const lastBefore = before.notes.at(-1);
  const lastAfter = after.notes.at(-1);
  if (lastAfter && lastAfter.id !== lastBefore?.id && !before.notes.some((note) => note.id === lastAfter.id)) {
    parts.push(`New note on ${after.name}: ${preview(lastAfter.text)}`);
  }
  if (parts.length === 0 && before.name !== after.name) parts.push(`${before.name} is now called ${after.name}`);
  return parts.length ? parts.join(". ") : undefined;
}
