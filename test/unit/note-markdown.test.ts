import { describe, expect, it } from "vitest";
import { isAllowedNoteLink, NOTE_LINK_REL, noteToPlainText, renderNoteHtml } from "../../shared/markdown/note-markdown.js";

/** The only elements and attributes a rendered note may contain. */
const ALLOWED: Record<string, readonly string[]> = {
  p: [],
  br: [],
  em: [],
  strong: [],
  ul: [],
  ol: ["start"],
  li: [],
  code: [],
  a: ["href", "rel", "title"],
};

/**
 * Checks rendered HTML against the allow-list: every tag known, every attribute allowed and
 * quoted, every link http/https/mailto with the rel. Outside tags no `<` may appear (it would be
 * markup the renderer did not mean); quotes in attribute values must be escaped.
 */
function assertSafe(html: string): void {
  const tag = /<(\/?)([a-z0-9]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*(\/?)>/gi;
  let rest = html;
  for (const match of html.matchAll(tag)) {
    const [whole, , name, attrs] = match;
    const allowed = ALLOWED[name!.toLowerCase()];
    expect(allowed, `element <${name}> in ${html}`).toBeDefined();
    const found = [...attrs!.matchAll(/\s+([a-z-]+)="([^"]*)"/gi)];
    for (const [, attr, value] of found) {
      expect(allowed, `attribute ${attr} on <${name}>`).toContain(attr!.toLowerCase());
      if (attr === "href") {
        expect(/^(https?:\/\/|mailto:)/.test(value!), `href ${value}`).toBe(true);
        expect(isAllowedNoteLink(value!.replace(/&amp;/g, "&"))).toBe(true);
      }
    }
    if (name === "a" && !match[1]) expect(attrs).toContain(`rel="${NOTE_LINK_REL}"`);
    rest = rest.replace(whole, "");
  }
  expect(rest, "markup left outside the allowed tags").not.toMatch(/[<>]/);
}

describe("notes in Markdown: the allowed subset", () => {
  it("renders paragraphs, line breaks, emphasis, lists, inline code and links", () => {
    const html = renderNoteHtml("We are *looking*, **hard**.\nUse `retry=3`.\n\n- one\n- two\n\n1. first\n2. second\n\nSee [the post](https://example.com/post).");
    expect(html).toContain("<em>looking</em>");
    expect(html).toContain("<strong>hard</strong>");
    expect(html).toContain("<br>");
    expect(html).toContain("<code>retry=3</code>");
    expect(html).toMatch(/<ul>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ul>/);
    expect(html).toMatch(/<ol>\s*<li>first<\/li>/);
    expect(html).toContain('<a href="https://example.com/post" rel="nofollow noopener">the post</a>');
    expect(html.match(/<p>/g)).toHaveLength(2);
    assertSafe(html);
  });

  it("links http, https and mailto addresses, written out, in angle brackets or bare", () => {
    const html = renderNoteHtml("<https://a.example/x?y=1&z=2> http://b.example mailto:ops@example.com [mail](mailto:ops@example.com) <ops@example.com>");
    expect(html).toContain('href="https://a.example/x?y=1&amp;z=2"');
    expect(html).toContain('href="http://b.example"');
    expect(html.match(/href="mailto:ops@example.com"/g)).toHaveLength(3);
    assertSafe(html);
  });

  it("leaves a bare name with a dot as text: only written-out addresses become links", () => {
    expect(renderNoteHtml("Upgraded node.js and example.com")).toBe("<p>Upgraded node.js and example.com</p>\n");
  });

  it("shows headings, quotes, code blocks, tables and rules as the text they were written as", () => {
    const text = "# Heading\n\n> quoted\n\n```\nfenced\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n---";
    const html = renderNoteHtml(text);
    for (const element of ["<h1", "<blockquote", "<pre", "<table", "<hr"]) expect(html).not.toContain(element);
    expect(html).toContain("# Heading");
    expect(html).toContain("&gt; quoted");
    assertSafe(html);
  });
});

describe("notes in Markdown: hostile input", () => {
  const badLinks = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "java\tscript:alert(1)",
    "%20javascript:alert(1)",
    "\u0001javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "VbScRiPt:msgbox(1)",
    "file:///etc/passwd",
    "ftp://example.com/",
    "//evil.example/",
    "/relative/path",
    "#fragment",
  ];

  it.each(badLinks)("never makes a link of %j", (href) => {
    for (const text of [`[click](${href})`, `[click](<${href}>)`, `<${href}>`, `[click][ref]\n\n[ref]: ${href}`, href]) {
      const html = renderNoteHtml(text);
      expect(html, text).not.toContain("<a ");
      assertSafe(html);
    }
  });

  it("refuses what the browser would read as javascript: however it is spelled", () => {
    for (const href of ["javascript:alert(1)", " javascript:alert(1)", "JAVASCRIPT:alert(1)", "java\nscript:alert(1)", "java\rscript:x", "\tjavascript:x"]) {
      expect(isAllowedNoteLink(href), JSON.stringify(href)).toBe(false);
    }
    expect(isAllowedNoteLink("HTTPS://EXAMPLE.COM")).toBe(true);
  });

  it("escapes raw HTML and script as text", () => {
    const text =
      '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a><iframe src=//e></iframe><svg onload=alert(1)><style>*{}</style><!-- c -->';
    const html = renderNoteHtml(text);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toMatch(/<(script|img|iframe|svg|style|a)\b/);
    assertSafe(html);
  });

  it("makes no image of image syntax", () => {
    const html = renderNoteHtml("![tracker](https://evil.example/pixel.png) ![x](javascript:alert(1))");
    expect(html).not.toContain("<img");
    assertSafe(html);
  });

  it("keeps attribute values quoted: a quote in an address or title cannot open a new attribute", () => {
    const html = renderNoteHtml('[a](https://x.example/"onmouseover="alert(1)) [b](https://x.example "t" onclick="alert(1)")');
    // The would-be attributes stay inside the href (percent-encoded) or in the text, never in a tag of their own.
    expect(html).not.toMatch(/<[^>]*\son(mouseover|click)=/);
    assertSafe(html);
  });

  it("handles huge nesting and long input with bounded output", () => {
    const hostile = [
      "- ".repeat(5000) + "x",
      "> ".repeat(5000) + "x",
      Array.from({ length: 1500 }, (_, i) => `${" ".repeat(i * 2)}- level ${i}`).join("\n"),
      Array.from({ length: 1500 }, (_, i) => `${" ".repeat(i * 3)}1. level ${i}`).join("\n"),
      "*_".repeat(5000),
      "**a ".repeat(2500),
      "[".repeat(10_000),
      "[](".repeat(3333),
      "`".repeat(10_000),
      "<".repeat(10_000),
      "&#".repeat(5000),
      "[a](https://x.example) ".repeat(500),
      "x".repeat(1_000_000),
    ];
    for (const text of hostile) {
      const html = renderNoteHtml(text);
      const plain = noteToPlainText(text);
      // Each input character becomes at most one escape ("&quot;") or tag pair: output is linear in the (bounded) input.
      expect(html.length, text.slice(0, 20)).toBeLessThan(10 * Math.min(text.length, 20_000) + 100);
      expect(plain.length).toBeLessThanOrEqual(Math.min(text.length, 20_000) + 100);
      expect(html.match(/<(ul|ol)>/g)?.length ?? 0).toBeLessThanOrEqual(20);
      assertSafe(html);
    }
  });
});

describe("notes as plain text", () => {
  it("drops the marks, keeps the words, and puts each link's address after its text", () => {
    expect(noteToPlainText("We are *looking*, **hard**. Use `retry=3`.\nSee [the post](https://example.com/post) or <https://example.com>.")).toBe(
      "We are looking, hard. Use retry=3.\nSee the post (https://example.com/post) or https://example.com.",
    );
  });

  it("writes lists one item a line, numbered or with a dash, nested items indented", () => {
    expect(noteToPlainText("Steps:\n\n1. drain\n2. restart\n   - api\n   - worker\n\nDone.")).toBe("Steps:\n\n1. drain\n2. restart\n  - api\n  - worker\n\nDone.");
  });

  it("says a mail link's address without the scheme", () => {
    expect(noteToPlainText("Write to [ops](mailto:ops@example.com).")).toBe("Write to ops (ops@example.com).");
  });

  it("keeps what is not Markdown as written, raw HTML included (it is text, the caller escapes it)", () => {
    expect(noteToPlainText("<b>bold?</b> # not a heading")).toBe("<b>bold?</b> # not a heading");
  });
});
