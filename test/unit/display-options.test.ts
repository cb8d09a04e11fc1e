import { describe, expect, it } from "vitest";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { DEFAULT_ROTATE_SECONDS, parseDisplayOptions } from "../../web/src/lib/display/display-options.js";

const parse = (query: string) => parseDisplayOptions(new URLSearchParams(query));

describe("display query options", () => {
  it("defaults to dark, every kind, rotating, titled Status", () => {
    expect(parse("")).toEqual({ kinds: [], theme: "dark", rotateSeconds: DEFAULT_ROTATE_SECONDS, title: "Status" });
  });

  it("reads ?kinds= as names or numbers, comma-separated or repeated", () => {
    expect(parse("kinds=down,warning").kinds).toEqual([StatusKind.DOWN, StatusKind.WARNING]);
    expect(parse("kinds=STATUS_KIND_DOWN&kinds=7").kinds).toEqual([StatusKind.DOWN, StatusKind.OBSERVING]);
    expect(parse("kinds=nonsense").kinds).toEqual([]);
  });

  it("reads ?theme=light and ignores other themes", () => {
    expect(parse("theme=light").theme).toBe("light");
    expect(parse("theme=LIGHT").theme).toBe("light");
    expect(parse("theme=neon").theme).toBe("dark");
  });

  it("reads ?rotate= in seconds, within bounds; 0 turns rotation off", () => {
    expect(parse("rotate=30").rotateSeconds).toBe(30);
    expect(parse("rotate=0").rotateSeconds).toBe(0);
    expect(parse("rotate=1").rotateSeconds).toBe(3);
    expect(parse("rotate=99999").rotateSeconds).toBe(3600);
    expect(parse("rotate=abc").rotateSeconds).toBe(DEFAULT_ROTATE_SECONDS);
    expect(parse("rotate=-5").rotateSeconds).toBe(DEFAULT_ROTATE_SECONDS);
  });

  it("reads ?title= as plain text, trimmed and capped", () => {
    expect(parse("title=%20Office%20systems%20").title).toBe("Office systems");
    expect(parse(`title=${"x".repeat(500)}`).title).toHaveLength(80);
    expect(parse("title=%3Cscript%3E").title).toBe("<script>");
  });

  it("names the words of ?kinds= that are no kind, so the display can say so", () => {
    expect(parse("kinds=down,bogus&kinds=warning,,Nope").unknownKinds).toEqual(["bogus", "Nope"]);
    expect(parse("kinds=down").unknownKinds).toBeUndefined();
  });
});
