/**
 * The name rule shared by the server and the admin forms: nothing invisible or control, as typed
 * or after NFKC, with the visible uses of joiners, variation selectors and tags allowed; names
 * compared after NFKC; the browser refuses exactly the names the server refuses.
 */
import { describe, expect, it } from "vitest";
import { requireName } from "../../server/service/validate.js";
import { nameKey } from "../../server/domain.js";
import { nameCharacterProblem } from "../../shared/name-characters.js";
import { checkName } from "../../web/src/lib/admin/validate.js";

const SAMPLES = [
  "API",
  "  padded  ",
  "\u200b",
  "Item1\u200b",
  "Ｉｔｅｍ１",
  "\u202eevil",
  "a\u0000b",
  "a\nb",
  "\u2028",
  "a\u00adb",
  "👩‍💻",
  "🏳️‍🌈",
  "⚠️",
  "\u200d👩",
  "👩\u200d",
  "👩\u200d\u200d💻",
  "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
  "🏴\u{e0067}\u{e0062}",
  "a\u{e0067}",
  "می‌خواهم",
  "\ufe0f",
  "x".repeat(200),
  "x".repeat(201),
  "Hidden\uffa0",
];

describe("names", () => {
  it("are compared trimmed, after NFKC and case folding", () => {
    expect(nameKey(" Ｉｔｅｍ１ ")).toBe(nameKey("item1"));
    expect(nameKey("\ufb01le")).toBe(nameKey("FILE"));
    expect(nameKey("\u00a0UP\u3000")).toBe(nameKey("up"));
    expect(nameKey("Item1")).not.toBe(nameKey("Item2"));
  });

  it("names the first invisible or control code point, and allows the visible uses", () => {
    expect(nameCharacterProblem("Item1\u200b")).toBe("U+200B");
    expect(nameCharacterProblem("\u202eevil")).toBe("U+202E");
    expect(nameCharacterProblem("a\u0000b")).toBe("U+0000");
    expect(nameCharacterProblem("a\u00adb")).toBe("U+00AD");
    expect(nameCharacterProblem("\u200d👩")).toBe("U+200D");
    expect(nameCharacterProblem("👩\u200d\u200d💻")).toBe("U+200D");
    expect(nameCharacterProblem("🏴\u{e0067}\u{e0062}")).toBe("U+E0067");
    expect(nameCharacterProblem("\ufe0f")).toBe("U+FE0F");
    for (const fine of ["API", "👩‍💻", "🏳️‍🌈", "⚠️", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "می‌خواهم", "שרת", "Ünïcödé"]) expect(nameCharacterProblem(fine), fine).toBeUndefined();
  });

  it("the browser refuses exactly the names the server refuses", () => {
    for (const value of SAMPLES) {
      let serverAccepts = true;
      try {
        requireName("name", value);
      } catch {
        serverAccepts = false;
      }
      expect(checkName(value) === undefined, JSON.stringify(value)).toBe(serverAccepts);
    }
  });
});
