/**
 * The audit log on PostgreSQL: data writes (group-commit queue) and account writes (straight on
 * the pool) both leave their row, in their own transaction, and no secret reaches the table.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import type { PostgresStore } from "../../server/store/postgres/postgres-store.js";
import { rpc } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";

const describePg = await describeWithPostgres("the PostgreSQL audit log test");

describePg("the audit log on PostgreSQL", () => {
  let schemas: TestSchemas;
  let schema: string;
  let store: PostgresStore;
  let server: RunningServer;
  const secrets: string[] = [TEST_ADMIN_PASSWORD];

  beforeAll(async () => {
    schemas = new TestSchemas();
    schema = await schemas.create();
    store = await schemas.open(schema);
    const app = await createApp({ store, logger: createLogger("silent", new Writable({ write: (_c, _e, done) => done() })), adminPassword: TEST_ADMIN_PASSWORD });
    server = await serve(app, "127.0.0.1:0");
    secrets.push(await registerAdminToken(server.url));
  });
  afterAll(async () => {
    await server?.close(1_000);
    await schemas.dropAll();
  });

  it("records data and account writes once each, without secrets", async () => {
    const call = async (procedure: string, body: object) => {
      const res = await rpc(server.url, `statusthing.v1.${procedure}`, body);
      expect(res.code, `${procedure}: ${res.text}`).toBe("ok");
      return res.body;
    };
    const itemId = ((await call("ItemsService/AddItem", { name: "Queue" })).item as { id: string }).id;
    await call("ItemsService/UpdateItem", { itemId, description: "jobs" });
    secrets.push("carol-password-123");
    const userId = ((await call("UsersService/AddUser", { user: { username: "carol", password: "carol-password-123" } })).user as { id: string }).id;
    await call("UsersService/UpdateUser", { userId, role: "ROLE_VIEWER", password: "carol-password-456" });
    secrets.push("carol-password-456");
    const made = await call("AuthService/CreateApiToken", { name: "ci" });
    secrets.push(made.secret as string);
    const tokenId = (made.token as { id: string }).id;
    await call("AuthService/RevokeApiToken", { tokenId });
    // A failed write leaves no row.
    expect((await rpc(server.url, "statusthing.v1.AuthService/RevokeApiToken", { tokenId })).code).toBe("not_found");
    await call("UsersService/DeleteUser", { userId });

    const events = ((await call("AuditService/ListAuditEvents", { pageSize: 100 })).events ?? []) as Array<{ procedure: string; objectId?: string; actor: string }>;
    const count = (procedure: string, objectId: string) => events.filter((e) => e.procedure === `statusthing.v1.${procedure}` && e.objectId === objectId).length;
    expect(count("ItemsService/AddItem", itemId)).toBe(1);
    expect(count("ItemsService/UpdateItem", itemId)).toBe(1);
    expect(count("UsersService/AddUser", userId)).toBe(1);
    expect(count("UsersService/UpdateUser", userId)).toBe(1);
    expect(count("AuthService/CreateApiToken", tokenId)).toBe(1);
    expect(count("AuthService/RevokeApiToken", tokenId)).toBe(1);
    expect(count("UsersService/DeleteUser", userId)).toBe(1);
    // Only the helper's sign-in made a token by session; the rest went through that token.
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set(["token:tests (admin)", "user:admin"]));

    const { rows } = await schemas.admin.query(`SELECT * FROM ${schema}.audit_events`);
    const text = JSON.stringify(rows);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
