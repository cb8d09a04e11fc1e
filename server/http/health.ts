import type { AccessGuard } from "../auth/guard.js";
import type { ChangeHub } from "../live/change-hub.js";
import { WATCH_ITEMS_PATH } from "../live/watch-http.js";
import { requestFacts } from "../auth/request-facts.js";
import type { NodeRequest } from "../node-request.js";

/**
 * The answer to `GET /healthz`: liveness (503 while the store refuses writes, e.g. its file was
 * deleted: `problem` says why), with the revision and open watchers for whoever may watch. On a
 * --private server an anonymous caller learns only whether the server is up: the revision, the
 * watcher counts and the problem say how busy the page is and where its data lives, which is not
 * theirs to know.
 */
export async function healthAnswer(
  req: NodeRequest,
  hub: ChangeHub,
  guard: AccessGuard,
  problem: string | undefined,
): Promise<{ httpStatus: number; body: Record<string, unknown> }> {
  const httpStatus = problem ? 503 : 200;
  const status = problem ? "unavailable" : "ok";
  try {
    await guard.check(WATCH_ITEMS_PATH.slice(1), requestFacts(req));
  } catch {
    return { httpStatus, body: { status } };
  }
  return { httpStatus, body: { status, ...(problem ? { problem } : {}), revision: hub.currentRevision, watchers: hub.watchersByProtocol() } };
}
