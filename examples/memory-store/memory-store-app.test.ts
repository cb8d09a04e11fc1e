/** The in-memory example store behind the real app: what the README's "Your own store" promises. */
import { afterEach, describe, expect, it } from "vitest";
import { createApp, createLogger, serve, type RunningServer } from "../../server/index.js";
import { MemoryStore } from "./memory-store.js";

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close(2_000);
  server = undefined;
});

/** POSTs JSON to an RPC and returns the answer's JSON, failing on an error status. */
async function call(url: string, method: string, body: unknown, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}/statusthing.v1.${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
}

describe("createApp({ store: new MemoryStore() })", () => {
  it("serves the API and the public documents, which show each write at once", async () => {
    const app = await createApp({ store: new MemoryStore(), logger: createLogger("silent"), adminPassword: "memory-store-password" });
    server = await serve(app, "127.0.0.1:0");
    const login = await fetch(`${server.url}/statusthing.v1.AuthService/Login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "memory-store-password" }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get("set-cookie")?.split(";", 1)[0] ?? "";
    const { secret } = await call(server.url, "AuthService/CreateApiToken", { name: "test" }, { cookie, origin: server.url });
    const bearer = { authorization: `Bearer ${String(secret)}` };

    // Read once, so the document is cached; the write must make the next read see it (onCommit).
    const components = async () => ((await (await fetch(`${server!.url}/api/v2/components.json`)).json()) as { components: Array<{ name: string }> }).components;
    expect(await components()).toEqual([]);
    await call(server.url, "ItemsService/AddItem", { name: "Website", initial_note_text: "up and running" }, bearer);
    expect((await components()).map((c) => c.name)).toEqual(["Website"]);

    const { items } = await call(server.url, "ItemsService/ListItems", {});
    expect((items as Array<{ name: string }>).map((i) => i.name)).toEqual(["Website"]);
    const statuses = await call(server.url, "StatusService/ListStatus", {});
    expect((statuses.statuses as unknown[]).length).toBe(3);
  });
});
