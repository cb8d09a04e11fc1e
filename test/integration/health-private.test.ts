/** /healthz tells anonymous callers of a --private server only that it is up. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

let privateServer: TestServer;
let publicServer: TestServer;
beforeAll(async () => {
  privateServer = await startTestServer({ app: { private: true } });
  publicServer = await startTestServer();
});
afterAll(async () => {
  await privateServer?.stop();
  await publicServer?.stop();
});

async function health(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/healthz`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

it("answers an anonymous caller of a --private server just {status: ok}", async () => {
  expect(await health(privateServer.url)).toEqual({ status: "ok" });
  // A wrong token is no better than none.
  expect(await health(privateServer.url, { authorization: "Bearer not-a-token" })).toEqual({ status: "ok" });
});

it("gives a signed-in caller of a --private server the revision and watcher counts", async () => {
  const body = await health(privateServer.url, { authorization: `Bearer ${privateServer.token}` });
  expect(body).toMatchObject({ status: "ok", watchers: {} });
  expect(typeof body.revision).toBe("number");
});

it("gives anyone the revision and watcher counts on a public server", async () => {
  const body = await health(publicServer.url);
  expect(Object.keys(body).sort()).toEqual(["revision", "status", "watchers"]);
});
