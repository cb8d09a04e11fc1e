/**
 * The one Markdown renderer for notes (and incident updates): the server's no-JavaScript page and
 * every view of the web app call these functions, so a note reads the same everywhere.
 *
 * The subset: paragraphs, line breaks, *emphasis* and **strong**, bullet and numbered lists,
 * `inline code`, and links to `http:`, `https:` and `mailto:` addresses (written `[text](url)`,
 * `<url>`, or a bare `https://…`). Everything else (raw HTML, images, headings, quotes, code
 * blocks, tables) is shown as the text it was written as. markdown-it does the parsing with raw
 * HTML off, so every character of the note leaves it escaped; the link check below decides which
 * addresses may become links.
 */
import MarkdownItParser, { type MarkdownIt, type Token } from "markdown-it";

/** The only schemes a link in a note may have. */
const LINK_PROTOCOLS: ReadonlySet<string> = new Set(["http:", "https:", "mailto:"]);

/** What every link in a note carries: no ranking credit for whoever posts a note, no window.opener. */
export const NOTE_LINK_REL = "nofollow noopener";

/**
 * Lists and emphasis nested deeper than this are not parsed further (markdown-it drops the rest
 * of such a run): hostile nesting costs bounded time and output.
 */
export const NOTE_MAX_NESTING = 20;

/** Longer input is cut before parsing; notes are at most 10,000 characters anyway. */
export const NOTE_RENDER_MAX_CHARS = 20_000;

/**
 * Whether an address (as markdown-it normalized it, entities decoded and percent-encoded) may be
 * a link. It is parsed the way the browser will parse the href, so no spelling of `javascript:`
 * (mixed case, entities, tabs, leading spaces) gets through; relative and protocol-relative
 * addresses do not parse without a base and are refused too.
 */
export function isAllowedNoteLink(href: string): boolean {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return false;
  }
  return LINK_PROTOCOLS.has(url.protocol);
}

function createParser(): MarkdownIt {
  // "zero" starts with paragraphs and text only; the subset is switched on rule by rule.
  const md = new MarkdownItParser("zero", { html: false, breaks: true, linkify: true, typographer: false, maxNesting: NOTE_MAX_NESTING });
  md.enable(["list", "emphasis", "backticks", "link", "autolink", "linkify", "escape", "entity", "newline"]);
  // Only addresses written out with their scheme become links, not every "node.js" in a sentence.
  md.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });
  md.validateLink = isAllowedNoteLink;
  md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
    tokens[idx]!.attrSet("rel", NOTE_LINK_REL);
    return self.renderToken(tokens, idx, options);
  };
  return md;
}

let parser: MarkdownIt | undefined;
function notesParser(): MarkdownIt {
  parser ??= createParser();
  return parser;
}

/** Rendered notes by text: pages render the same few notes again on every change. */
const RENDERED_MAX = 500;
const rendered = new Map<string, string>();

function bounded(text: string): string {
  return text.length > NOTE_RENDER_MAX_CHARS ? text.slice(0, NOTE_RENDER_MAX_CHARS) : text;
}

/**
 * A note's Markdown as safe HTML: `<p>`, `<br>`, `<em>`, `<strong>`, `<ul>`, `<ol>`, `<li>`,
 * `<code>` and `<a href rel>` (http, https, mailto), everything else escaped text.
 */
export function renderNoteHtml(text: string): string {
  const cached = rendered.get(text);
  if (cached !== undefined) return cached;
  const html = notesParser().render(bounded(text));
  if (rendered.size >= RENDERED_MAX) rendered.delete(rendered.keys().next().value!);
  rendered.set(text, html);
  return html;
}

/** The words of a run of inline tokens; a link whose text is not its address is followed by it. */
function inlineText(children: readonly Token[]): string {
  let out = "";
  const links: { href: string; start: number }[] = [];
  for (const token of children) {
    switch (token.type) {
      case "text":
      case "code_inline":
        out += token.content;
        break;
      case "softbreak":
      case "hardbreak":
        out += "\n";
        break;
      case "link_open":
        links.push({ href: String(token.attrGet("href") ?? ""), start: out.length });
        break;
      case "link_close": {
        const link = links.pop();
        if (!link) break;
        const label = out.slice(link.start);
        const bare = link.href.replace(/^mailto:/i, "");
        if (label !== link.href && label !== bare) out += ` (${/^mailto:/i.test(link.href) ? bare : link.href})`;
        break;
      }
    }
  }
  return out;
}

/**
 * A note's Markdown as plain text, for places where HTML does not belong (feeds, emails, titles):
 * the words without the marks, list items on their own lines ("- " or "1. "), and each link's
 * address after its text.
 */
export function noteToPlainText(text: string): string {
  const tokens = notesParser().parse(bounded(text), {});
  const blocks: { text: string; inList: boolean }[] = [];
  const lists: { ordered: boolean; next: number }[] = [];
  let marker = "";
  for (const token of tokens) {
    switch (token.type) {
      case "bullet_list_open":
        lists.push({ ordered: false, next: 1 });
        break;
      case "ordered_list_open":
        lists.push({ ordered: true, next: Number(token.attrGet("start") ?? 1) });
        break;
      case "bullet_list_close":
      case "ordered_list_close":
        lists.pop();
        break;
      case "list_item_open": {
        const list = lists.at(-1)!;
        marker = list.ordered ? `${list.next++}. ` : "- ";
        break;
      }
      case "inline": {
        // Nested items are indented; a paragraph's later lines line up under its first word.
        const indent = "  ".repeat(Math.max(0, lists.length - 1));
        const hanging = lists.length === 0 ? "" : indent + " ".repeat(marker.length || 2);
        const lines = inlineText(token.children ?? []).split("\n");
        const first = lists.length === 0 ? lines[0]! : (marker ? indent + marker : hanging) + lines[0]!;
        blocks.push({ text: [first, ...lines.slice(1).map((line) => hanging + line)].join("\n"), inList: lists.length > 0 });
        marker = "";
        break;
      }
    }
  }
  let out = "";
  blocks.forEach((block, i) => {
    if (i > 0) out += block.inList && blocks[i - 1]!.inList ? "\n" : "\n\n";
    out += block.text;
  });
  return out.trim();
}
