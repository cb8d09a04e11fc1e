import type { Action } from "./action.svelte.js";

/**
 * The server's problems with a form's fields, placed beside the controls the form has: keys are
 * request field paths ("title", "items[1].status_id", "starts_at"); `places` maps a control to the
 * prefixes it answers for. Problems with no place are returned under `rest`, so the form can say
 * them at its top rather than ask to "correct the highlighted field" that nobody highlighted.
 */
export function placeFieldErrors(action: Action, places: Record<string, readonly string[]>): { at: (control: string) => string | undefined; rest: readonly string[] } {
  const fields = action.error?.fields ?? {};
  const placed = new Map<string, string>();
  const rest: string[] = [];
  for (const [path, problem] of Object.entries(fields)) {
    const control = Object.keys(places).find((name) => places[name]!.some((prefix) => path === prefix || path.startsWith(`${prefix}[`) || path.startsWith(`${prefix}.`)));
    if (control) placed.set(control, placed.has(control) ? `${placed.get(control)} ${problem}` : problem);
    else rest.push(`${path}: ${problem}`);
  }
  return { at: (control) => placed.get(control), rest };
}
