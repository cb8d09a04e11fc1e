import type { ServiceImpl } from "@connectrpc/connect";
import type { UsersService as UsersApi } from "../../shared/gen/statusthing/v1/auth_pb.js";
import { requestAuthKey } from "../auth/principal.js";
import { invalidArgument } from "../errors.js";
import type { UsersService } from "../service/users.js";
import { toUserMessage } from "../wire/convert.js";
import { roleFromWire } from "../wire/access-enums.js";
import { auditOf } from "./audit-interceptor.js";

/** `statusthing.v1.UsersService`: accounts; passwords go in, never out. */
export function createUsersRpc(users: UsersService): ServiceImpl<typeof UsersApi> {
  return {
    async listUsers() {
      return { users: (await users.list()).map(toUserMessage) };
    },
    async getUser(req) {
      return { user: toUserMessage(await users.get(req.userId)) };
    },
    async addUser(req, ctx) {
      const u = req.user;
      if (!u) throw invalidArgument("user", "is required");
      // The adding user chose the password, so it is theirs as much as the new user's.
      const user = await users.add(
        {
          username: u.username,
          password: u.password,
          firstName: u.firstName,
          lastName: u.lastName,
          email: u.emailAddress,
          avatarUrl: u.avatarUrl,
          role: roleFromWire("user.role", u.role),
        },
        { mustChangePassword: true },
        auditOf(ctx),
      );
      return { user: toUserMessage(user) };
    },
    async updateUser(req, ctx) {
      const user = await users.update(
        ctx.values.get(requestAuthKey).principal,
        req.userId,
        {
          password: req.password,
          firstName: req.firstName,
          lastName: req.lastName,
          email: req.emailAddress,
          avatarUrl: req.avatarUrl,
          role: roleFromWire("role", req.role),
        },
        auditOf(ctx),
      );
      return { user: toUserMessage(user) };
    },
    async deleteUser(req, ctx) {
      await users.delete(ctx.values.get(requestAuthKey).principal, req.userId, auditOf(ctx));
      return {};
    },
  };
}
