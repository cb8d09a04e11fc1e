/**
 * On a --private server a watch stream needs a login, and it must not outlive it (issue #10.7):
 * the open WatchItems and /ws streams of a revoked API token, an ended session (logout) or a
 * deleted user end with `unauthenticated` — at once when that happens on this server, and within
 * a heartbeat tick when it happens elsewhere (another replica, the CLI), since each tick checks
 * every stream's credentials again; on PostgreSQL at once across replicas too (NOTIFY). Other
 * callers' streams go on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { createClients, createTransport } from "../helpers/clients.js";
import { mustLogin, rpc } from "../helpers/auth.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { openWatch, pollUntil, type Watch, type WatchProtocol } from "../helpers/watch.js";

const AUTH = "statusthing.v1.AuthService/";
const USERS = "statusthing.v1.UsersService/";
const PROTOCOLS: readonly WatchProtocol[] = ["connect-json", "grpc-h2c", "ws"];

/** A user with a session and two API tokens. */
interface TestUser {
  id: string;
  password: string;
  cookie: string;
  tokens: Array<{ id: string; secret: string }>;
}

/** What these tests need of a server: its URL. */
type Server = Pick<TestServer, "url">;

async function addUser(server: Server, username: string): Promise<TestUser> {
  let password = `${username}-password-1`;
  const added = await rpc(server.url, `${USERS}AddUser`, { user: { username, password } });
  expect(added.code, added.text).toBe("ok");
  let cookie = await mustLogin(server.url, username, password);
  const who = await rpc(server.url, `${AUTH}WhoAmI`, {}, { cookie });
  if (who.body.mustChangePassword) {
    const changed = await rpc(server.url, `${AUTH}ChangePassword`, { currentPassword: password, newPassword: `${password}-changed` }, { cookie });
    expect(changed.code, changed.text).toBe("ok");
    password = `${password}-changed`;
    cookie = await mustLogin(server.url, username, password);
  }
  const tokens = [];
  for (const name of ["one", "two"]) {
    const made = await rpc(server.url, `${AUTH}CreateApiToken`, { name }, { cookie });
    expect(made.code, made.text).toBe("ok");
    tokens.push({ id: (made.body.token as { id: string }).id, secret: made.body.secret as string });
  }
  return { id: (added.body.user as { id: string }).id, password, cookie, tokens };
}

/** Opens one stream of every protocol with these headers, and waits for their snapshots. */
async function watchAll(server: Server, headers: Record<string, string>, opened: Watch[]): Promise<Watch[]> {
  const watches = PROTOCOLS.map((protocol) => openWatch(server.url, protocol, {}, { headers }));
  opened.push(...watches);
  await pollUntil(
    () => watches.every((w) => w.state.snapshots === 1),
    10_000,
    "snapshots",
    () => watches.map((w) => `${w.protocol}: ${JSON.stringify(w.end)}`).join(", "),
  );
  return watches;
}

/** Waits until every watch ended with unauthenticated (on /ws: the error frame, then close code 1008). */
async function expectRevoked(watches: Watch[], what: string): Promise<void> {
  await pollUntil(
    () => watches.every((w) => w.end !== undefined),
    10_000,
    `the streams of ${what} to end`,
    () => watches.map((w) => `${w.protocol}: ${JSON.stringify(w.end)}`).join(", "),
  );
  for (const watch of watches) {
    expect(watch.end?.code, watch.protocol).toBe("unauthenticated");
    if (watch.protocol === "ws") expect(watch.end?.wsClose?.code).toBe(1008);
  }
}

/** Makes a change and waits until every watch in `live` has it: they are still open and fed. */
async function expectStillFed(server: Server, live: Watch[]): Promise<void> {
  const { item } = await createClients(createTransport("connect-json", server.url)).items.addItem({ name: `change ${Math.random()}` });
  await pollUntil(() => live.every((w) => w.state.items.has(item!.id)), 10_000, "the other streams to get a change");
  for (const watch of live) expect(watch.end).toBeUndefined();
}

