/**
 * The inlets' HTTP endpoints, beside the RPC router: `POST /hooks/alertmanager` (Alertmanager's
 * and Grafana's alert webhooks, with an API token) and `GET|POST /hooks/heartbeat/<secret>`
 * (a cron job's ping). Each answers JSON; an error is `{code, reason, message}` with the HTTP
 * status of its code (400 for a bad payload, 429 with Retry-After when throttled).
 */
import { REQUEST_BODY_MAX_BYTES } from "../../shared/limits.js";
import { authorize } from "../auth/access-policy.js";
import type { AccessGuard } from "../auth/guard.js";
import type { Principal } from "../auth/principal.js";
import { requestFacts } from "../auth/request-facts.js";
import { DomainError, hookPayloadInvalid, hookThrottled, loginRequired, requestNotPermitted } from "../errors.js";
import type { Logger } from "../logger.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { readBody } from "../rpc/body-reader.js";
import type { CallRecord } from "../rpc/call-record.js";
import { parseAlertPayload } from "../service/inlets/alert-payload.js";
import type { HeartbeatsService } from "../service/inlets/heartbeats.js";
import type { HookCaller, HooksService } from "../service/inlets/hooks.js";
import { CallBudget, type CallBudgetOptions } from "./call-budget.js";

/** The rule a hook's token must pass, for each alert's item: the one that sets an item's status. */
export const HOOK_RULE = "statusthing.v1.ItemsService/UpdateItem";
export const ALERT_HOOK_PATH = "/hooks/alertmanager";
export const HEARTBEAT_PREFIX = "/hooks/heartbeat/";

/** Default budgets: per API token for alert hooks, per URL for heartbeats. */
export const DEFAULT_HOOK_BUDGET: CallBudgetOptions = { perSecond: 20, burst: 100 };
export const DEFAULT_HEARTBEAT_BUDGET: CallBudgetOptions = { perSecond: 1, burst: 10 };

/** A heartbeat secret's shape: anything else names no heartbeat and never reaches the store. */
const SECRET = /^hb_[a-z2-7]{32}$/;

const HTTP_STATUS: Record<string, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 409,
  resource_exhausted: 429,
  unavailable: 503,
};

export interface InletEndpointsOptions {
  guard: AccessGuard;
  hooks: HooksService;
  heartbeats: HeartbeatsService;
  log: Logger;
  hookBudget?: CallBudgetOptions;
  heartbeatBudget?: CallBudgetOptions;
}

/** Returns a handler that serves the inlet paths and returns false for any other. */
export function createInletEndpoints(options: InletEndpointsOptions): (req: NodeRequest, res: NodeResponse, record: CallRecord, path: string) => boolean {
  const hookBudget = new CallBudget(options.hookBudget ?? DEFAULT_HOOK_BUDGET);
  const heartbeatBudget = new CallBudget(options.heartbeatBudget ?? DEFAULT_HEARTBEAT_BUDGET);

  const fail = (res: NodeResponse, record: CallRecord, error: unknown) => {
    if (!(error instanceof DomainError)) {
      options.log.error({ err: error }, "an inlet call failed");
      record.code = "internal";
      return send(res, 500, { code: "internal", message: "internal error" });
    }
    record.code = error.kind;
    const headers: Record<string, string> = error.retryAfterSeconds ? { "retry-after": String(error.retryAfterSeconds) } : {};
    if (error.kind === "unauthenticated") headers["www-authenticate"] = 'Bearer realm="statusthing"';
    send(res, HTTP_STATUS[error.kind] ?? 400, { code: error.kind, reason: error.reason, message: error.message, ...(error.field && { field: error.field }) }, headers);
  };

  async function alertHook(req: NodeRequest, res: NodeResponse, record: CallRecord, query: URLSearchParams): Promise<void> {
    const auth = await options.guard.authenticate(requestFacts(req));
    const principal = auth.principal;
    if (!principal) throw loginRequired();
    // A browser sends cookies on its own: only a token can call a hook, so no page can make one.
    if (principal.via !== "token" || !principal.token) throw requestNotPermitted("hooks take an API token ('Authorization: Bearer <token>'), not a session");
    const token = principal.token;
    authorize(HOOK_RULE, principal, { private: false }, token.itemIds?.length ? { itemId: token.itemIds[0] } : {});
    const wait = hookBudget.take(`token:${token.id}`);
    if (wait > 0) throw hookThrottled(wait);
    const body = await readBody(req, REQUEST_BODY_MAX_BYTES);
    if (body === undefined) throw hookPayloadInvalid(`larger than ${REQUEST_BODY_MAX_BYTES} bytes`);
    const payload = parseAlertPayload(body.toString("utf8"));
    const hook = await options.hooks.hookFor(query.get("hook") ?? undefined);
    const call = await options.hooks.receive(hook, payload, callerOf(principal));
    record.code = "ok";
    send(res, 200, {
      hook: hook.name,
      call_id: call.id,
      alerts: call.alerts.map((a) => ({ fingerprint: a.fingerprint, item: a.itemRef, item_id: a.itemId, firing: a.firing, result: a.result, detail: a.detail })),
    });
  }

  async function heartbeat(req: NodeRequest, res: NodeResponse, record: CallRecord, secret: string): Promise<void> {
    if (req.method === "POST") await readBody(req, 64 * 1024); // whatever a cron job posts (its output) is not kept
    const wait = heartbeatBudget.take(secret);
    if (wait > 0) throw hookThrottled(wait);
    const { itemId, restored } = await options.heartbeats.ping(secret);
    record.code = "ok";
    send(res, 200, { ok: true, item_id: itemId, restored });
  }

  return (req, res, record, path) => {
    if (path === ALERT_HOOK_PATH) {
      if (req.method !== "POST") return methodNotAllowed(res, record, "POST");
      const query = new URLSearchParams((req.url ?? "").split("?", 2)[1] ?? "");
      alertHook(req, res, record, query).catch((error: unknown) => fail(res, record, error));
      return true;
    }
    if (path.startsWith(HEARTBEAT_PREFIX)) {
      if (req.method !== "GET" && req.method !== "POST" && req.method !== "HEAD") return methodNotAllowed(res, record, "GET, HEAD, POST");
      const secret = path.slice(HEARTBEAT_PREFIX.length);
      if (!SECRET.test(secret)) {
        record.code = "not_found";
        send(res, 404, { code: "not_found", reason: "HEARTBEAT_NOT_FOUND", message: "no heartbeat has this URL" });
        return true;
      }
      heartbeat(req, res, record, secret).catch((error: unknown) => fail(res, record, error));
      return true;
    }
    return false;
  };
}

/** The hook's view of its caller: a name for the logs, and the table's answer per item. */
function callerOf(principal: Principal): HookCaller {
  return {
    name: `token:${principal.token?.name ?? "?"} (${principal.user.username})`,
    refusal(itemId) {
      try {
        authorize(HOOK_RULE, principal, { private: false }, { itemId });
        return undefined;
      } catch (error) {
        if (error instanceof DomainError) return error.message;
        throw error;
      }
    },
  };
}

function methodNotAllowed(res: NodeResponse, record: CallRecord, allow: string): true {
  record.code = "invalid_argument";
  send(res, 405, { code: "invalid_argument", message: `use ${allow}` }, { allow });
  return true;
}

function send(res: NodeResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": String(Buffer.byteLength(text)), "cache-control": "no-store", ...headers });
  res.end(text);
}
