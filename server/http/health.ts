import type { AccessGuard } from "../auth/guard.js";
import type { ChangeHub } from "../live/change-hub.js";
import { WATCH_ITEMS_PATH } from "../live/watch-http.js";
import { connectionFacts, toHeaders } from "./node-headers.js";
import type { NodeRequest } from "./request-log.js";

/**
 * The body of `GET /healthz`: liveness, with the revision and open watchers for whoever may
 * watch. On a --private server an anonymous caller learns only that the server is up: the
 * revision and the watcher counts say how busy the page is, which is not theirs to know.
 */
export async function healthBody(req: NodeRequest, hub: ChangeHub, guard: AccessGuard): Promise<Record<string, unknown>> {
  try {
    await guard.check(WATCH_ITEMS_PATH.slice(1), { headers: toHeaders(req.headers), ...connectionFacts(req) });
  } catch {
    return { status: "ok" };
  }
  return { status: "ok", revision: hub.currentRevision, watchers: hub.watchersByProtocol() };
}
