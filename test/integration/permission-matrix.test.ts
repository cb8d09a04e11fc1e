/**
 * The permission matrix over real HTTP, on a --private server (so every call is decided by the
 * caller's role and scope): every role × every RPC, every token scope × every RPC, and tokens
 * limited to items. Expectations are written from the issue (#19), not read from the table.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_SERVICES } from "../../server/app.js";
import { chooseOwnPassword, invokeEmpty, methodsOf, mustLogin, procedureOf, rpc, transportAs, type Caller } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type Role = "viewer" | "editor" | "admin";
type Scope = "read" | "status" | "write" | "admin";
const ROLES: Role[] = ["viewer", "editor", "admin"];
const SCOPES: Scope[] = ["read", "status", "write", "admin"];

/** What the issue says each RPC needs: the least role and the least token scope. */
function needs(procedure: string): { role: Role; scope: Scope } | "credentials" {
  const [service, method] = procedure.replace("statusthing.v1.", "").split("/") as [string, string];
  if (["Login", "Logout", "GetSignInHints"].includes(method)) return "credentials";
  // Email subscriptions (#18): the links in mail work for anyone (the token is the credential);
  // subscribing is like a read (signed in with --private); the addresses are the admins'.
  if (service === "SubscriptionsService") {
    if (method === "ConfirmSubscription" || method === "Unsubscribe") return "credentials";
    return method === "Subscribe" || method === "GetSubscribeOptions" ? { role: "viewer", scope: "read" } : { role: "admin", scope: "admin" };
  }
  if (
    /^(Get|List|Watch)/.test(method) &&
    ["ItemsService", "StatusService", "NotesService", "HistoryService", "IncidentsService", "GroupsService", "SettingsService"].includes(service)
  )
    return { role: "viewer", scope: "read" };
  // Arranging the page (#15): groups and order are the admins'.
  if (service === "GroupsService") return { role: "admin", scope: "admin" };
  if (procedure.endsWith("ItemsService/UpdateItem") || procedure.endsWith("NotesService/AddNote")) return { role: "editor", scope: "status" };
  if (["ItemsService", "StatusService", "NotesService", "IncidentsService"].includes(service)) return { role: "editor", scope: "write" };
  if (service === "UsersService") return { role: "admin", scope: /^(Get|List)/.test(method) ? "read" : "admin" };
  if (service === "AuditService" || service === "WebhooksService") return { role: "admin", scope: "admin" };
  // The page's name and branding: admins only.
  if (service === "SettingsService") return { role: "admin", scope: "admin" };
  // Hooks and heartbeats set statuses on their own: admins configure them (reading with a read token).
  if (service === "HooksService") return { role: "admin", scope: /^List/.test(method) ? "read" : "admin" };
  // AuthService: one's own account; reading it needs read, changing it (password, tokens) admin.
  return { role: "viewer", scope: method === "WhoAmI" || method === "ListApiTokens" ? "read" : "admin" };
}

const rank = <T>(list: T[], value: T) => list.indexOf(value);

