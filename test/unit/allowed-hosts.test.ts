import { describe, expect, it } from "vitest";
import { AllowedHosts, allowedHostNames, hostName } from "../../server/auth/allowed-hosts.js";

describe("AllowedHosts", () => {
  it("reads the name out of a Host value", () => {
    expect(hostName("status.example.com:443")).toBe("status.example.com");
    expect(hostName("status.example.com.")).toBe("status.example.com");
    expect(hostName("[::1]:9000")).toBe("::1");
    expect(hostName("::1")).toBe("::1");
    expect(hostName("127.0.0.1")).toBe("127.0.0.1");
  });

  it("always allows IP literals and localhost names; others only when listed", () => {
    const none = new AllowedHosts([]);
    for (const host of ["127.0.0.1:9000", "10.1.2.3", "[::1]:9000", "[fe80::1]", "localhost:9000", "wall.localhost"]) expect(none.allows(host), host).toBe(true);
    for (const host of ["evil.example", "localhost.evil.example", "127.0.0.1.nip.io", ""]) expect(none.allows(host), host).toBe(false);
    const some = new AllowedHosts(["status.example.com", ".corp.example"]);
    expect(some.allows("Status.Example.COM:8443")).toBe(true);
    expect(some.allows("corp.example")).toBe(true);
    expect(some.allows("a.b.corp.example")).toBe(true);
    expect(some.allows("evilcorp.example")).toBe(false);
    expect(new AllowedHosts(["*"]).allows("anything.example")).toBe(true);
  });

  it("takes the listen host (not a wildcard) and --public-url's host", () => {
    expect(allowedHostNames({ listenHost: "status.lan", publicUrl: "https://status.example.com/", allowedHosts: [".corp.example"] })).toEqual([
      "status.lan",
      "status.example.com",
      ".corp.example",
    ]);
    expect(allowedHostNames({ listenHost: "0.0.0.0" })).toEqual([]);
    expect(allowedHostNames({ listenHost: "::" })).toEqual([]);
  });
});
