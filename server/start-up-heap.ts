/**
 * V8's young generation may not grow while the server starts. Start-up makes mostly objects that
 * live on (modules, tables, caches), and their survival rate would double the semi-spaces up to
 * their 16 MB maximum, which then stay resident on an idle server. Once the server listens the
 * default growth is back, so under load the young generation grows (and performs) as before.
 * Imported first by main.ts, so it applies before the other modules are evaluated; a size or
 * growth factor the user chose (node flags, NODE_OPTIONS) is left alone.
 */
import { setFlagsFromString } from "node:v8";

/** V8's default `--semi-space-growth-factor`. */
const DEFAULT_GROWTH_FACTOR = 2;

const userFlags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
const userChose = userFlags.some((flag) => /^--(?:(?:max|min)[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/.test(flag));
let holding = !userChose;
if (holding) setFlagsFromString("--semi-space-growth-factor=1");

/** Lets the young generation grow again, as by default; call once the server is up. */
export function endStartUpHeap(): void {
  if (!holding) return;
  holding = false;
  setFlagsFromString(`--semi-space-growth-factor=${DEFAULT_GROWTH_FACTOR}`);
}
