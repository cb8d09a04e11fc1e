import type { StatusTransition } from "$shared/gen/statusthing/v1/history_pb.js";
import type { Note } from "$shared/gen/statusthing/v1/types_pb.js";
import { toMs } from "../format/time.js";
import { formatDuration } from "./uptime-days.js";

/** One line of an item's timeline: a status change or a note, with when it happened. */
export interface TimelineEntry {
  key: string;
  at: number;
  kind: "change" | "note";
  text: string;
  /** The status kind after a change (for its icon and color); undefined for notes and deletions. */
  statusKind: number | undefined;
}

/**
 * Status changes ("Down → Up, after 42 min") and notes in one list, newest first. Transitions
 * come newest first, as GetItemHistory gives them.
 */
export function buildTimeline(transitions: readonly StatusTransition[], notes: readonly Note[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  transitions.forEach((t, i) => {
    const at = toMs(t.at) ?? 0;
    const before = transitions[i + 1];
    const name = t.deleted ? "Deleted" : (t.status?.name ?? "No status");
    let text: string;
    if (!before) text = t.deleted ? "Deleted" : `Added as ${name}`;
    else {
      const after = formatDuration(at - (toMs(before.at) ?? at));
      text = `${before.deleted ? "Deleted" : (before.status?.name ?? "No status")} → ${name}, after ${after}`;
    }
    entries.push({ key: `t${t.revision}-${i}`, at, kind: "change", text, statusKind: t.deleted ? undefined : (t.status?.kind ?? 0) });
  });
  for (const note of notes) entries.push({ key: `n${note.id}`, at: toMs(note.timestamps?.created) ?? 0, kind: "note", text: note.text, statusKind: undefined });
  return entries.sort((a, b) => b.at - a.at);
}
