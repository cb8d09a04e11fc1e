/**
 * A name as a tile shows it: hyphens that do not break ("us‑west‑2" stays on one line) and, when
 * it must be cut to `keep` characters, cut between words, never inside one: whole words drop out
 * and "…" stands where they were. Among the cuts that fit, the one kept is the longest that no
 * other name on the wall (`others`) could also read as, so that "Payments us‑west‑2 primary" and
 * "Payments us‑east‑1 primary" never both become "Payments … primary". Only when no cut both fits
 * and tells the names apart does the longest fitting one win (fitName shrinks the type first).
 */
export function tileName(name: string, keep = Infinity, others: readonly string[] = []): string {
  return shortenName(name, keep, others).text;
}

/** As tileName, and whether the text tells the name apart from every one of `others` (false: only a cut that does not fit would). */
export function shortenName(name: string, keep = Infinity, others: readonly string[] = []): { text: string; distinct: boolean } {
  const whole = nonBreaking(name);
  if ([...whole].length <= keep) return { text: whole, distinct: true };
  const words = splitWords(whole);
  // One word is never cut: the type shrinks (or, last, wraps) around it.
  if (words.length === 1) return { text: whole, distinct: true };
  const rivals = others.filter((o) => o !== name).map((o) => splitWords(nonBreaking(o)));
  let best: Cut | undefined;
  let bestDistinct: Cut | undefined;
  let shortestDistinct: Cut | undefined;
  for (const cut of cuts(words)) {
    const distinct = !rivals.some((rival) => readsAs(cut, rival));
    if (distinct && (!shortestDistinct || cut.length < shortestDistinct.length)) shortestDistinct = cut;
    if (cut.length > keep) continue;
    if (!best || score(cut) > score(best)) best = cut;
    if (distinct && (!bestDistinct || score(cut) > score(bestDistinct))) bestDistinct = cut;
  }
  if (bestDistinct) return { text: bestDistinct.text, distinct: true };
  // Nothing that short tells the names apart: the shortest that does, rather than the same text
  // as a neighbour's (the tile's type is already as small as it gets, so it may wrap inside a word).
  if (shortestDistinct) return { text: shortestDistinct.text, distinct: true };
  return { text: (best ?? { text: `${words[0] ?? ""}…` }).text, distinct: rivals.length === 0 };
}

/** One way to cut: kept runs of words, "…" between them and at a cut end. */
interface Cut {
  text: string;
  length: number;
  /** The kept runs, in order; an empty first or last run means the name's start or end was cut. */
  runs: string[][];
}

/** Longer is better, and a name read from its first word reads best. */
function score(cut: Cut): number {
  return cut.length + (cut.runs[0]!.length > 0 ? 6 : 0);
}

function nonBreaking(name: string): string {
  return name.replace(/-/g, "\u2011").replace(/\s+/g, " ").trim();
}

function splitWords(text: string): string[] {
  return text.split(" ").filter((w) => w !== "");
}

/** Names have few words; past this, only cuts that keep a start and an end are tried. */
const MANY_WORDS = 14;

/**
 * Every cut worth trying: a head of h words and a tail of t words (the middle dropped), and with
 * few words also one kept run in the middle (where the telling word often is: "Payments
 * us‑west‑2 primary"). Each drops at least one word.
 */
function* cuts(words: readonly string[]): Generator<Cut> {
  const n = words.length;
  // "…" stands apart from the words beside it, so a line may break there: glued to a word that
  // cannot break ("eu‑central‑1…") it could only overflow the tile.
  const make = (runs: string[][]): Cut => {
    const text = runs
      .map((run) => run.join(" "))
      .join(" … ")
      .trim()
      .replace(/^… /, "…")
      .replace(/ …$/, "…");
    return { text, length: [...text].length, runs };
  };
  for (let h = 0; h < n; h++) {
    for (let t = 0; h + t < n; t++) {
      const head = words.slice(0, h);
      const tail = words.slice(n - t);
      if (h > 0 || t > 0) yield make([head, tail]);
      if (n > MANY_WORDS) continue;
      // One middle run between head and tail, with a gap on both sides.
      for (let i = h + 1; i < n - t - 1; i++) {
        for (let j = i + 1; j < n - t; j++) yield make([head, words.slice(i, j), tail]);
      }
    }
  }
}

/** Whether another name's words could be read from this cut (same kept runs, in order, with something dropped between). */
function readsAs(cut: Cut, rival: readonly string[]): boolean {
  const runs = cut.runs;
  const head = runs[0]!;
  const tail = runs[runs.length - 1]!;
  const middle = runs.slice(1, -1);
  if (head.length + tail.length >= rival.length) return false;
  if (!head.every((w, i) => rival[i] === w)) return false;
  if (!tail.every((w, i) => rival[rival.length - tail.length + i] === w)) return false;
  // The middle runs in order, each after at least one dropped word.
  let from = head.length + 1;
  const end = rival.length - tail.length - 1;
  for (const run of middle) {
    let found = -1;
    for (let i = from; i + run.length <= end; i++) {
      if (run.every((w, k) => rival[i + k] === w)) {
        found = i;
        break;
      }
    }
    if (found < 0) return false;
    from = found + run.length + 1;
  }
  return middle.length === 0 || from - 1 <= end;
}
