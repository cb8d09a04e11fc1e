import type { Interceptor } from "@connectrpc/connect";
import type { AccessGuard } from "../auth/guard.js";
import { requestAuthKey } from "../auth/principal.js";
import { requestFactsKey } from "../auth/request-facts.js";
import { sessionCookie } from "../auth/session-cookie.js";

/**
 * Applies the access guard to every RPC through the Connect router: who is calling, and may they.
 * A session that was extended on the way gets its cookie re-sent.
 */
export function createAuthInterceptor(guard: AccessGuard): Interceptor {
  return (next) => async (req) => {
    // Connect's request has no socket: the app put the request's facts into context values.
    const auth = await guard.check(`${req.service.typeName}/${req.method.name}`, req.contextValues.get(requestFactsKey));
    req.contextValues.set(requestAuthKey, auth);
    const res = await next(req);
    const renewed = auth.principal?.renewed;
    if (renewed) res.header.append("set-cookie", sessionCookie(renewed.token, renewed.expiresAt, auth.secure));
    return res;
  };
}
