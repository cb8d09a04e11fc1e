import { createContextKey, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { auditActorFor, isAuditedWrite } from "../audit/audit-actor.js";
import type { AuditActor } from "../store/audit-context.js";
import { summarizeRequest } from "../audit/summarize.js";
import { requestAuthKey } from "../auth/principal.js";

/** The audit context of the call (see createAuditInterceptor); undefined for reads and streams. */
const auditActorKey = createContextKey<AuditActor | undefined>(undefined, { description: "audit actor" });

/**
 * Gives each audited write (see isAuditedWrite) its audit context: who, which RPC, which object,
 * from where, and the request without secrets. The handler passes it (auditOf) through the
 * service to the store, which writes the audit row in the write's own transaction. Goes after
 * the auth interceptor.
 */
export function createAuditInterceptor(): Interceptor {
  return (next) => (req) => {
    const procedure = `${req.service.typeName}/${req.method.name}`;
    const { principal, clientAddress } = req.contextValues.get(requestAuthKey);
    if (req.stream || !principal || !isAuditedWrite(procedure)) return next(req);
    const summary = summarizeRequest(req.method.input, req.message);
    req.contextValues.set(auditActorKey, auditActorFor(procedure, principal, clientAddress, req.message, summary));
    return next(req);
  };
}

/** The audit context the interceptor gave this call, for its writes. */
export function auditOf(ctx: HandlerContext): AuditActor | undefined {
  return ctx.values.get(auditActorKey);
}
