import { createHash } from "node:crypto";
import type { ImageSlot, StoredImage } from "../../domain.js";
import { imageTooLarge, imageTypeUnsupported, svgUnsafe } from "../../errors.js";

/** The most bytes an uploaded image may have, per slot: a logo is shown large, a favicon tiny. */
export const IMAGE_MAX_BYTES: Record<ImageSlot, number> = { logo: 256 * 1024, favicon: 64 * 1024 };

const startsWith = (bytes: Uint8Array, prefix: readonly number[], at = 0) => prefix.every((b, i) => bytes[at + i] === b);
const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

/** The raster types, known by their first bytes (never by a name or a claimed type). */
const RASTER: ReadonlyArray<{ type: string; matches: (bytes: Uint8Array) => boolean; slots: readonly ImageSlot[] }> = [
  { type: "image/png", matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), slots: ["logo", "favicon"] },
  { type: "image/jpeg", matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]), slots: ["logo", "favicon"] },
  { type: "image/gif", matches: (b) => startsWith(b, ascii("GIF87a")) || startsWith(b, ascii("GIF89a")), slots: ["logo", "favicon"] },
  { type: "image/webp", matches: (b) => startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8), slots: ["logo", "favicon"] },
  { type: "image/x-icon", matches: (b) => startsWith(b, [0x00, 0x00, 0x01, 0x00]) && b.length > 6, slots: ["favicon"] },
];

/**
 * What makes an SVG unsafe to serve, each with the words the error uses. An SVG is a document:
 * opened by itself it may run script and fetch things. Rather than rewrite one (a sanitizer that
 * misses a trick serves the trick), an upload with any of these is refused; what passes is also
 * served under a sandboxing CSP (see branding-endpoint.ts), so a trick missed here still cannot run.
 */
const SVG_HAZARDS: ReadonlyArray<[RegExp, string]> = [
  [/<!DOCTYPE|<!ENTITY/i, "a DOCTYPE or entity declaration"],
  [/<([\w.-]+:)?script[\s>/]/i, "a <script> element"],
  [/[\s"'/]on[a-z]+\s*=/i, "an event handler attribute (on…=)"],
  [/<([\w.-]+:)?(foreignObject|iframe|embed|object|audio|video|canvas|handler|listener)[\s>/]/i, "an element that embeds other content"],
  [/\bhref\s*=\s*(["'])\s*(?!#)/i, "a reference to another document (href)"],
  [/\bhref\s*=\s*(?!["'])/i, "a reference to another document (href)"],
  [/\bsrc\s*=/i, "a reference to another document (src)"],
  [/url\s*\(\s*["']?\s*(?!#)/i, "an external url() reference"],
  [/@import/i, "a stylesheet import"],
  [/<\?xml-stylesheet/i, "a linked stylesheet"],
  [/javascript:|vbscript:|(^|[^a-z])data:/i, "a script or data URL"],
  [/&#|&(?!(amp|lt|gt|quot|apos);)[a-z]/i, "a character or entity reference (which can hide any of the above)"],
  [/attributeName\s*=\s*["']?\s*([\w.-]+:)?(href|on[a-z]+)/i, "an animation of a link or handler"],
];

/** The SVG's text when `bytes` are an SVG document (UTF-8, an <svg> root), else undefined. */
function svgText(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
  // An optional XML declaration, comments and DOCTYPE (refused below, but as an SVG), then the root element.
  const root = /^\uFEFF?\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>\s*)*<([\w.-]+:)?svg[\s>]/i.exec(text);
  return root && /<\/([\w.-]+:)?svg\s*>\s*$|\/>\s*$/i.test(text) ? text : undefined;
}

/**
 * Checks an uploaded image for `slot` (named `field` in errors) and returns it as stored: its type
 * known from its bytes, size within the slot's limit, an SVG only when it has nothing active.
 */
export function checkUploadedImage(slot: ImageSlot, field: string, bytes: Uint8Array): StoredImage {
  const max = IMAGE_MAX_BYTES[slot];
  if (bytes.byteLength > max) throw imageTooLarge(field, bytes.byteLength, max);
  let contentType = RASTER.find((r) => r.slots.includes(slot) && r.matches(bytes))?.type;
  if (!contentType) {
    const svg = svgText(bytes);
    if (svg === undefined) throw imageTypeUnsupported(field);
    const hazard = SVG_HAZARDS.find(([pattern]) => pattern.test(svg));
    if (hazard) throw svgUnsafe(field, hazard[1]);
    contentType = "image/svg+xml";
  }
  return { contentType, sha256: createHash("sha256").update(bytes).digest("hex"), bytes };
}
