/**
 * A textarea's keydown handler: Ctrl+Enter (⌘+Enter on a Mac) submits its form, where Enter
 * alone makes a new line.
 */
export function submitOnCtrlEnter(event: KeyboardEvent): void {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.isComposing) return;
  const form = (event.currentTarget as HTMLElement).closest("form");
  if (!form) return;
  event.preventDefault();
  form.requestSubmit();
}
