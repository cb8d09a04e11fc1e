/**
 * Why an account must choose its own password (#11.6), as a reason clients branch on, and the
 * public sign-in hint that the default admin/password is still in place (#11.7).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login, mustLogin, rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const AUTH = "statusthing.v1.AuthService/";
const USERS = "statusthing.v1.UsersService/";

const hints = async (server: TestServer) => {
  const res = await rpc(server.url, `${AUTH}GetSignInHints`, {}, "anonymous");
  expect(res.code, res.text).toBe("ok");
  return res.body;
};

describe("a fresh install (admin / password)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ defaultAdminPassword: true, app: { private: true } });
  });
  afterAll(async () => {
    await server.stop();
  });

  it("hints at the default password, even on a --private server, until it is changed", async () => {
    expect(await hints(server)).toEqual({ defaultPasswordInUse: true });
    const first = await login(server.url, "admin", "password");
    expect(first.body).toMatchObject({ mustChangePassword: true, mustChangeReason: "PASSWORD_CHANGE_REASON_DEFAULT_PASSWORD" });
    const who = await rpc(server.url, `${AUTH}WhoAmI`, {}, { cookie: first.cookie! });
    expect(who.body).toMatchObject({ mustChangePassword: true, mustChangeReason: "PASSWORD_CHANGE_REASON_DEFAULT_PASSWORD" });

    const changed = await rpc(server.url, `${AUTH}ChangePassword`, { currentPassword: "password", newPassword: "the-owners-own-1" }, { cookie: first.cookie! });
    expect(changed.code, changed.text).toBe("ok");
    expect(await hints(server)).toEqual({});
    const after = await rpc(server.url, `${AUTH}WhoAmI`, {}, { cookie: first.cookie! });
    expect(after.body.mustChangePassword ?? false).toBe(false);
    expect(after.body.mustChangeReason).toBeUndefined();
  });
});

describe("passwords an admin chose", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("give no sign-in hint when the admin's password was given at start", async () => {
    expect(await hints(server)).toEqual({});
  });

  it("must be changed, with the reason set-by-admin: for a user just added, and after a reset", async () => {
    const added = await rpc(server.url, `${USERS}AddUser`, { user: { username: "olga", password: "chosen-by-admin-1" } });
    expect(added.code, added.text).toBe("ok");
    const first = await login(server.url, "olga", "chosen-by-admin-1");
    expect(first.body).toMatchObject({ mustChangePassword: true, mustChangeReason: "PASSWORD_CHANGE_REASON_SET_BY_ADMIN" });
    expect((await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "olga's" }, { cookie: first.cookie! })).code).toBe("permission_denied");
    const changed = await rpc(server.url, `${AUTH}ChangePassword`, { currentPassword: "chosen-by-admin-1", newPassword: "olgas-own-pass-1" }, { cookie: first.cookie! });
    expect(changed.code, changed.text).toBe("ok");
    const own = await rpc(server.url, `${AUTH}WhoAmI`, {}, { cookie: first.cookie! });
    expect(own.body.mustChangePassword ?? false).toBe(false);

    const id = (added.body.user as { id: string }).id;
    expect((await rpc(server.url, `${USERS}UpdateUser`, { userId: id, password: "reset-by-admin-2" })).code).toBe("ok");
    const cookie = await mustLogin(server.url, "olga", "reset-by-admin-2");
    const who = await rpc(server.url, `${AUTH}WhoAmI`, {}, { cookie });
    expect(who.body).toMatchObject({ mustChangePassword: true, mustChangeReason: "PASSWORD_CHANGE_REASON_SET_BY_ADMIN" });
  });
});
