/** What the API bench recorded from the real server, as written to bare-server.mjs's fixtures file. */
export interface BareFixtures {
  routes: Array<{
    path: string;
    /** The response for any body not listed in `byBody`. */
    fallback: { contentType: string; bodyBase64: string };
    /** Exact request body → response body (same content type). */
    byBody?: Record<string, string>;
  }>;
}
