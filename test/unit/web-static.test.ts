import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, inlineScripts, pickEncoding, templateStyleAttributes } from "../../server/http/static.js";

describe("the web app's Content-Security-Policy", () => {
  const html = `<html><head><script src="/_app/x.js"></script></head><body><div><script>
  { start(); }
</script></div></body></html>`;

  it("allows exactly the inline bootstrap script, by hash, and no framing", () => {
    expect(inlineScripts(html)).toEqual(["\n  { start(); }\n"]);
    const hash = createHash("sha256").update("\n  { start(); }\n").digest("base64");
    const csp = contentSecurityPolicy(html);
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}'`);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toMatch(/style-src 'self'(;|$)/);
  });

  it("allows the templates' own fixed style attributes by hash, and nothing else inline", () => {
    const js = 'var a=c(`<div id="svelte-announcer" style="position: absolute; width: 1px">`),b=`<p class="x">`;';
    expect(templateStyleAttributes(js)).toEqual(["position: absolute; width: 1px"]);
    const csp = contentSecurityPolicy("", templateStyleAttributes(js));
    const hash = createHash("sha256").update("position: absolute; width: 1px").digest("base64");
    expect(csp).toContain(`style-src 'self' 'unsafe-hashes' 'sha256-${hash}'`);
  });
});

describe("pickEncoding", () => {
  const both = { br: true, gzip: true };
  it("prefers brotli, then gzip, as the client allows", () => {
    expect(pickEncoding("gzip, deflate, br", both)).toBe("br");
    expect(pickEncoding("gzip", both)).toBe("gzip");
    expect(pickEncoding("br;q=0, gzip;q=0.5", both)).toBe("gzip");
    expect(pickEncoding("*", both)).toBe("br");
    expect(pickEncoding("identity", both)).toBeUndefined();
    expect(pickEncoding(undefined, both)).toBeUndefined();
    expect(pickEncoding("br", { br: false, gzip: true })).toBeUndefined();
  });
});
