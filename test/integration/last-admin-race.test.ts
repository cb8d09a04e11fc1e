/**
 * The last admin stays even under races (#19): two admins demoting (or deleting) each other at
 * the same moment, over real HTTP, round after round, on SQLite and on PostgreSQL. The store
 * checks for another admin inside the write's transaction, so exactly one of the two wins.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import { chooseOwnPassword, mustLogin, rpc, type Caller } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const USERS = "statusthing.v1.UsersService/";
const ROUNDS = 15;
/** Each delete round makes two admins (password hashing, sign-ins): fewer of them. */
const DELETE_ROUNDS = 5;

interface UserJson {
  id: string;
  username: string;
  role?: string;
}

/** The two-admin races, against the server at `url()` whose admin acts by the registered token. */
function describeRaces(url: () => string): void {
  const call = async (method: string, body: object, caller: Caller = "admin") => rpc(url(), `${USERS}${method}`, body, caller);
  /** The admins' ids, as `caller` (an admin) lists them. */
  const adminIds = async (caller: Caller) => {
    const listed = await call("ListUsers", {}, caller);
    expect(listed.code, listed.text).toBe("ok");
    return ((listed.body.users ?? []) as UserJson[]).filter((u) => u.role === "ROLE_ADMIN").map((u) => u.id);
  };
  let lastAdminRefusals = 0;
  const adminId = async () => {
    const admin = (((await call("ListUsers", {})).body.users ?? []) as UserJson[]).find((u) => u.username === "admin");
    if (!admin) throw new Error("no user admin");
    return admin.id;
  };

  /** Adds `username` as an admin who has chosen their password, signed in: their session cookie and id. */
  async function addAdmin(username: string): Promise<{ id: string; caller: Caller }> {
    const password = `${username}-password-1`;
    const added = await call("AddUser", { user: { username, password, role: "ROLE_ADMIN" } });
    expect(added.code, added.text).toBe("ok");
    await chooseOwnPassword(url(), username, password);
    return { id: (added.body.user as UserJson).id, caller: { cookie: await mustLogin(url(), username, password) } };
  }

  it("two admins demoting each other at once: one wins, the other is refused, one admin remains", async () => {
    const admin = { id: await adminId(), caller: "admin" as Caller };
    const ann = await addAdmin("ann");
    for (let round = 0; round < ROUNDS; round++) {
      const [byAdmin, byAnn] = await Promise.all([
        call("UpdateUser", { userId: ann.id, role: "ROLE_EDITOR" }),
        call("UpdateUser", { userId: admin.id, role: "ROLE_VIEWER" }, ann.caller),
      ]);
      expect(
        [byAdmin, byAnn].filter((r) => r.code === "ok"),
        `round ${round}: ${byAdmin.text} / ${byAnn.text}`,
      ).toHaveLength(1);
      const [survivor, other, refused] = byAdmin.code === "ok" ? [admin, ann, byAnn] : [ann, admin, byAdmin];
      // Refused by the store (LAST_ADMIN), or, if the other write had committed before this call was let in, for its role.
      expect(refused.text).toMatch(/LAST_ADMIN|ROLE_INSUFFICIENT/);
      if (refused.text.includes("LAST_ADMIN")) lastAdminRefusals++;
      expect(await adminIds(survivor.caller), `round ${round}`).toEqual([survivor.id]);
      // The one left makes the other admin again, for the next round.
      expect((await call("UpdateUser", { userId: other.id, role: "ROLE_ADMIN" }, survivor.caller)).code).toBe("ok");
    }
  });

  it("two admins deleting each other at once: one wins, the other is refused, one admin remains", async () => {
    for (let round = 0; round < DELETE_ROUNDS; round++) {
      const bob = await addAdmin(`bob${round}`);
      const carol = await addAdmin(`carol${round}`);
      // Only bob and carol are admins now, so at most one of them may go.
      const admin = await adminId();
      for (const id of await adminIds(bob.caller)) {
        if (id !== bob.id && id !== carol.id) expect((await call("UpdateUser", { userId: id, role: "ROLE_EDITOR" }, bob.caller)).code).toBe("ok");
      }
      const [byBob, byCarol] = await Promise.all([call("DeleteUser", { userId: carol.id }, bob.caller), call("DeleteUser", { userId: bob.id }, carol.caller)]);
      const codes = [byBob.code, byCarol.code];
      expect(
        codes.filter((c) => c === "ok"),
        `round ${round}: ${byBob.text} / ${byCarol.text}`,
      ).toHaveLength(1);
      const survivor = byBob.code === "ok" ? bob : carol;
      const refused = byBob.code === "ok" ? byCarol : byBob;
      // Refused by the store, or, if the other delete had committed first, because the caller is gone.
      expect(refused.code, refused.text).toMatch(/^(failed_precondition|unauthenticated)$/);
      if (refused.text.includes("LAST_ADMIN")) lastAdminRefusals++;
      expect(await adminIds(survivor.caller), `round ${round}`).toEqual([survivor.id]);
      // The admin's token acts with the admin's role: make it admin again, then drop the survivor.
      expect((await call("UpdateUser", { userId: admin, role: "ROLE_ADMIN" }, survivor.caller)).code).toBe("ok");
      expect((await call("DeleteUser", { userId: survivor.id })).code).toBe("ok");
    }
  }, 60_000);

  it("had the store refuse with LAST_ADMIN in some rounds (the calls did race)", () => {
    console.info(`LAST_ADMIN refusals: ${lastAdminRefusals}`);
    expect(lastAdminRefusals).toBeGreaterThan(0);
  });
}

describe("the last admin on SQLite", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  describeRaces(() => server.url);
});

const describePg = await describeWithPostgres("the last-admin race on PostgreSQL");

describePg("the last admin on PostgreSQL", () => {
  let schemas: TestSchemas;
  let server: RunningServer;
  beforeAll(async () => {
    schemas = new TestSchemas();
    const store = await schemas.open(await schemas.create());
    const app = await createApp({ store, logger: createLogger("silent", new Writable({ write: (_c, _e, done) => done() })), adminPassword: TEST_ADMIN_PASSWORD });
    server = await serve(app, "127.0.0.1:0");
    await registerAdminToken(server.url);
  });
  afterAll(async () => {
    await server?.close(1_000);
    await schemas.dropAll();
  });
  describeRaces(() => server.url);
});
