import { describe, expect, it } from "vitest";
import { composePage } from "../../server/http/compose-page.js";
import type { RenderedPage } from "../../server/http/server-rendered-page.js";

const page = (body: string, title = "Major outage · Status"): RenderedPage => ({ status: 200, title, head: "<meta name=x>", body, personal: false });

describe("composePage", () => {
  const index = '<html><head><title>Status</title></head><body><div id="app"><script>boot()</script></div></body></html>';

  it("puts the title, the head elements and the body where the app's page has them, the app's script after the body", () => {
    const html = composePage(index, page("<noscript>hi</noscript>"));
    expect(html).toBe(
      '<html><head><title>Major outage · Status</title>  <meta name=x>\n  </head><body><div id="app"><noscript>hi</noscript><script>boot()</script></div></body></html>',
    );
  });

  it("escapes the title and takes $-patterns in the content as text", () => {
    const html = composePage(index, page("<noscript>$& $' $` $1</noscript>", "</title><script>x()</script> $&"));
    expect(html).toContain("<title>&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt; $&amp;</title>");
    expect(html).toContain("<noscript>$& $' $` $1</noscript><script>boot()</script>");
  });

  it("falls back to the start of the body when the page has no app element", () => {
    expect(composePage("<html><head></head><body class=x><p>app</p></body></html>", page("<noscript>hi</noscript>"))).toContain("<body class=x><noscript>hi</noscript><p>app</p>");
  });
});
