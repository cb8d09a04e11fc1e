/**
 * The shared note renderer (`$shared/markdown/note-markdown.ts`), loaded on first use in a chunk
 * of its own: it is about 41 KB gzipped, which no page should wait for (and `/display` has a
 * budget). Until it is there, notes show as their plain text; then every note re-renders.
 */
type Render = (text: string) => string;

let render = $state<Render | undefined>();
let loading: Promise<void> | undefined;

/** Starts loading the renderer (once); pages call it early so it arrives with their data. */
export function preloadNoteRenderer(): void {
  loading ??= import("$shared/markdown/note-markdown.js").then(
    (module) => {
      render = module.renderNoteHtml;
    },
    () => {
      // Offline or a stale build: notes stay plain text, and the next note asks again.
      loading = undefined;
    },
  );
}

/** A note's safe HTML, or undefined while the renderer is loading. Reactive: re-runs once it arrives. */
export function noteHtml(text: string): string | undefined {
  preloadNoteRenderer();
  return render?.(text);
}
