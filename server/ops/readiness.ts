import type { Store } from "../store/store.js";

/** Where the app is in its life, for `/readyz`. (It starts serving only after migrations ran.) */
export type Lifecycle = "running" | "stopping";

/**
 * The answer to `GET /readyz`: 200 while the store says it can serve (the database answers; on PostgreSQL, the change listener is
 * connected); 503 with the reason otherwise, and from the moment shutdown begins, so a load
 * balancer stops sending new requests before the port closes. `/healthz` is liveness only.
 * The reasons are fixed phrases: no address, path or driver message reaches an anonymous caller.
 */
export async function readinessAnswer(lifecycle: Lifecycle, store: Store): Promise<{ httpStatus: number; body: { status: string; reason?: string } }> {
  if (lifecycle === "stopping") return notReady("shutting down");
  const reason = await store.readiness?.();
  return reason ? notReady(reason) : { httpStatus: 200, body: { status: "ready" } };
}

function notReady(reason: string) {
  return { httpStatus: 503, body: { status: "not_ready", reason } };
}
