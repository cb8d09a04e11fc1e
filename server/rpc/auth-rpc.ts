import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { ApiTokenSchema, PasswordChangeReason, type ApiToken, type AuthService as AuthApi } from "../../shared/gen/statusthing/v1/auth_pb.js";
import { requestAuthKey, type Principal } from "../auth/principal.js";
import { clearedSessionCookie, sessionCookie } from "../auth/session-cookie.js";
import type { ApiTokenRecord, UserRecord } from "../domain.js";
import { loginRequired } from "../errors.js";
import type { AuthService } from "../service/auth.js";
import { toUserMessage } from "../wire/convert.js";
import { scopeFromWire, scopeToWire } from "../wire/access-enums.js";
import { widestScopeFor } from "../auth/permissions.js";
import { auditOf } from "./audit-interceptor.js";

function toApiTokenMessage(token: ApiTokenRecord, owner: Pick<UserRecord, "id" | "username" | "role">): ApiToken {
  return create(ApiTokenSchema, {
    id: token.id,
    name: token.name,
    userId: owner.id,
    username: owner.username,
    created: timestampFromDate(token.created),
    expiresAt: token.expiresAt && timestampFromDate(token.expiresAt),
    lastUsed: token.lastUsed && timestampFromDate(token.lastUsed),
    scope: scopeToWire(token.scope ?? widestScopeFor(owner.role ?? "admin")),
    itemIds: token.itemIds ?? [],
  });
}

const REASONS = {
  "default-password": PasswordChangeReason.DEFAULT_PASSWORD,
  "set-by-admin": PasswordChangeReason.SET_BY_ADMIN,
} as const;

/** The must-change fields of Login and WhoAmI. */
async function mustChange(auth: AuthService, user: UserRecord): Promise<{ mustChangePassword: boolean; mustChangeReason: PasswordChangeReason }> {
  const reason = await auth.mustChangeReason(user);
  return { mustChangePassword: reason !== undefined, mustChangeReason: reason ? REASONS[reason] : PasswordChangeReason.UNSPECIFIED };
}

/** The authenticated caller; the guard has already refused anonymous calls where it must. */
function caller(ctx: HandlerContext): Principal {
  const principal = ctx.values.get(requestAuthKey).principal;
  if (!principal) throw loginRequired();
  return principal;
}

/** `statusthing.v1.AuthService`: logins, sessions (the cookie is set here), passwords, API tokens. */
export function createAuthRpc(auth: AuthService): ServiceImpl<typeof AuthApi> {
  return {
    async login(req, ctx) {
      const { clientAddress, secure } = ctx.values.get(requestAuthKey);
      const { user, token, expiresAt } = await auth.login(req.username, req.password, clientAddress);
      ctx.responseHeader.append("set-cookie", sessionCookie(token, expiresAt, secure));
      return { user: toUserMessage(user), ...(await mustChange(auth, user)) };
    },
    async getSignInHints() {
      return { defaultPasswordInUse: await auth.defaultPasswordInUse() };
    },
    async logout(_req, ctx) {
      const { principal, secure } = ctx.values.get(requestAuthKey);
      if (principal?.sessionId) await auth.logout(principal.sessionId);
      ctx.responseHeader.append("set-cookie", clearedSessionCookie(secure));
      return {};
    },
    async whoAmI(_req, ctx) {
      const { user } = caller(ctx);
      return { user: toUserMessage(user), ...(await mustChange(auth, user)) };
    },
    async changePassword(req, ctx) {
      await auth.changePassword(caller(ctx), req.currentPassword, req.newPassword, auditOf(ctx));
      return {};
    },
    async createApiToken(req, ctx) {
      const { token, secret } = await auth.createApiToken(
        caller(ctx),
        req.name,
        req.expiresAt && timestampDate(req.expiresAt),
        {
          scope: scopeFromWire("scope", req.scope),
          itemIds: req.itemIds,
        },
        auditOf(ctx),
      );
      return { token: toApiTokenMessage(token, caller(ctx).user), secret };
    },
    async listApiTokens(req, ctx) {
      return { tokens: (await auth.listApiTokens(caller(ctx), req.allUsers)).map(({ token, owner }) => toApiTokenMessage(token, owner)) };
    },
    async revokeApiToken(req, ctx) {
      await auth.revokeApiToken(caller(ctx), req.tokenId, req.userId, auditOf(ctx));
      return {};
    },
  };
}
