/**
 * API tokens are looked up in memory once used (see store/api-token-cache.ts), so each change to
 * a token or its user must count from the very next call: a revoked token, a demoted or deleted
 * user. Made through this server: the next call. Made in the SQLite file by another connection
 * (as the CLI does): the next call once OTHER_WRITERS_CHECK_MS have passed. Made on another replica of one PostgreSQL: as soon as its announcement arrives.
 * Each token is used first, so that it is cached.
 */
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import { OTHER_WRITERS_CHECK_MS } from "../../server/store/sqlite/sqlite-auth-store.js";
import { mustLogin, rpc, sleep } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { pollUntil } from "../helpers/watch.js";

const AUTH = "statusthing.v1.AuthService/";
const USERS = "statusthing.v1.UsersService/";
const ADD_ITEM = "statusthing.v1.ItemsService/AddItem";
/** How long another replica's announcement may take to arrive here (it takes milliseconds). */
const ANNOUNCEMENT_MS = 3_000;

/** An editor with one API token. */
interface Editor {
  id: string;
  tokenId: string;
  secret: string;
}

async function addEditor(url: string, username: string): Promise<Editor> {
  let password = `${username}-password-1`;
  const added = await rpc(url, `${USERS}AddUser`, { user: { username, password }, role: "ROLE_EDITOR" });
  expect(added.code, added.text).toBe("ok");
  let cookie = await mustLogin(url, username, password);
  if ((await rpc(url, `${AUTH}WhoAmI`, {}, { cookie })).body.mustChangePassword) {
    const changed = await rpc(url, `${AUTH}ChangePassword`, { currentPassword: password, newPassword: `${password}-changed` }, { cookie });
    expect(changed.code, changed.text).toBe("ok");
    password = `${password}-changed`;
    cookie = await mustLogin(url, username, password);
  }
  const made = await rpc(url, `${AUTH}CreateApiToken`, { name: "script" }, { cookie });
  expect(made.code, made.text).toBe("ok");
  return { id: (added.body.user as { id: string }).id, tokenId: (made.body.token as { id: string }).id, secret: made.body.secret as string };
}

/** Adds an item with the editor's token on `url`: "ok" or the refusal's code. */
async function addItemAs(url: string, editor: Editor): Promise<string> {
  return (await rpc(url, ADD_ITEM, { name: `item ${Math.random()}` }, { token: editor.secret })).code;
}

/** How a change is made: by the server `url` itself, or elsewhere. */
interface Changes {
  revokeToken(editor: Editor): Promise<void>;
  makeViewer(editor: Editor): Promise<void>;
  deleteUser(editor: Editor): Promise<void>;
}

/** Changes made by calls to the server at `url` (the admin's). */
function changesThrough(url: string): Changes {
  const ok = async (procedure: string, body: object) => {
    const res = await rpc(url, procedure, body);
    expect(res.code, res.text).toBe("ok");
  };
  return {
    revokeToken: (e) => ok(`${AUTH}RevokeApiToken`, { tokenId: e.tokenId, userId: e.id }),
    makeViewer: (e) => ok(`${USERS}UpdateUser`, { userId: e.id, role: "ROLE_VIEWER" }),
    deleteUser: (e) => ok(`${USERS}DeleteUser`, { userId: e.id }),
  };
}

/**
 * The three changes, each made by `changes` and then met by the next call to the server at
 * `url`; `arrives` when the change reaches that server by an announcement of its own (another
 * replica's NOTIFY): then the calls go on until it is met, for at most a few seconds, well within
 * the cache's backstop (TOKEN_CACHE_MAX_AGE_MS), so only the announcement can pass the test.
 */
