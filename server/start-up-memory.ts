/**
 * V8 settings held while the server starts, and set back to V8's defaults once it listens.
 * Start-up runs code that never runs again (modules' top levels, descriptor and table building)
 * and makes mostly objects that live on (modules, tables, caches); left to its defaults, V8 would
 * keep the cost of both resident on an idle server:
 * - the young generation would grow to its 16 MB maximum (those objects' survival rate doubles
 *   the semi-spaces), so it is held at its initial size;
 * - TurboFan would optimize the start-up code that ran hot once (its compiler's pages, zones and
 *   the optimized code: about 7 MB of RSS), and Sparkplug would compile it to baseline code
 *   (about 1.5 MB more), so both are off until the server listens: that code stays bytecode.
 * From then on both are as by default: under load the young generation grows and hot request
 * code is optimized as before. Imported first by main.ts, so it applies before the other modules
 * are evaluated; a setting the user chose (node flags, NODE_OPTIONS) is left alone.
 */
import { setFlagsFromString } from "node:v8";

interface Hold {
  /** While the server starts. */
  during: string;
  /** V8's default, once it listens. */
  after: string;
  /** Matches the node flags with which a user chose this setting. */
  chosen: RegExp;
}

const HOLDS: readonly Hold[] = [
  {
    during: "--semi-space-growth-factor=1",
    after: "--semi-space-growth-factor=2",
    chosen: /^--(?:(?:max|min)[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/,
  },
  { during: "--no-turbofan", after: "--turbofan", chosen: /^--(?:no[-_])?(?:opt|turbofan)\b/ },
  { during: "--no-sparkplug", after: "--sparkplug", chosen: /^--(?:no[-_])?sparkplug\b/ },
];

const userFlags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
let held = HOLDS.filter((hold) => !userFlags.some((flag) => hold.chosen.test(flag)));
for (const hold of held) setFlagsFromString(hold.during);

/** Sets the held settings back to V8's defaults; call once the server is up. */
export function endStartUp(): void {
  for (const hold of held) setFlagsFromString(hold.after);
  held = [];
}
