import { describe, expect, it } from "vitest";
import { requestOrigin } from "../../server/auth/guard.js";

const facts = (headers: Record<string, string>) => ({ headers: new Headers(headers), remoteAddress: "10.0.0.2", host: "127.0.0.1:9000" });

describe("requestOrigin", () => {
  it("ignores X-Forwarded-* without trusted proxies", () => {
    expect(requestOrigin(facts({ "x-forwarded-for": "1.2.3.4", "x-forwarded-proto": "https", "x-forwarded-host": "a.example" }), 0)).toEqual({
      clientAddress: "10.0.0.2",
      secure: false,
      host: "127.0.0.1:9000",
    });
  });

  it("counts the client from the right by the trusted hops, so a client's own entry is never believed", () => {
    // The client sent "6.6.6.6"; one proxy appended the address it saw.
    const headers = { "x-forwarded-for": "6.6.6.6, 203.0.113.9" };
    expect(requestOrigin(facts(headers), 1).clientAddress).toBe("203.0.113.9");
    // Two proxies: the outer one appended the client, the inner one the outer proxy.
    expect(requestOrigin(facts({ "x-forwarded-for": "6.6.6.6, 203.0.113.9, 10.0.0.1" }), 2).clientAddress).toBe("203.0.113.9");
    // Fewer entries than hops: the left-most there is.
    expect(requestOrigin(facts({ "x-forwarded-for": "203.0.113.9" }), 3).clientAddress).toBe("203.0.113.9");
    expect(requestOrigin(facts({}), 1).clientAddress).toBe("10.0.0.2");
  });

  it("takes the nearest proxy's (right-most) X-Forwarded-Proto and -Host", () => {
    const origin = requestOrigin(facts({ "x-forwarded-proto": "http, https", "x-forwarded-host": "evil.example, status.example.com" }), 1);
    expect(origin.secure).toBe(true);
    expect(origin.host).toBe("status.example.com");
  });
});
