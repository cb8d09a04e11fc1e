/**
 * DNS rebinding: a page at evil.example that re-points its name to 127.0.0.1 talks to the server
 * with `Host: evil.example` and a matching Origin. The Host allow-list must stop its login (on a
 * fresh install, admin/password) and any cookie-authenticated call; IPs, localhost, the names the
 * operator allowed and bearer-token calls go through.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

const LOGIN = "statusthing.v1.AuthService/Login";
const CHANGE_PASSWORD = "statusthing.v1.AuthService/ChangePassword";

interface Answer {
  status: number;
  code: string;
  message: string;
  setCookie: string[];
}

/** A JSON POST with a Host header of our choosing (fetch does not let one set Host). */
function post(server: TestServer, host: string, procedure: string, body: object, headers: Record<string, string> = {}): Promise<Answer> {
  const bytes = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: server.port, method: "POST", path: `/${procedure}`, headers: { host, "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c));
        res.on("end", () => {
          const parsed = text ? (JSON.parse(text) as { code?: string; message?: string }) : {};
          resolve({
            status: res.statusCode ?? 0,
            code: res.statusCode === 200 ? "ok" : (parsed.code ?? "?"),
            message: parsed.message ?? "",
            setCookie: res.headers["set-cookie"] ?? [],
          });
        });
      },
    );
    req.on("error", reject);
    req.end(bytes);
  });
}

/** The rebinding page's request: its own name as Host and as Origin. */
const rebinding = (host: string) => ({ origin: `http://${host}` });

describe("Host allow-list (DNS rebinding)", () => {
  let fresh: TestServer;
  let named: TestServer;
  beforeAll(async () => {
    fresh = await startTestServer({ defaultAdminPassword: true });
    named = await startTestServer({ defaultAdminPassword: true, app: { allowedHosts: ["status.example.com", ".corp.example"] } });
  });
  afterAll(async () => {
    await fresh?.stop();
    await named?.stop();
  });

  it("refuses admin/password from a rebinding page on a fresh install, naming the flags", async () => {
    const res = await post(fresh, "evil.example:9000", LOGIN, { username: "admin", password: "password" }, rebinding("evil.example:9000"));
    expect(res.code).toBe("permission_denied");
    expect(res.message).toMatch(/"evil\.example"/);
    expect(res.message).toMatch(/--public-url or --allowed-hosts/);
    expect(res.setCookie).toEqual([]);
  });

  it("refuses a cookie-authenticated call under another name, even with a cookie from a good name", async () => {
    const login = await post(fresh, `127.0.0.1:${fresh.port}`, LOGIN, { username: "admin", password: "password" });
    expect(login.code).toBe("ok");
    const cookie = login.setCookie[0]!.split(";")[0]!;
    const change = await post(fresh, "evil.example", CHANGE_PASSWORD, { current_password: "password", new_password: "rebound-pass-1" }, { cookie, ...rebinding("evil.example") });
    expect(change.code).toBe("permission_denied");
    // The password was not changed: the default still signs in under a good name.
    expect((await post(fresh, `localhost:${fresh.port}`, LOGIN, { username: "admin", password: "password" })).code).toBe("ok");
  });

  it("lets IP literals, localhost and the allowed names sign in", async () => {
    for (const host of [
      `127.0.0.1:${named.port}`,
      `[::1]:${named.port}`,
      "localhost",
      `app.localhost:${named.port}`,
      "status.example.com",
      "STATUS.example.com.:443",
      "corp.example",
      "wall.corp.example",
    ]) {
      const res = await post(named, host, LOGIN, { username: "admin", password: "password" });
      expect(res.code, `${host}: ${res.message}`).toBe("ok");
    }
    for (const host of ["example.com", "evil-status.example.com", "status.example.com.evil.example", "notcorp.example"]) {
      const res = await post(named, host, LOGIN, { username: "admin", password: "password" });
      expect(res.code, `host ${JSON.stringify(host)}`).toBe("permission_denied");
    }
  });

  it("does not check the Host of bearer-token calls or anonymous reads (a page cannot send a token)", async () => {
    const read = await post(fresh, "evil.example", "statusthing.v1.StatusService/ListStatus", {});
    expect(read.code).toBe("ok");
    const token = await startTestServer();
    try {
      const res = await post(token, "evil.example", "statusthing.v1.ItemsService/AddItem", { name: "from a script" }, { authorization: `Bearer ${token.token}` });
      expect(res.code, res.message).toBe("ok");
    } finally {
      await token.stop();
    }
  });

  it("behind --trust-proxy checks the forwarded host", async () => {
    const proxied = await startTestServer({ defaultAdminPassword: true, app: { trustProxy: true, allowedHosts: ["status.example.com"] } });
    try {
      const bad = await post(proxied, `127.0.0.1:${proxied.port}`, LOGIN, { username: "admin", password: "password" }, { "x-forwarded-host": "evil.example" });
      expect(bad.code).toBe("permission_denied");
      const good = await post(proxied, `127.0.0.1:${proxied.port}`, LOGIN, { username: "admin", password: "password" }, { "x-forwarded-host": "status.example.com" });
      expect(good.code, good.message).toBe("ok");
    } finally {
      await proxied.stop();
    }
  });
});
