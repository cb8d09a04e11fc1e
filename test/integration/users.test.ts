/**
 * UsersService over real HTTP: add, list, get, update, delete; passwords go in and never come
 * out; the caller cannot delete its own account; usernames are unique.
 */
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsersService } from "../../shared/gen/statusthing/v1/auth_pb.js";
import { chooseOwnPassword, login, mustLogin, rpc, type Caller, type RpcResult } from "../helpers/auth.js";
import { createTransport } from "../helpers/clients.js";
import { TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const USERS = "statusthing.v1.UsersService/";
const AUTH = "statusthing.v1.AuthService/";

interface UserJson {
  id: string;
  username: string;
  password?: string;
  firstName?: string;
  lastName?: string;
  emailAddress?: string;
  avatarUrl?: string;
  lastLogin?: string;
  timestamps?: { created?: string; updated?: string };
}

let server: TestServer;
/** Every password this file sent: none may ever come back. */
const passwords = new Set<string>([TEST_ADMIN_PASSWORD]);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

/** A UsersService call as `caller`; checks that no password or hash is in the answer. */
async function users(method: string, body: object, caller: Caller = "admin"): Promise<RpcResult> {
  const res = await rpc(server.url, `${USERS}${method}`, body, caller);
  for (const p of passwords) expect(res.text.includes(p), `${method} answered with a password`).toBe(false);
  expect(res.text).not.toContain("$argon2");
  expect(res.text).not.toMatch(/"password(Hash)?"\s*:/i);
  return res;
}

async function addUser(user: Partial<UserJson> & { username: string; password: string }, caller: Caller = "admin"): Promise<RpcResult> {
  // A password that is the username (refused) is no secret; nor is an empty one.
  if (user.password.length >= 10 && user.password.trim().toLowerCase() !== user.username.trim().toLowerCase()) passwords.add(user.password);
  return users("AddUser", { user }, caller);
}

/** Adds a user; unless `asAdded`, the user then chooses their own password so they may act. */
async function addOk(username: string, password: string, extra: Partial<UserJson> = {}, asAdded = false): Promise<UserJson> {
  const res = await addUser({ username, password, ...extra });
  expect(res.code, res.text).toBe("ok");
  if (asAdded) return res.body.user as UserJson;
  passwords.add(`${password}~interim`);
  await chooseOwnPassword(server.url, username, password);
  return res.body.user as UserJson;
}

describe("AddUser", () => {
  it("creates a user who can log in; the answer has every field but the password", async () => {
    const res = await addUser({
      username: "alice",
      password: "alice-password-1",
      firstName: "Alice",
      lastName: "Liddell",
      emailAddress: "alice@example.com",
      avatarUrl: "https://example.com/alice.png",
    });
    expect(res.code, res.text).toBe("ok");
    const user = res.body.user as UserJson;
    expect(user).toMatchObject({
      username: "alice",
      firstName: "Alice",
      lastName: "Liddell",
      emailAddress: "alice@example.com",
      avatarUrl: "https://example.com/alice.png",
    });
    expect(user.id).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(user.password).toBeUndefined();
    expect(user.lastLogin).toBeUndefined();
    // Created just now, as an RFC 3339 time (not merely present).
    expect(Math.abs(Date.parse(user.timestamps?.created ?? "") - Date.now())).toBeLessThan(60_000);

    const loggedIn = await login(server.url, "alice", "alice-password-1");
    expect(loggedIn.code).toBe("ok");
    expect(loggedIn.text).not.toContain("alice-password-1");
    expect((loggedIn.body.user as UserJson).username).toBe("alice");
  });

  it("over the binary protocol too, the password field comes back empty", async () => {
    passwords.add("binary-password-1");
    const client = createClient(UsersService, createTransport("connect-binary", server.url));
    const { user } = await client.addUser({ user: { username: "binary", password: "binary-password-1" } });
    expect(user?.username).toBe("binary");
    expect(user?.password).toBe("");
    const listed = await client.listUsers({});
    for (const u of listed.users) expect(u.password, u.username).toBe("");
    expect((await client.getUser({ userId: user!.id })).user?.password).toBe("");
  });

  it("refuses a duplicate username with already_exists, whatever its case", async () => {
    await addOk("bob", "bob-password-1");
    for (const username of ["bob", "BOB", " Bob "]) {
      const res = await addUser({ username, password: "another-password-1" });
      expect(res.code, username).toBe("already_exists");
    }
    const list = await users("ListUsers", {});
    expect((list.body.users as UserJson[]).filter((u) => u.username.toLowerCase() === "bob")).toHaveLength(1);
  });

  it("applies the password rules: 10-256 characters, not the username, no composition rules", async () => {
    const bad: Array<[string, string]> = [
      ["short1", "123456789"],
      ["short2", ""],
      ["short3", "😀".repeat(9)],
      ["long1", "x".repeat(257)],
      ["samename1", "samename1"],
      ["samename2", "SameName2"],
      ["samename3", " samename3 "],
    ];
    for (const [username, password] of bad) {
      const res = await addUser({ username, password });
      expect(res.code, `${username} / ${password.length}`).toBe("invalid_argument");
      expect(res.body.message, username).toMatch(/password/);
    }
    const good: Array<[string, string]> = [
      ["ten-lower", "abcdefghij"],
      ["ten-digits", "0123456789"],
      ["ten-emoji", "😀".repeat(10)],
      ["max-length", "z".repeat(256)],
      ["spaces-ok", "a b c d e f"],
    ];
    for (const [username, password] of good) {
      const res = await addUser({ username, password });
      expect(res.code, `${username}: ${res.text}`).toBe("ok");
    }
    expect((await login(server.url, "ten-emoji", "😀".repeat(10))).code).toBe("ok");
  });

  it("validates the username and the optional fields, naming the field", async () => {
    const cases: Array<[Partial<UserJson>, RegExp]> = [
      [{ username: "" }, /username/],
      [{ username: "has space" }, /username/],
      [{ username: "-leading-dash" }, /username/],
      [{ username: "u".repeat(65) }, /username/],
      [{ username: "bademail", emailAddress: "not-an-email" }, /email/],
      [{ username: "badavatar", avatarUrl: "javascript:alert(1)" }, /avatar/],
    ];
    for (const [user, field] of cases) {
      const res = await addUser({ username: "", password: "valid-password-1", ...user });
      expect(res.code, JSON.stringify(user)).toBe("invalid_argument");
      expect(res.body.message).toMatch(field);
    }
    expect((await users("AddUser", {})).code).toBe("invalid_argument");
  });
});

describe("ListUsers and GetUser", () => {
  it("list every user oldest first, and get one by id; an unknown id is not_found", async () => {
    const carol = await addOk("carol", "carol-password-1", { firstName: "Carol" }, true);
    const list = await users("ListUsers", {});
    expect(list.code).toBe("ok");
    const listed = list.body.users as UserJson[];
    expect(listed[0]!.username).toBe("admin");
    expect(listed.at(-1)!.id).toBe(carol.id);
    for (const u of listed) expect(u).not.toHaveProperty("password");

    const got = await users("GetUser", { userId: carol.id });
    expect(got.code).toBe("ok");
    expect(got.body.user).toEqual(carol);

    expect((await users("GetUser", { userId: "2ZZZZZZZZZZZZZZZZZZZZZZZZZZ" })).code).toBe("not_found");
    expect((await users("GetUser", { userId: "" })).code).toBe("not_found");
  });

  it("show last_login once the user has logged in", async () => {
    const dave = await addOk("dave", "dave-password-1", {}, true);
    await mustLogin(server.url, "dave", "dave-password-1");
    const got = await users("GetUser", { userId: dave.id });
    const lastLogin = Date.parse((got.body.user as UserJson).lastLogin ?? "");
    expect(Math.abs(lastLogin - Date.now())).toBeLessThan(60_000);
  });
});

describe("UpdateUser", () => {
  it("changes details, leaves empty fields alone, and refuses an update with nothing to change", async () => {
    const erin = await addOk("erin", "erin-password-1", { firstName: "Erin", lastName: "Old", emailAddress: "erin@example.com" });
    const res = await users("UpdateUser", { userId: erin.id, lastName: "New", avatarUrl: "https://example.com/erin.png" });
    expect(res.code, res.text).toBe("ok");
    const updated = res.body.user as UserJson;
    expect(updated).toMatchObject({ username: "erin", firstName: "Erin", lastName: "New", emailAddress: "erin@example.com", avatarUrl: "https://example.com/erin.png" });
    expect(Date.parse(updated.timestamps!.updated!)).toBeGreaterThanOrEqual(Date.parse(erin.timestamps!.updated!));

    expect((await users("UpdateUser", { userId: erin.id })).code).toBe("invalid_argument");
    expect((await users("UpdateUser", { userId: erin.id, emailAddress: "nope" })).code).toBe("invalid_argument");
    expect((await users("UpdateUser", { userId: erin.id, avatarUrl: "data:text/html,hi" })).code).toBe("invalid_argument");
    expect((await users("UpdateUser", { userId: "2ZZZZZZZZZZZZZZZZZZZZZZZZZZ", firstName: "x" })).code).toBe("not_found");
  });

  it("setting another user's password ends their sessions and API tokens, and they must change it at next login", async () => {
    const frank = await addOk("frank", "frank-password-1");
    const cookie = await mustLogin(server.url, "frank", "frank-password-1");
    expect((await rpc(server.url, `${AUTH}WhoAmI`, {}, { cookie })).code).toBe("ok");
    const token = await rpc(server.url, `${AUTH}CreateApiToken`, { name: "frank's script" }, { cookie });
    expect(token.code, token.text).toBe("ok");
    const secret = token.body.secret as string;
    passwords.add(secret);
    expect((await rpc(server.url, `${AUTH}WhoAmI`, {}, { token: secret })).code).toBe("ok");

    passwords.add("frank-reset-pass-2");
    const res = await users("UpdateUser", { userId: frank.id, password: "frank-reset-pass-2" });
    expect(res.code, res.text).toBe("ok");

    expect((await rpc(server.url, `${AUTH}WhoAmI`, {}, { cookie })).code).toBe("unauthenticated");
    // The reset may be because the old password leaked: its tokens go too.
    expect((await rpc(server.url, `${AUTH}WhoAmI`, {}, { token: secret })).code).toBe("unauthenticated");
    expect((await login(server.url, "frank", "frank-password-1")).code).toBe("unauthenticated");
    const again = await login(server.url, "frank", "frank-reset-pass-2");
    expect(again.code).toBe("ok");
    expect(again.body.mustChangePassword).toBe(true);
    const write = await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "frank's item" }, { cookie: again.cookie! });
    expect(write.code).toBe("permission_denied");
  });

  it("refuses to set your own password without the current one, pointing to ChangePassword (#10.11)", async () => {
    const gina = await addOk("gina", "gina-password-1");
    const cookie = await mustLogin(server.url, "gina", "gina-password-1");
    const token = await rpc(server.url, `${AUTH}CreateApiToken`, { name: "gina's script" }, { cookie });
    passwords.add(token.body.secret as string);
    passwords.add("gina-own-pass-2");
    // Neither a (perhaps stolen) session nor a token may take the account over.
    for (const caller of [{ cookie }, { token: token.body.secret as string }]) {
      const res = await users("UpdateUser", { userId: gina.id, password: "gina-own-pass-2" }, caller);
      expect(res.code, res.text).toBe("invalid_argument");
      expect(res.body.message).toMatch(/ChangePassword/);
    }
    expect((await login(server.url, "gina", "gina-own-pass-2")).code).toBe("unauthenticated");
    expect((await rpc(server.url, `${AUTH}WhoAmI`, {}, { cookie })).code).toBe("ok");
    // Other details of your own are still yours to change.
    expect((await users("UpdateUser", { userId: gina.id, firstName: "Gina" }, { cookie })).code).toBe("ok");
  });

  it("applies the password rules to a new password", async () => {
    const hank = await addOk("hank-the-user", "hank-password-1");
    expect((await users("UpdateUser", { userId: hank.id, password: "short" })).code).toBe("invalid_argument");
    expect((await users("UpdateUser", { userId: hank.id, password: "HANK-THE-USER" })).code).toBe("invalid_argument");
    expect((await login(server.url, "hank-the-user", "hank-password-1")).code).toBe("ok");
  });
});

