import type { NamedKind } from "./page-overall.js";
import { kindMeta, MAINTENANCE_META } from "./status-kinds.js";

/** Names shown in all, so that the sentence stays one line on a phone. */
const MAX_NAMES = 3;
/** Kinds named, each with its own clause; the rest are counted. */
const MAX_CLAUSES = 2;

/** "A", "A and B", "A, B and C". */
function joinWords(words: readonly string[]): string {
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}

/** Up to `max` names, the rest counted: "Payments, Search and 5 more". */
function someNames(names: readonly string[], max: number): string {
  if (names.length <= max) return joinWords(names);
  const shown = Math.max(1, max - 1);
  return joinWords([...names.slice(0, shown), `${names.length - shown} more`]);
}

/**
 * A sentence naming the items with problems, worst kind first, for the public page's banner:
 * "Payments and Search are down", "Payments, Search and 5 more are down",
 * "Payments is down; Search is degraded", "Payments is down; Search is degraded; 4 more have problems".
 * Items in maintenance get a clause of their own, last, and never count as problems:
 * "Payments is down; Search is under maintenance", "Search and Mail are under maintenance".
 * Undefined when nothing has a problem or is in maintenance. Items are taken in the order given within a kind.
 */
export function problemSummary(items: Iterable<NamedKind>): string | undefined {
  // 1. Group the problem items by what their kind says about them, worst kind first.
  const groups = new Map<string, { severity: number; names: string[] }>();
  const maintenance: string[] = [];
  for (const item of items) {
    if (item.maintenance) {
      maintenance.push(item.name);
      continue;
    }
    const meta = kindMeta(item.kind);
    if (!meta.problem) continue;
    const group = groups.get(meta.state) ?? { severity: meta.severity, names: [] };
    group.names.push(item.name);
    groups.set(meta.state, group);
  }
  const planned = maintenance.length ? `${someNames(maintenance, groups.size ? 2 : MAX_NAMES)} ${maintenance.length === 1 ? "is" : "are"} ${MAINTENANCE_META.state}` : undefined;
  if (groups.size === 0) return planned;
  const ordered = [...groups].sort(([, a], [, b]) => b.severity - a.severity);
  // 2. One clause per kind while the names last; the first kind gets the most names.
  const named = ordered.slice(0, MAX_CLAUSES);
  const clauses = named.map(([state, { names }], index) => {
    const max = named.length === 1 ? MAX_NAMES : index === 0 ? MAX_NAMES - 1 : 1;
    const words = someNames(names, max);
    return `${words} ${names.length === 1 ? "is" : "are"} ${state}`;
  });
  // 3. Kinds beyond those are counted, not named.
  const rest = ordered.slice(MAX_CLAUSES).reduce((sum, [, { names }]) => sum + names.length, 0);
  if (rest > 0) clauses.push(`${rest} more ${rest === 1 ? "has a problem" : "have problems"}`);
  if (planned) clauses.push(planned);
  return clauses.join("; ");
}
