/**
 * A package loaded on its first use instead of at start-up: an idle server never pays for it
 * (badge drawing, feeds, mail). It is still looked for at start-up (resolved, not loaded), so a
 * missing package fails there, as the static import it replaces did, not on the first request.
 */
export function lazyModule<T>(specifier: string, load: () => Promise<T>): () => Promise<T> {
  import.meta.resolve(specifier);
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}