function itRefusesTheNextCall(target: () => { url: string; changes: Changes }, arrives = false): void {
  const expectNext = async (url: string, editor: Editor, code: string) => {
    if (arrives) await pollUntil(async () => (await addItemAs(url, editor)) !== "ok", ANNOUNCEMENT_MS, `the change to reach ${url}`);
    expect(await addItemAs(url, editor)).toBe(code);
  };

  it("refuses a revoked token on the next call", async () => {
    const { url, changes } = target();
    const editor = await addEditor(url, "rita");
    expect(await addItemAs(url, editor)).toBe("ok");
    await changes.revokeToken(editor);
    await expectNext(url, editor, "unauthenticated");
  });

  it("applies a user's new role to their token on the next call", async () => {
    const { url, changes } = target();
    const editor = await addEditor(url, "vic");
    expect(await addItemAs(url, editor)).toBe("ok");
    await changes.makeViewer(editor);
    await expectNext(url, editor, "permission_denied");
  });

  it("refuses a deleted user's token on the next call", async () => {
    const { url, changes } = target();
    const editor = await addEditor(url, "dora");
    expect(await addItemAs(url, editor)).toBe("ok");
    await changes.deleteUser(editor);
    await expectNext(url, editor, "unauthenticated");
  });
}

describe("token changes made through the server (SQLite)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  itRefusesTheNextCall(() => ({ url: server.url, changes: changesThrough(server.url) }));
});

describe("token changes made in the SQLite file by another connection (as the CLI does)", () => {
  let server: TestServer;
  let other: BetterSqlite3.Database;
  beforeAll(async () => {
    server = await startTestServer();
    other = new BetterSqlite3(server.dbPath);
    other.pragma("busy_timeout = 5000");
  });
  afterAll(async () => {
    other?.close();
    await server?.stop();
  });
  // The server asks whether another process wrote at most every OTHER_WRITERS_CHECK_MS: the
  // next call after that is refused (a call made sooner may still pass: the README's bound).
  const thenWait = (statement: string) => async (id: string) => {
    other.prepare(statement).run(id);
    await sleep(OTHER_WRITERS_CHECK_MS + 1);
  };
  itRefusesTheNextCall(() => ({
    url: server.url,
    changes: {
      revokeToken: (e) => thenWait("DELETE FROM api_tokens WHERE id = ?")(e.tokenId),
      makeViewer: (e) => thenWait("UPDATE users SET role = 'viewer' WHERE id = ?")(e.id),
      deleteUser: (e) => thenWait("DELETE FROM users WHERE id = ?")(e.id),
    },
  }));
});

const describePg = await describeWithPostgres("the PostgreSQL token-change test");

describePg("token changes made on replica A, next call on replica B (one PostgreSQL)", () => {
  let schemas: TestSchemas;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    schemas = new TestSchemas();
    const schema = await schemas.create();
    for (let i = 0; i < 2; i++) {
      const store = await schemas.open(schema);
      // Heartbeats far apart: only the announcement through PostgreSQL reaches B in time.
      const app = await createApp({ store, logger: createLogger("silent"), hub: { heartbeatMs: 120_000 }, adminPassword: TEST_ADMIN_PASSWORD });
      servers.push(await serve(app, "127.0.0.1:0"));
      await registerAdminToken(servers[i]!.url);
    }
  }, 60_000);
  afterAll(async () => {
    for (const server of servers) await server.close(2_000);
    await schemas?.dropAll();
  });

  itRefusesTheNextCall(() => ({ url: servers[1]!.url, changes: changesThrough(servers[0]!.url) }), true);
});

describePg("token changes made through the server (PostgreSQL)", () => {
  let schemas: TestSchemas;
  let server: RunningServer;

  beforeAll(async () => {
    schemas = new TestSchemas();
    const store = await schemas.open(await schemas.create());
    const app = await createApp({ store, logger: createLogger("silent"), adminPassword: TEST_ADMIN_PASSWORD });
    server = await serve(app, "127.0.0.1:0");
    await registerAdminToken(server.url);
  }, 60_000);
  afterAll(async () => {
    await server?.close(2_000);
    await schemas?.dropAll();
  });

  itRefusesTheNextCall(() => ({ url: server.url, changes: changesThrough(server.url) }));
});
