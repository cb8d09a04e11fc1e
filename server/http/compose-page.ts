import { escapeHtml } from "../../shared/escape-html.js";
import type { RenderedPage } from "./server-rendered-page.js";

/**
 * The app's `index.html` with a server-rendered page in it: its title, its head elements before
 * `</head>`, and its body first inside the app's element (where the app's bootstrap script is,
 * so the app still starts there). Replacements go through functions: a `$&` in a note is text,
 * not a replacement pattern.
 */
export function composePage(indexHtml: string, page: RenderedPage): string {
  let html = indexHtml.replace(/<title>[^<]*<\/title>/, () => `<title>${escapeHtml(page.title)}</title>`);
  html = html.replace("</head>", () => `  ${page.head}\n  </head>`);
  const app = /<div id="app">/.exec(html) ?? /<body[^>]*>/.exec(html);
  if (!app) return html + page.body;
  const at = app.index + app[0].length;
  return html.slice(0, at) + page.body + html.slice(at);
}
