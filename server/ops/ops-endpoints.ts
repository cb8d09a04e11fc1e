import { requestOrigin } from "../auth/guard.js";
import { DomainError } from "../errors.js";
import { requestFacts } from "../auth/request-facts.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import type { CallRecord } from "../rpc/call-record.js";
import type { Store } from "../store/store.js";
import { checkMetricsAccess } from "./metrics-access.js";
import type { Metrics } from "./metrics.js";
import { readinessAnswer, type Lifecycle } from "./readiness.js";

/** What the operator endpoints need from the app. */
export interface OpsEndpointsOptions {
  store: Store;
  metrics: Metrics;
  lifecycle: () => Lifecycle;
  trustProxy: number;
  metricsToken: string | undefined;
}

const HTTP_STATUS: Record<string, number> = { unauthenticated: 401, permission_denied: 403 };

/**
 * `GET /readyz` (readiness for load balancers) and `GET /metrics` (Prometheus). Returns false
 * for any other path, so the caller goes on.
 */
export function createOpsEndpoints(options: OpsEndpointsOptions): (req: NodeRequest, res: NodeResponse, record: CallRecord, path: string) => boolean {
  return (req, res, record, path) => {
    if (path !== "/readyz" && path !== "/metrics") return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      record.code = "invalid_argument";
      send(res, 405, "application/json", JSON.stringify({ code: "invalid_argument", message: "use GET or HEAD" }), { allow: "GET, HEAD" });
      return true;
    }
    if (path === "/readyz") {
      void readinessAnswer(options.lifecycle(), options.store).then(({ httpStatus, body }) => {
        record.code = httpStatus === 200 ? "ok" : "unavailable";
        send(res, httpStatus, "application/json", JSON.stringify(body));
      });
      return true;
    }
    try {
      const facts = requestFacts(req);
      checkMetricsAccess(requestOrigin(facts, options.trustProxy).clientAddress, facts.headers.get("authorization"), options.metricsToken);
    } catch (error) {
      const { kind, message } = error as DomainError;
      record.code = kind;
      const extra: Record<string, string> = kind === "unauthenticated" ? { "www-authenticate": 'Bearer realm="metrics"' } : {};
      send(res, HTTP_STATUS[kind] ?? 403, "application/json", JSON.stringify({ code: kind, message }), extra);
      return true;
    }
    options.metrics.render().then(
      ({ contentType, body }) => {
        record.code = "ok";
        send(res, 200, contentType, req.method === "HEAD" ? "" : body);
      },
      () => {
        record.code = "internal";
        send(res, 500, "application/json", JSON.stringify({ code: "internal", message: "internal error" }));
      },
    );
    return true;
  };
}

function send(res: NodeResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": contentType, "content-length": String(Buffer.byteLength(body)), "cache-control": "no-store", ...extra });
  res.end(body);
}
