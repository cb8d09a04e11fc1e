import type { PageSettings } from "../../../../shared/gen/statusthing/v1/settings_pb.js";
import { textColorOn } from "../../../../shared/color-contrast.js";
import { normalizeColor } from "../../../../shared/limits.js";

/** The page's name before the settings arrive (and while none is set): what the server says too. */
export const DEFAULT_PAGE_NAME = "Status";

/** The page's name from its settings. */
export function pageName(settings: PageSettings | undefined): string {
  return settings?.name || DEFAULT_PAGE_NAME;
}

/** Finds the element `selector` in the head, or makes it with `attributes`. */
function headElement(selector: string, tag: "meta" | "link", attributes: Record<string, string>): HTMLElement {
  let element = document.head.querySelector<HTMLElement>(selector);
  if (!element) {
    element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
    document.head.append(element);
  }
  return element;
}

/** The built app's own icon, remembered before a setting replaces it, so clearing the setting brings it back. */
let builtIcon: { href: string; type: string } | undefined;

/**
 * Puts the settings into the document, live: the accent on the root element (through the CSSOM,
 * which the CSP allows; the server checked the color, and it is normalized again here so nothing
 * but `#RRGGBB` reaches a style), `theme-color`, the description and Open Graph tags, and the
 * favicon. The server's HTML shell carries the same for clients without JavaScript.
 */
export function applyBranding(settings: PageSettings | undefined): void {
  const root = document.documentElement.style;
  const accent = normalizeColor(settings?.accentColor ?? "");
  if (accent) {
    root.setProperty("--accent", accent);
    root.setProperty("--focus", accent);
    root.setProperty("--on-accent", textColorOn(accent));
  } else {
    for (const name of ["--accent", "--focus", "--on-accent"]) root.removeProperty(name);
  }
  if (!settings) return;
  const themeColor = headElement('meta[name="theme-color"]', "meta", { name: "theme-color" });
  if (accent) themeColor.setAttribute("content", accent);
  else themeColor.remove();
  const name = pageName(settings);
  const description = settings.description || `Current status of ${name}`;
  headElement('meta[name="description"]', "meta", { name: "description" }).setAttribute("content", description);
  headElement('meta[property="og:site_name"]', "meta", { property: "og:site_name" }).setAttribute("content", name);
  headElement('meta[property="og:title"]', "meta", { property: "og:title" }).setAttribute("content", name);
  headElement('meta[property="og:description"]', "meta", { property: "og:description" }).setAttribute("content", description);
  const icon = headElement('link[rel="icon"]', "link", { rel: "icon" });
  builtIcon ??= { href: icon.getAttribute("href") ?? "", type: icon.getAttribute("type") ?? "" };
  const href = settings.faviconUrl || builtIcon.href;
  if (icon.getAttribute("href") !== href) {
    icon.setAttribute("href", href);
    // An uploaded favicon's type is the server's to say; the built one is SVG.
    if (settings.faviconUrl) icon.removeAttribute("type");
    else if (builtIcon.type) icon.setAttribute("type", builtIcon.type);
  }
}
