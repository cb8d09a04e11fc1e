/**
 * Uploaded logos and favicons (#15): the type comes from the bytes, each slot has its limit, and
 * an SVG with anything active in it is refused, however it is spelled.
 */
import { describe, expect, it } from "vitest";
import { DomainError } from "../../server/errors.js";
import { checkUploadedImage, IMAGE_MAX_BYTES } from "../../server/service/settings/brand-image.js";
import { accentShortfall } from "../../shared/accent.js";

const bytes = (...parts: Array<number[] | string>) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p))));
const reasonOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return error instanceof DomainError ? error.reason : "not a DomainError";
  }
  return undefined;
};

describe("checkUploadedImage", () => {
  it("knows PNG, JPEG, GIF, WebP and (for a favicon) ICO by their first bytes, whatever they are called", () => {
    expect(checkUploadedImage("logo", "logo.data", bytes([0x89], "PNG\r\n\x1a\n", "rest")).contentType).toBe("image/png");
    expect(checkUploadedImage("logo", "logo.data", bytes([0xff, 0xd8, 0xff, 0xe0], "JFIF")).contentType).toBe("image/jpeg");
    expect(checkUploadedImage("logo", "logo.data", bytes("GIF89a", [1, 0, 1, 0])).contentType).toBe("image/gif");
    expect(checkUploadedImage("logo", "logo.data", bytes("RIFF", [0, 0, 0, 0], "WEBPVP8 ")).contentType).toBe("image/webp");
    expect(checkUploadedImage("favicon", "favicon.data", bytes([0, 0, 1, 0, 1, 0, 16, 16])).contentType).toBe("image/x-icon");
    // An icon is a favicon's format only.
    expect(reasonOf(() => checkUploadedImage("logo", "logo.data", bytes([0, 0, 1, 0, 1, 0, 16, 16])))).toBe("IMAGE_TYPE_UNSUPPORTED");
    expect(reasonOf(() => checkUploadedImage("logo", "logo.data", bytes("RIFF", [0, 0, 0, 0], "WAVEfmt ")))).toBe("IMAGE_TYPE_UNSUPPORTED");
    expect(reasonOf(() => checkUploadedImage("logo", "logo.data", bytes("%PDF-1.7")))).toBe("IMAGE_TYPE_UNSUPPORTED");
    expect(reasonOf(() => checkUploadedImage("logo", "logo.data", bytes([0xff, 0xfe, 0x3c, 0x00])))).toBe("IMAGE_TYPE_UNSUPPORTED");
  });

  it("holds each slot to its size, to the byte, and hashes what it keeps", () => {
    const png = (size: number) => Buffer.concat([bytes([0x89], "PNG\r\n\x1a\n"), Buffer.alloc(size - 8)]);
    expect(checkUploadedImage("logo", "logo.data", png(IMAGE_MAX_BYTES.logo)).sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(reasonOf(() => checkUploadedImage("logo", "logo.data", png(IMAGE_MAX_BYTES.logo + 1)))).toBe("IMAGE_TOO_LARGE");
    expect(reasonOf(() => checkUploadedImage("favicon", "favicon.data", png(IMAGE_MAX_BYTES.favicon + 1)))).toBe("IMAGE_TOO_LARGE");
  });

  it("takes a plain SVG (declaration, comments, gradients by #id, styles)", () => {
    const svg = `\uFEFF<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 4 4"><style>.a{fill:url(#g)}</style><linearGradient id="g"/><use href="#g"/><rect class="a" width="4" height="4" opacity=".5"/></svg>`;
    expect(checkUploadedImage("logo", "logo.data", Buffer.from(svg)).contentType).toBe("image/svg+xml");
  });

  const hostile: Array<[string, string]> = [
    ["a script", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`],
    ["a namespaced script", `<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg:svg>`],
    ["a SCRIPT in capitals", `<svg><SCRIPT >alert(1)</SCRIPT></svg>`],
    ["an onload", `<svg onload="alert(1)"></svg>`],
    ["an onclick after a quote", `<svg><rect width="1"onclick="alert(1)"/></svg>`],
    ["a javascript: link", `<svg><a href="javascript:alert(1)"><rect/></a></svg>`],
    ["an unquoted href", `<svg><a href=javascript:alert(1)><rect/></a></svg>`],
    ["an xlink:href to elsewhere", `<svg><image xlink:href="https://evil.example/x.png"/></svg>`],
    ["an entity-encoded javascript:", `<svg><a href="&#106;avascript:alert(1)"><rect/></a></svg>`],
    ["a foreignObject", `<svg><foreignObject><div>hi</div></foreignObject></svg>`],
    ["an iframe", `<svg><iframe src="x"></iframe></svg>`],
    ["a CSS import", `<svg><style>@import "https://evil.example/x.css";</style></svg>`],
    ["a CSS url() to elsewhere", `<svg><style>rect{fill:url(https://evil.example/x)}</style></svg>`],
    ["a DOCTYPE with an entity", `<!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>`],
    ["an animation of href", `<svg><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>`],
    ["a data: URL", `<svg><image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>`],
    ["an xml-stylesheet", `<?xml-stylesheet href="https://evil.example/x.css"?><svg></svg>`],
  ];
  for (const [what, svg] of hostile) {
    it(`refuses an SVG with ${what}`, () => {
      const reason = reasonOf(() => checkUploadedImage("logo", "logo.data", Buffer.from(svg)));
      // The xml-stylesheet case is not even read as an SVG (its root comes after a processing instruction); refused either way.
      expect(["SVG_UNSAFE", ...(what === "an xml-stylesheet" ? ["IMAGE_TYPE_UNSUPPORTED"] : [])]).toContain(reason);
    });
  }

  it("refuses text that is not UTF-8 or has no <svg> root", () => {
    expect(reasonOf(() => checkUploadedImage("logo", "logo.data", Buffer.from("<html><svg></svg></html>")))).toBe("IMAGE_TYPE_UNSUPPORTED");
    expect(reasonOf(() => checkUploadedImage("logo", "logo.data", Buffer.from([0x3c, 0x73, 0x76, 0x67, 0x20, 0xff, 0x3e])))).toBe("IMAGE_TYPE_UNSUPPORTED");
  });
});

describe("accentShortfall", () => {
  it("passes mid-tone accents and names the theme where another falls short", () => {
    expect(accentShortfall("#1570EF")).toBeUndefined();
    expect(accentShortfall("#c2410c")).toBeUndefined();
    expect(accentShortfall("#FF0")).toMatchObject({ theme: "light" });
    expect(accentShortfall("#000080")).toMatchObject({ theme: "dark" });
    // Never rounded up into passing.
    const short = accentShortfall("#7C3AED")!;
    expect(short.ratio).toBeLessThan(3);
  });
});
