import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { requestFacts, toHeaders } from "../../server/auth/request-facts.js";

const request = (headers: IncomingMessage["headers"]) => ({ headers, socket: { remoteAddress: "10.0.0.2" } }) as unknown as IncomingMessage;

describe("requestFacts' headers", () => {
  it("read every header as a fetch Headers made of them does", () => {
    const cases: Array<IncomingMessage["headers"]> = [
      { host: "status.example.com", authorization: "Bearer st_abc", cookie: "a=1; st_session=x", "x-forwarded-for": "1.2.3.4, 5.6.7.8" },
      { ":authority": "h2.example.com:8443", ":method": "POST", origin: "https://h2.example.com:8443" },
      { ":authority": "pseudo.example.com", host: "real.example.com" },
      { "set-cookie": ["a=1", "b=2"], "sec-fetch-site": "cross-site", "x-empty": "" },
      {},
    ];
    const names = ["host", "Host", "authorization", "AUTHORIZATION", "cookie", "x-forwarded-for", "origin", "set-cookie", "sec-fetch-site", "x-empty", "absent"];
    for (const headers of cases) {
      const facts = requestFacts(request(headers));
      const whole = toHeaders(headers);
      for (const name of names) expect(facts.headers.get(name), `${name} of ${JSON.stringify(headers)}`).toBe(whole.get(name));
    }
  });
});
