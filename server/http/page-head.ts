/**
 * The page settings in the HTML shell the server sends: `<title>`, the description, Open Graph
 * tags, `theme-color` and the favicon, so a link preview (which runs no JavaScript) shows the
 * page's own name and logo. The app sets the same at runtime and follows live changes.
 */
import { escapeHtml } from "../../shared/escape-html.js";
import type { NodeRequest } from "../node-request.js";
import type { PageSettingsView } from "../page-settings-view.js";

/** What the shell of one request carries: the settings, and the page's address for absolute URLs (unknown: none). */
export interface ShellFacts {
  settings: PageSettingsView;
  origin: string | undefined;
}

/** The shell for a request, or undefined to send the built one as it is. */
export type ShellSource = (req: NodeRequest) => Promise<ShellFacts | undefined>;

const absolute = (url: string, origin: string | undefined): string | undefined => {
  if (url === "") return undefined;
  try {
    return new URL(url, origin === undefined ? undefined : `${origin}/`).href;
  } catch {
    return undefined;
  }
};

/** The origins of linked (not uploaded) images the shell shows, for the CSP's img-src. */
export function linkedImageOrigins(settings: PageSettingsView): string[] {
  const origins = new Set<string>();
  for (const url of [settings.logoUrl, settings.faviconUrl]) {
    if (!/^https?:\/\//i.test(url)) continue;
    origins.add(new URL(url).origin);
  }
  return [...origins];
}

/** `indexHtml` with the settings' title, description, Open Graph, theme-color and favicon. */
export function personalizeShell(indexHtml: string, { settings, origin }: ShellFacts): string {
  const name = escapeHtml(settings.name);
  const description = settings.description || `Current status of ${settings.name}`;
  const tags = [
    `<meta name="description" content="${escapeHtml(description)}" />`,
    `<meta property="og:type" content="website" />`,
    `<meta property="og:site_name" content="${name}" />`,
    `<meta property="og:title" content="${name}" />`,
    `<meta property="og:description" content="${escapeHtml(description)}" />`,
  ];
  if (origin !== undefined) tags.push(`<meta property="og:url" content="${escapeHtml(`${origin}/`)}" />`);
  const logo = absolute(settings.logoUrl, origin);
  if (logo && /^https?:/i.test(logo)) tags.push(`<meta property="og:image" content="${escapeHtml(logo)}" />`);
  if (settings.accentColor) tags.push(`<meta name="theme-color" content="${escapeHtml(settings.accentColor)}" />`);
  let html = indexHtml.replace(/<title>[^<]*<\/title>/, `<title>${name}</title>`);
  if (settings.faviconUrl) {
    const type = settings.faviconType ? ` type="${escapeHtml(settings.faviconType)}"` : "";
    html = html.replace(/<link rel="icon"[^>]*>/, `<link rel="icon" href="${escapeHtml(settings.faviconUrl)}"${type} />`);
  }
  return html.replace("</head>", `${tags.join("\n    ")}\n  </head>`);
}
