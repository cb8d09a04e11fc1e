/**
 * Signed-in reads share the encoded-once read cache with anonymous ones (#13): access is decided
 * first, so the cache never answers a caller the uncached road would refuse. The store's own
 * `listItems` is counted (the real SQLite store, wrapped) to see which calls reached it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { rpc, sessionCookies, type Caller } from "../helpers/auth.js";
import { loginCookie } from "../helpers/credentials.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const LIST = "statusthing.v1.ItemsService/ListItems";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** Counts the calls that reach the store's listItems from now on. */
function countStoreReads(s: TestServer): { readonly count: number } {
  const counter = { count: 0 };
  const original = s.store.listItems.bind(s.store);
  s.store.listItems = (filter) => {
    counter.count++;
    return original(filter);
  };
  return counter;
}

async function newToken(s: TestServer, name: string): Promise<{ id: string; secret: string }> {
  const made = await rpc(s.url, "statusthing.v1.AuthService/CreateApiToken", { name });
  expect(made.code).toBe("ok");
  return { id: (made.body.token as { id: string }).id, secret: made.body.secret as string };
}

async function list(s: TestServer, caller: Caller): Promise<{ code: string; text: string }> {
  const { code, text } = await rpc(s.url, LIST, {}, caller);
  return { code, text };
}

describe("signed-in reads and the read cache", () => {
  it("answers a signed-in ListItems from the same cached bytes as an anonymous one", async () => {
    server = await startTestServer();
    expect((await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "Payments" })).code).toBe("ok");
    const reads = countStoreReads(server);
    const anonymous = await list(server, "anonymous");
    expect(anonymous.code).toBe("ok");
    expect(reads.count).toBe(1);
    for (let i = 0; i < 5; i++) expect(await list(server, "admin")).toEqual(anonymous);
    expect(reads.count).toBe(1);
  });

  it("fills the cache from a signed-in caller too, and drops it on a write", async () => {
    server = await startTestServer();
    const reads = countStoreReads(server);
    const first = await list(server, "admin");
    expect(reads.count).toBe(1);
    expect(await list(server, "admin")).toEqual(first);
    expect(reads.count).toBe(1);
    expect((await rpc(server.url, "statusthing.v1.ItemsService/AddItem", { name: "Search" })).code).toBe("ok");
    const after = await list(server, "admin");
    expect(after.text).toContain("Search");
    expect(reads.count).toBe(2);
  });

  it("refuses bad, malformed and revoked credentials although the answer is cached", async () => {
    server = await startTestServer();
    const token = await newToken(server, "soon revoked");
    expect((await list(server, { token: token.secret })).code).toBe("ok");
    expect((await list(server, "anonymous")).code).toBe("ok"); // the cache is warm
    expect((await list(server, { token: "st_notarealtokenatall" })).code).toBe("unauthenticated");
    const malformed = await rpc(server.url, LIST, {}, "anonymous", { authorization: "Basic YWRtaW46eA==" });
    expect(malformed.code).not.toBe("ok");
    expect((await rpc(server.url, "statusthing.v1.AuthService/RevokeApiToken", { tokenId: token.id })).code).toBe("ok");
    expect((await list(server, { token: token.secret })).code).toBe("unauthenticated");
  });

  it("with --private, shares the cache among signed-in readers and still refuses anonymous ones", async () => {
    server = await startTestServer({ app: { private: true } });
    const reads = countStoreReads(server);
    const other = await newToken(server, "another reader");
    const first = await list(server, "admin");
    expect(first.code).toBe("ok");
    expect(await list(server, { token: other.secret })).toEqual(first);
    expect(reads.count).toBe(1);
    expect((await list(server, "anonymous")).code).toBe("unauthenticated");
    expect(reads.count).toBe(1);
  });

  it("re-sends a session's cookie when a cached read extends it, as an uncached call does", async () => {
    const day = 86_400_000;
    let clock = Date.parse("2026-11-30T12:00:00Z");
    server = await startTestServer({ app: { now: () => new Date(clock), auth: { sessionMs: 10 * day } } });
    const cookie = await loginCookie(server.url);
    expect((await list(server, "anonymous")).code).toBe("ok"); // the cache is warm
    const early = await rpc(server.url, LIST, {}, { cookie });
    expect(early.code).toBe("ok");
    expect(sessionCookies(early.headers)).toEqual([]);
    clock += 6 * day; // into the session's second half: this use extends it
    const renewed = await rpc(server.url, LIST, {}, { cookie });
    expect(renewed.code).toBe("ok");
    const [sent] = sessionCookies(renewed.headers);
    expect(sent?.value).toBe(cookie.split("=")[1]);
    expect(Date.parse(sent!.attributes.get("expires")!)).toBe(Math.floor((clock + 10 * day) / 1000) * 1000);
    expect(sessionCookies((await rpc(server.url, LIST, {}, { cookie })).headers)).toEqual([]);
  });
});