describe("the permission matrix (--private)", () => {
  let server: TestServer;
  const sessions = {} as Record<Role, Caller>;
  const tokens = {} as Record<Role, Partial<Record<Scope, Caller>>>;
  const ids = {} as Record<Role, string>;
  let itemA = "";
  let itemB = "";
  let statusDown = "";

  beforeAll(async () => {
    server = await startTestServer({ app: { private: true } });
    const me = await rpc(server.url, "statusthing.v1.AuthService/WhoAmI");
    ids.admin = (me.body.user as { id: string }).id;
    sessions.admin = { cookie: await mustLogin(server.url, "admin", "test-admin-password-1") };
    for (const role of ["editor", "viewer"] as const) {
      const added = await rpc(server.url, "statusthing.v1.UsersService/AddUser", { user: { username: role, password: `${role}-password-1`, role: `ROLE_${role.toUpperCase()}` } });
      expect(added.code, added.text).toBe("ok");
      ids[role] = (added.body.user as { id: string }).id;
      await chooseOwnPassword(server.url, role, `${role}-password-1`);
      sessions[role] = { cookie: await mustLogin(server.url, role, `${role}-password-1`) };
    }
    for (const role of ROLES) {
      tokens[role] = {};
      for (const scope of SCOPES) {
        const made = await rpc(server.url, "statusthing.v1.AuthService/CreateApiToken", { name: `${role}-${scope}`, scope: `TOKEN_SCOPE_${scope.toUpperCase()}` }, sessions[role]);
        const allowed = rank(SCOPES, scope) <= rank(SCOPES, role === "admin" ? "admin" : role === "editor" ? "write" : "read");
        expect(made.code, `${role} creating a ${scope} token: ${made.text}`).toBe(allowed ? "ok" : "permission_denied");
        if (allowed) tokens[role][scope] = { token: made.body.secret as string };
      }
    }
    const statuses = (await rpc(server.url, "statusthing.v1.StatusService/ListStatus")).body.statuses as Array<{ id: string; name: string }>;
    statusDown = statuses.find((s) => s.name === "DOWN")!.id;
    itemA = ((await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "A" })).body.item as { id: string }).id;
    itemB = ((await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "B" })).body.item as { id: string }).id;
  }, 60_000);
  afterAll(() => server.stop());

  const methods = () => methodsOf(API_SERVICES).filter((m) => needs(procedureOf(m)) !== "credentials");
  const refused = (code: string) => code === "permission_denied" || code === "unauthenticated";

  async function check(caller: Caller, allowed: (need: { role: Role; scope: Scope }) => boolean, label: string) {
    const wrong: string[] = [];
    for (const method of methods() as DescMethod[]) {
      const need = needs(procedureOf(method)) as { role: Role; scope: Scope };
      const code = await invokeEmpty(transportAs(server.url, caller), method);
      if (allowed(need) === refused(code)) wrong.push(`${procedureOf(method)}: ${code}, expected ${allowed(need) ? "allowed" : "permission_denied"}`);
      if (!allowed(need) && code !== "permission_denied") wrong.push(`${procedureOf(method)}: ${code} instead of permission_denied`);
    }
    expect(wrong, label).toEqual([]);
  }

  it("lets each role's session call exactly what its role allows", async () => {
    for (const role of ROLES) await check(sessions[role], (need) => rank(ROLES, role) >= rank(ROLES, need.role), `${role} session`);
  }, 60_000);

  it("lets each token call exactly what both its scope and its owner's role allow", async () => {
    for (const role of ROLES) {
      for (const [scope, caller] of Object.entries(tokens[role]) as Array<[Scope, Caller]>) {
        await check(caller, (need) => rank(ROLES, role) >= rank(ROLES, need.role) && rank(SCOPES, scope) >= rank(SCOPES, need.scope), `${role}'s ${scope} token`);
      }
    }
  }, 120_000);

  it("limits a status token to its items and to status_id, saying what it may do", async () => {
    const made = await rpc(server.url, "statusthing.v1.AuthService/CreateApiToken", { name: "monitor", scope: "TOKEN_SCOPE_STATUS", itemIds: [itemA] }, sessions.editor);
    expect(made.code, made.text).toBe("ok");
    expect(made.body.token).toMatchObject({ scope: "TOKEN_SCOPE_STATUS", itemIds: [itemA] });
    const monitor: Caller = { token: made.body.secret as string };
    expect((await rpc(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: itemA, statusId: statusDown }, monitor)).code).toBe("ok");
    expect((await rpc(server.url, "statusthing.v1.NotesService/AddNote", { itemId: itemA, noteText: "looking" }, monitor)).code).toBe("ok");
    const other = await rpc(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: itemB, statusId: statusDown }, monitor);
    expect(other.code).toBe("permission_denied");
    expect(other.body.message).toContain(`may change only the items ${itemA}`);
    const rename = await rpc(server.url, "statusthing.v1.ItemsService/UpdateItem", { itemId: itemA, name: "renamed" }, monitor);
    expect(rename.code).toBe("permission_denied");
    expect(rename.body.message).toContain("may set only status_id, not name");
    expect((await rpc(server.url, "statusthing.v1.NotesService/AddNote", { itemId: itemB, noteText: "x" }, monitor)).code).toBe("permission_denied");
    const deleting = await rpc(server.url, "statusthing.v1.ItemsService/DeleteItem", { itemId: itemA }, monitor);
    expect(deleting.code).toBe("permission_denied");
    expect(deleting.body.message).toContain("this token's scope is status");
    // An item limit must name items that exist.
    expect((await rpc(server.url, "statusthing.v1.AuthService/CreateApiToken", { name: "bad", scope: "TOKEN_SCOPE_STATUS", itemIds: ["nope"] }, sessions.editor)).code).toBe(
      "invalid_argument",
    );
  });

  it("keeps the last admin: not demoted, not deleted; and others' tokens are for admins", async () => {
    const demote = await rpc(server.url, "statusthing.v1.UsersService/UpdateUser", { userId: ids.admin, role: "ROLE_EDITOR" }, sessions.admin);
    expect(demote.code).toBe("failed_precondition");
    expect(demote.body.message).toContain("last admin");
    // With a second admin, the first may be demoted, and the second then not.
    expect((await rpc(server.url, "statusthing.v1.UsersService/UpdateUser", { userId: ids.editor, role: "ROLE_ADMIN" })).code).toBe("ok");
    expect((await rpc(server.url, "statusthing.v1.UsersService/UpdateUser", { userId: ids.editor, role: "ROLE_EDITOR" })).code).toBe("ok");
    expect((await rpc(server.url, "statusthing.v1.UsersService/DeleteUser", { userId: ids.admin }, sessions.editor)).code).toBe("permission_denied");
    const all = await rpc(server.url, "statusthing.v1.AuthService/ListApiTokens", { allUsers: true }, sessions.editor);
    expect(all.code).toBe("permission_denied");
    expect((await rpc(server.url, "statusthing.v1.AuthService/ListApiTokens", {}, sessions.editor)).code).toBe("ok");
  });
});
