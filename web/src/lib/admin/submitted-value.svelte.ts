/**
 * The value a field had when its form was last submitted. A field's error is about that value:
 * once the person edits the field, the error no longer describes what they see, so the field
 * hides it until the next submit brings a new verdict (from the browser's checks or the server).
 */
export class SubmittedValue {
  value = $state<string | undefined>(undefined);

  /** Follows submits of the control's form; returns how to stop (for an `$effect`/attachment). */
  watch(control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, current: () => string): () => void {
    const form = control.form;
    if (!form) return () => {};
    const onSubmit = () => (this.value = current());
    // Capture phase: recorded before the form's own handler runs its checks and sets errors.
    form.addEventListener("submit", onSubmit, { capture: true });
    return () => form.removeEventListener("submit", onSubmit, { capture: true });
  }

  /** The error to show for `current`: none once the field changed since the submit it is about. */
  errorFor(error: string | undefined, current: string): string | undefined {
    if (!error) return undefined;
    return this.value === undefined || this.value === current ? error : undefined;
  }
}
