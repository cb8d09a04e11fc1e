import type { Interceptor } from "@connectrpc/connect";
import { auditActorFor, isAuditedWrite } from "../audit/audit-actor.js";
import { withAuditActor } from "../store/audit-context.js";
import { summarizeRequest } from "../audit/summarize.js";
import { requestAuthKey } from "../auth/principal.js";

/**
 * Runs each audited write (see isAuditedWrite) inside its audit context: who, which RPC, which
 * object, from where, and the request without secrets. The store reads it when it commits, so
 * the audit row lands in the write's own transaction. Goes after the auth interceptor.
 */
export function createAuditInterceptor(): Interceptor {
  return (next) => (req) => {
    const procedure = `${req.service.typeName}/${req.method.name}`;
    const { principal, clientAddress } = req.contextValues.get(requestAuthKey);
    if (req.stream || !principal || !isAuditedWrite(procedure)) return next(req);
    const summary = summarizeRequest(req.method.input, req.message);
    return withAuditActor(auditActorFor(procedure, principal, clientAddress, req.message, summary), () => next(req));
  };
}
