/**
 * --trust-proxy behind the README's nginx configuration (#10.5): nginx appends the address it
 * saw to X-Forwarded-For, so a client that sends a fake first entry of its own, a new one each
 * time, is still throttled by its real address.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { login } from "../helpers/auth.js";
import { TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { nginxBinary, startNginx, type RunningNginx } from "../helpers/nginx.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const inCi = process.env.CI === "true";
const nginx = nginxBinary();
if (!nginx && !inCi) console.warn("skipping the nginx throttling test: nginx is not installed (apt-get install nginx)");

describe.runIf(inCi || nginx)("login throttling through nginx with --trust-proxy", () => {
  let server: TestServer;
  let proxy: RunningNginx;
  beforeAll(async () => {
    server = await startTestServer({ app: { trustProxy: 1 } });
    proxy = await startNginx(nginx!, [`127.0.0.1:${server.port}`]);
  }, 30_000);
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  it("counts the real address, whatever first entry the client makes up", async () => {
    for (let i = 0; i < 5; i++) {
      const res = await login(proxy.url, "admin", `rotating-guess-${i}`, { "x-forwarded-for": `192.0.2.${i + 1}` });
      expect(res.code, res.text).toBe("unauthenticated");
    }
    const sixth = await login(proxy.url, "admin", TEST_ADMIN_PASSWORD, { "x-forwarded-for": "192.0.2.77" });
    expect(sixth.code).toBe("resource_exhausted");
    expect(sixth.body.message).toMatch(/try again in \d+ s/);
    // Without a made-up entry it is the same address, refused the same.
    expect((await login(proxy.url, "admin", TEST_ADMIN_PASSWORD)).code).toBe("resource_exhausted");
    // Straight to the server (not through nginx) the peer is 127.0.0.1 and X-Forwarded-For holds
    // one entry: with one trusted hop that entry is the client, another address, not refused.
    expect((await login(server.url, "admin", TEST_ADMIN_PASSWORD, { "x-forwarded-for": "203.0.113.50" })).code).toBe("ok");
  });
});
