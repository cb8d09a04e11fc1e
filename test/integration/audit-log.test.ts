/**
 * The audit log: one event for every kind of write, with who, what, when and from where; filters
 * and pages; and not one password, token secret or session token anywhere in the audit table.
 */
import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseOwnPassword, mustLogin, rpc, type Caller } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { REPO_ROOT } from "../helpers/server-process.js";

interface Event {
  id: string;
  at: string;
  actor: string;
  actorId?: string;
  procedure: string;
  objectType: string;
  objectId?: string;
  clientAddress?: string;
  summary?: string;
}

describe("the audit log", () => {
  let server: TestServer;
  const secrets: string[] = [];
  const ok = async (procedure: string, body: object, caller: Caller = "admin") => {
    const res = await rpc(server.url, `statusthing.v1.${procedure}`, body, caller);
    expect(res.code, `${procedure}: ${res.text}`).toBe("ok");
    return res.body;
  };
  const list = async (filter: object = {}) => (await ok("AuditService/ListAuditEvents", filter)) as { events?: Event[]; nextPageToken?: string };

  let itemId = "";
  let statusId = "";
  let noteId = "";
  let userId = "";
  let tokenId = "";
  let adminId = "";

  beforeAll(async () => {
    server = await startTestServer();
    secrets.push(server.token!, "test-admin-password-1");
    adminId = ((await ok("AuthService/WhoAmI", {})).user as { id: string }).id;
    statusId = ((await ok("StatusService/AddStatus", { name: "Degraded", kind: "STATUS_KIND_WARNING" })).status as { id: string }).id;
    await ok("StatusService/UpdateStatus", { statusId, color: "#ABC" });
    itemId = ((await ok("ItemsService/AddItem", { name: "Search", initialStatusId: statusId })).item as { id: string }).id;
    await ok("ItemsService/UpdateItem", { itemId, description: "the search box" });
    noteId = ((await ok("NotesService/AddNote", { itemId, noteText: "looking into it" })).note as { id: string }).id;
    await ok("NotesService/UpdateNote", { noteId, noteText: "fixed" });
    await ok("NotesService/DeleteNote", { noteId });
    secrets.push("bob-first-password-1", "bob-reset-password-2", "bob-own-password-3");
    userId = ((await ok("UsersService/AddUser", { user: { username: "bob", password: "bob-first-password-1", role: "ROLE_EDITOR" } })).user as { id: string }).id;
    await ok("UsersService/UpdateUser", { userId, password: "bob-reset-password-2", role: "ROLE_VIEWER" });
    await chooseOwnPassword(server.url, "bob", "bob-reset-password-2");
    const bob = { cookie: await mustLogin(server.url, "bob", "bob-reset-password-2") };
    secrets.push(bob.cookie.split("=")[1]!);
    await ok("AuthService/ChangePassword", { currentPassword: "bob-reset-password-2", newPassword: "bob-own-password-3" }, bob);
    const created = await ok("AuthService/CreateApiToken", { name: "monitor", scope: "TOKEN_SCOPE_STATUS" });
    secrets.push(created.secret as string);
    tokenId = (created.token as { id: string }).id;
    await ok("ItemsService/UpdateItem", { itemId, statusId }, { token: created.secret as string });
    await ok("AuthService/RevokeApiToken", { tokenId });
    await ok("ItemsService/DeleteItem", { itemId });
    await ok("StatusService/DeleteStatus", { statusId });
    await ok("UsersService/DeleteUser", { userId });
  }, 60_000);
  afterAll(() => server.stop());

  it("records every kind of write with who, what, when and from where", async () => {
    const { events = [] } = await list({ pageSize: 500 });
    const find = (procedure: string, objectId: string) => events.find((e) => e.procedure === `statusthing.v1.${procedure}` && e.objectId === objectId);
    const expected: Array<[string, string, string]> = [
      ["StatusService/AddStatus", statusId, "status"],
      ["StatusService/UpdateStatus", statusId, "status"],
      ["ItemsService/AddItem", itemId, "item"],
      ["ItemsService/UpdateItem", itemId, "item"],
      ["NotesService/AddNote", noteId, "note"],
      ["NotesService/UpdateNote", noteId, "note"],
      ["NotesService/DeleteNote", noteId, "note"],
      ["UsersService/AddUser", userId, "user"],
      ["UsersService/UpdateUser", userId, "user"],
      ["AuthService/ChangePassword", userId, "user"],
      ["AuthService/CreateApiToken", tokenId, "api_token"],
      ["AuthService/RevokeApiToken", tokenId, "api_token"],
      ["ItemsService/DeleteItem", itemId, "item"],
      ["StatusService/DeleteStatus", statusId, "status"],
      ["UsersService/DeleteUser", userId, "user"],
    ];
    for (const [procedure, objectId, objectType] of expected) {
      const event = find(procedure, objectId);
      expect(event, `${procedure} of ${objectId}`).toBeDefined();
      expect(event!.objectType).toBe(objectType);
      expect(event!.clientAddress).toBe("127.0.0.1");
      expect(Date.now() - Date.parse(event!.at)).toBeLessThan(120_000);
    }
    expect(find("StatusService/AddStatus", statusId)!.actor).toBe("token:tests (admin)");
    expect(find("AuthService/ChangePassword", userId)!.actor).toBe("user:bob");
    expect(events.find((e) => e.actor === "token:monitor (admin)" && e.procedure.endsWith("UpdateItem"))).toBeDefined();
    // Reads are not writes.
    expect(events.some((e) => /\/(Get|List|WhoAmI)/.test(e.procedure))).toBe(false);
  });

  it("filters by actor, object and time, and pages newest first", async () => {
    const byObject = (await list({ objectId: itemId })).events ?? [];
    expect(byObject.length).toBeGreaterThanOrEqual(4);
    expect(byObject.every((e) => e.objectId === itemId)).toBe(true);
    const byBob = (await list({ actorId: userId })).events ?? [];
    // Bob only ever changed his own password (the test helper does it twice, then once more).
    expect(byBob.length).toBeGreaterThanOrEqual(1);
    expect(new Set(byBob.map((e) => e.procedure))).toEqual(new Set(["statusthing.v1.AuthService/ChangePassword"]));
    expect((await list({ since: new Date(Date.now() + 60_000).toISOString() })).events ?? []).toEqual([]);
    const all = (await list({ actorId: adminId, pageSize: 500 })).events ?? [];
    const seen: Event[] = [];
    let pageToken = "";
    do {
      const page = await list({ actorId: adminId, pageSize: 3, pageToken });
      seen.push(...(page.events ?? []));
      pageToken = page.nextPageToken ?? "";
    } while (pageToken);
    expect(seen.map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect([...all].sort((a, b) => (a.id < b.id ? 1 : -1)).map((e) => e.id)).toEqual(all.map((e) => e.id));
  });

  it("holds no password, token secret or session token anywhere", () => {
    const db = new Database(server.dbPath, { readonly: true });
    try {
      const rows = JSON.stringify(db.prepare("SELECT * FROM audit_events").all());
      expect(rows.length).toBeGreaterThan(100);
      for (const secret of secrets) expect(rows, "a secret in the audit table").not.toContain(secret);
      expect(rows).not.toMatch(/password"\s*:/i);
    } finally {
      db.close();
    }
  });

  it("records the admin CLI's writes with the actor cli", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts", "tokens", "create", "admin", "--name", "from-cli", "--db", server.dbPath], {
      cwd: REPO_ROOT,
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("STATUSTHING_"))),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    expect(await new Promise((resolve) => child.once("close", resolve))).toBe(0);
    const secret = stdout.trim();
    expect(secret).not.toBe("");
    const all = (await list({ pageSize: 100 })).events ?? [];
    expect(JSON.stringify(all)).not.toContain(secret);
    const events = all.filter((e) => e.actor === "cli");
    expect(events.map((e) => [e.actor, e.procedure, e.objectType, e.summary])).toEqual([["cli", "cli tokens create", "api_token", "tokens create"]]);
  });

  it("is for admins only", async () => {
    const made = await ok("AuthService/CreateApiToken", { name: "writer", scope: "TOKEN_SCOPE_WRITE" });
    expect((await rpc(server.url, "statusthing.v1.AuditService/ListAuditEvents", {}, { token: made.secret as string })).code).toBe("permission_denied");
  });
});
