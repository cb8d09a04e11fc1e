/**
 * Every user's API tokens can be seen and revoked by a signed-in user (#11.10), as every user may
 * manage every user until roles exist: ListApiTokens with all_users, RevokeApiToken with user_id.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseOwnPassword, mustLogin, rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const AUTH = "statusthing.v1.AuthService";
let server: TestServer;
let bobToken: string;
let bobTokenId: string;
let bobId: string;

beforeAll(async () => {
  server = await startTestServer();
  const added = await rpc(server.url, "statusthing.v1.UsersService/AddUser", { user: { username: "bob", password: "bob-password-1" } });
  expect(added.code, added.text).toBe("ok");
  bobId = (added.body.user as { id: string }).id;
  await chooseOwnPassword(server.url, "bob", "bob-password-1");
  const cookie = await mustLogin(server.url, "bob", "bob-password-1");
  const created = await rpc(server.url, `${AUTH}/CreateApiToken`, { name: "bob's monitor" }, { cookie });
  expect(created.code, created.text).toBe("ok");
  bobToken = created.body.secret as string;
  bobTokenId = (created.body.token as { id: string }).id;
});
afterAll(async () => {
  await server?.stop();
});

describe("other users' API tokens", () => {
  it("are listed with their owners when all_users is asked for, and not otherwise", async () => {
    const mine = await rpc(server.url, `${AUTH}/ListApiTokens`, {});
    const mineTokens = mine.body.tokens as Array<{ id: string; username: string }>;
    expect(mineTokens.every((t) => t.username === "admin")).toBe(true);
    expect(mineTokens.map((t) => t.id)).not.toContain(bobTokenId);

    const all = await rpc(server.url, `${AUTH}/ListApiTokens`, { all_users: true });
    const bobs = (all.body.tokens as Array<{ id: string; name: string; userId: string; username: string }>).find((t) => t.id === bobTokenId);
    expect(bobs).toMatchObject({ name: "bob's monitor", userId: bobId, username: "bob" });
  });

  it("can be revoked by naming the owner, after which the token no longer works", async () => {
    expect((await rpc(server.url, "statusthing.v1.ItemsService/ListItems", {}, { token: bobToken })).code).toBe("ok");
    // Without the owner, the token is looked for among the caller's own: not found, nothing revoked.
    expect((await rpc(server.url, `${AUTH}/RevokeApiToken`, { token_id: bobTokenId })).code).toBe("not_found");
    expect((await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "still works" }, { token: bobToken })).code).toBe("ok");

    const revoked = await rpc(server.url, `${AUTH}/RevokeApiToken`, { token_id: bobTokenId, user_id: bobId });
    expect(revoked.code, revoked.text).toBe("ok");
    expect((await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "after revoke" }, { token: bobToken })).code).toBe("unauthenticated");
    const all = await rpc(server.url, `${AUTH}/ListApiTokens`, { all_users: true });
    expect((all.body.tokens as Array<{ id: string }>).map((t) => t.id)).not.toContain(bobTokenId);
  });

  it("needs a login", async () => {
    expect((await rpc(server.url, `${AUTH}/ListApiTokens`, { all_users: true }, "anonymous")).code).toBe("unauthenticated");
  });
});