describe("DeleteUser", () => {
  it("deletes a user: gone from get and list, cannot log in", async () => {
    const ivan = await addOk("ivan", "ivan-password-1");
    const res = await users("DeleteUser", { userId: ivan.id });
    expect(res.code, res.text).toBe("ok");
    expect((await users("GetUser", { userId: ivan.id })).code).toBe("not_found");
    expect(((await users("ListUsers", {})).body.users as UserJson[]).map((u) => u.id)).not.toContain(ivan.id);
    expect((await login(server.url, "ivan", "ivan-password-1")).code).toBe("unauthenticated");
    expect((await users("DeleteUser", { userId: ivan.id })).code).toBe("not_found");
    // The username is free again.
    await addOk("ivan", "ivan-password-2");
  });

  it("refuses to delete your own account, by token or by session", async () => {
    const list = await users("ListUsers", {});
    const admin = (list.body.users as UserJson[]).find((u) => u.username === "admin")!;
    const byToken = await users("DeleteUser", { userId: admin.id });
    expect(byToken.code).toBe("failed_precondition");
    const cookie = await mustLogin(server.url, "admin", TEST_ADMIN_PASSWORD);
    const bySession = await users("DeleteUser", { userId: admin.id }, { cookie });
    expect(bySession.code).toBe("failed_precondition");
    expect((await users("GetUser", { userId: admin.id })).code).toBe("ok");
  });

  it("lets one user delete another (every user may manage every user)", async () => {
    const judy = await addOk("judy", "judy-password-1");
    const kim = await addOk("kim", "kim-password-1");
    const cookie = await mustLogin(server.url, "judy", "judy-password-1");
    expect((await users("DeleteUser", { userId: kim.id }, { cookie })).code).toBe("ok");
    expect((await users("DeleteUser", { userId: judy.id }, { cookie })).code).toBe("failed_precondition");
  });
});

describe("anonymous callers", () => {
  it("get unauthenticated from every UsersService RPC", async () => {
    for (const [method, body] of [
      ["ListUsers", {}],
      ["GetUser", { userId: "x" }],
      ["AddUser", { user: { username: "mallory", password: "mallory-password-1" } }],
      ["UpdateUser", { userId: "x", firstName: "x" }],
      ["DeleteUser", { userId: "x" }],
    ] as const) {
      expect((await users(method, body, "anonymous")).code, method).toBe("unauthenticated");
    }
    expect((await login(server.url, "mallory", "mallory-password-1")).code).toBe("unauthenticated");
  });
});

describe("the logs", () => {
  it("never hold a password or a hash", async () => {
    const text = JSON.stringify(server.logs);
    expect(server.logs.length).toBeGreaterThan(10);
    for (const p of passwords) expect(text.includes(p), `the log holds a password of ${p.length} characters`).toBe(false);
    for (const u of await server.store.accounts.listUsers()) expect(text.includes(u.passwordHash)).toBe(false);
    expect(text).not.toContain("$argon2");
  });
});
