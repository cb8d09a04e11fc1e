import { beforeNavigate } from "$app/navigation";

/**
 * Asks before leaving a page while `dirty()` says there is unsaved typing: a link inside the app
 * gets a confirm() with `question`; closing the tab or leaving the site gets the browser's own
 * prompt. Call it while a component initializes; it stops with the component.
 */
export function confirmUnsavedLeave(dirty: () => boolean, question: string): void {
  beforeNavigate((navigation) => {
    if (!dirty()) return;
    // For "leave", cancel() is what makes the browser show its own "Leave site?" prompt.
    if (navigation.type === "leave" || !confirm(question)) navigation.cancel();
  });
}
