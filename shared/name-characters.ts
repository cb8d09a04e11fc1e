// Which characters a name may contain: its own module (not limits.ts), because the pages that only
// show names (/display, /) need none of it; the server and the admin forms do.

/**
 * Code points a name may not contain: controls (Cc, NUL and tabs included), format characters
 * (Cf: zero-width spaces, bidi overrides and marks, the BOM), line and paragraph separators, and
 * the other invisible ("default ignorable") code points such as the Hangul fillers. Each makes
 * a name look like another or like nothing; see nameCharacterProblem for the visible uses
 * (emoji joiners, variation selectors, flag tags) that stay allowed.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
const ZWNJ = 0x200c;
const ZWJ = 0x200d;
const BLACK_FLAG = 0x1f3f4;
const CANCEL_TAG = 0xe007f;
const isVariationSelector = (cp: number) => (cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef);
const isTag = (cp: number) => cp >= 0xe0020 && cp <= 0xe007e;

/**
 * The first code point a name must not contain, as "U+200B", or undefined when every character
 * is visible, as typed and after NFKC (under which names are compared). Allowed, because emoji
 * and some scripts need them: a variation selector after a visible character ("⚠️"), a
 * zero-width joiner or non-joiner between two visible characters ("👩‍💻", Persian), and the tag
 * sequence of a subdivision flag (🏴, tags, cancel tag).
 */
export function nameCharacterProblem(name: string): string | undefined {
  return invisibleIn(name) ?? invisibleIn(name.normalize("NFKC"));
}

function invisibleIn(name: string): string | undefined {
  const cps = [...name].map((c) => c.codePointAt(0)!);
  const visible = (cp: number | undefined) => cp !== undefined && !INVISIBLE.test(String.fromCodePoint(cp)) && !/\s/u.test(String.fromCodePoint(cp));
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    if (cp === BLACK_FLAG && isTag(cps[i + 1] ?? 0)) {
      let j = i + 1;
      while (isTag(cps[j] ?? 0)) j++;
      if (cps[j] === CANCEL_TAG) {
        i = j;
        continue;
      }
    }
    if (!INVISIBLE.test(String.fromCodePoint(cp))) continue;
    const before = cps[i - 1];
    if (isVariationSelector(cp) && visible(before)) continue;
    const joinsFrom = visible(before) || (isVariationSelector(before ?? 0) && visible(cps[i - 2]));
    if ((cp === ZWJ || cp === ZWNJ) && joinsFrom && visible(cps[i + 1])) continue;
    return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return undefined;
}
