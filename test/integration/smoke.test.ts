import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClients, createTransport, PROTOCOLS } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

describe.each(PROTOCOLS)("over %s", (protocol) => {
  it("lists the three default statuses", async () => {
    const { statuses } = createClients(createTransport(protocol, server.url));
    const res = await statuses.listStatus({});
    expect(res.statuses.map((s) => [s.name, s.color, s.kind])).toEqual([
      ["UP", "#5DFC0A", 1],
      ["DOWN", "#FF0000", 2],
      ["WARNING", "#EEEB8D", 3],
    ]);
  });
});

it("answers /healthz", async () => {
  const res = await fetch(`${server.url}/healthz`);
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ status: "ok", revision: 3, watchers: {} });
});