describe("a --private server, revocation made on it", () => {
  let server: TestServer;
  const opened: Watch[] = [];

  beforeAll(async () => {
    // Heartbeats (and so the periodic re-check) far apart: only the prompt check can end streams in time.
    server = await startTestServer({ app: { private: true }, hub: { heartbeatMs: 120_000 } });
  });
  afterAll(async () => {
    for (const watch of opened) watch.close();
    await server?.stop();
  });

  it("ends the streams of a revoked API token at once, and not those of the user's other token", async () => {
    const carol = await addUser(server, "carol");
    const revoked = await watchAll(server, { authorization: `Bearer ${carol.tokens[0]!.secret}` }, opened);
    const kept = await watchAll(server, { authorization: `Bearer ${carol.tokens[1]!.secret}` }, opened);
    const revoke = await rpc(server.url, `${AUTH}RevokeApiToken`, { tokenId: carol.tokens[0]!.id }, { cookie: carol.cookie });
    expect(revoke.code, revoke.text).toBe("ok");
    await expectRevoked(revoked, "the revoked token");
    await expectStillFed(server, kept);
  });

  it("ends the streams of a session at logout, and not those of the user's other session", async () => {
    const dave = await addUser(server, "dave");
    const other = await mustLogin(server.url, "dave", dave.password);
    const ended = await watchAll(server, { cookie: dave.cookie }, opened);
    const kept = await watchAll(server, { cookie: other }, opened);
    const logout = await rpc(server.url, `${AUTH}Logout`, {}, { cookie: dave.cookie });
    expect(logout.code, logout.text).toBe("ok");
    await expectRevoked(ended, "the ended session");
    await expectStillFed(server, kept);
  });

  it("ends every stream of a deleted user (sessions and tokens), and not the admin's", async () => {
    const erin = await addUser(server, "erin");
    const bySession = await watchAll(server, { cookie: erin.cookie }, opened);
    const byToken = await watchAll(server, { authorization: `Bearer ${erin.tokens[0]!.secret}` }, opened);
    const admins = await watchAll(server, { authorization: `Bearer ${server.token!}` }, opened);
    const deleted = await rpc(server.url, `${USERS}DeleteUser`, { userId: erin.id });
    expect(deleted.code, deleted.text).toBe("ok");
    await expectRevoked([...bySession, ...byToken], "the deleted user");
    await expectStillFed(server, admins);
  });
});

describe("a --private server, revocation made elsewhere (another replica, the CLI)", () => {
  let server: TestServer;
  const opened: Watch[] = [];

  beforeAll(async () => {
    server = await startTestServer({ app: { private: true }, hub: { heartbeatMs: 300 } });
  });
  afterAll(async () => {
    for (const watch of opened) watch.close();
    await server?.stop();
  });

  it("ends the streams of a token deleted in the database directly within a heartbeat tick", async () => {
    const fay = await addUser(server, "fay");
    const revoked = await watchAll(server, { authorization: `Bearer ${fay.tokens[0]!.secret}` }, opened);
    const kept = await watchAll(server, { authorization: `Bearer ${fay.tokens[1]!.secret}` }, opened);
    // As `statusthing tokens revoke` or another replica would: in the database, not through this server.
    await server.store.accounts.deleteApiToken(fay.id, fay.tokens[0]!.id);
    await expectRevoked(revoked, "the token deleted in the database");
    await expectStillFed(server, kept);
  });

  it("ends the streams of a session deleted in the database (a password reset by the CLI)", async () => {
    const gus = await addUser(server, "gus");
    const ended = await watchAll(server, { cookie: gus.cookie }, opened);
    const kept = await watchAll(server, { authorization: `Bearer ${gus.tokens[0]!.secret}` }, opened);
    await server.store.accounts.deleteUserSessions(gus.id);
    await expectRevoked(ended, "the session deleted in the database");
    await expectStillFed(server, kept);
  });
});

const describePg = await describeWithPostgres("the PostgreSQL revocation test");

describePg("two --private replicas on one PostgreSQL", () => {
  let schemas: TestSchemas;
  const servers: RunningServer[] = [];
  const opened: Watch[] = [];

  beforeAll(async () => {
    schemas = new TestSchemas();
    const schema = await schemas.create();
    for (let i = 0; i < 2; i++) {
      const store = await schemas.open(schema);
      // Heartbeats far apart: only the announcement through PostgreSQL can end B's streams in time.
      const app = await createApp({ store, logger: createLogger("silent"), private: true, hub: { heartbeatMs: 120_000 }, adminPassword: TEST_ADMIN_PASSWORD });
      servers.push(await serve(app, "127.0.0.1:0"));
      await registerAdminToken(servers[i]!.url);
    }
  }, 60_000);
  afterAll(async () => {
    for (const watch of opened) watch.close();
    for (const server of servers) await server.close(2_000);
    await schemas?.dropAll();
  });

  it("ends B's streams at once when the token or session is revoked on A", async () => {
    const [a, b] = servers as [RunningServer, RunningServer];
    const hal = await addUser(a, "hal");
    const byToken = await watchAll(b, { authorization: `Bearer ${hal.tokens[0]!.secret}` }, opened);
    const bySession = await watchAll(b, { cookie: hal.cookie }, opened);
    const kept = await watchAll(b, { authorization: `Bearer ${hal.tokens[1]!.secret}` }, opened);

    expect((await rpc(a.url, `${AUTH}RevokeApiToken`, { tokenId: hal.tokens[0]!.id }, { cookie: hal.cookie })).code).toBe("ok");
    await expectRevoked(byToken, "the token revoked on A");
    expect((await rpc(a.url, `${AUTH}Logout`, {}, { cookie: hal.cookie })).code).toBe("ok");
    await expectRevoked(bySession, "the session ended on A");
    await expectStillFed(b, kept);
  });
});
