/**
 * Preloaded into the server child by the API bench (`node --import tsx --import <this> server/main.ts`)
 * only when it is needed: `server/main.ts` reads its version from `../../package.json` relative to
 * itself, which is right for `dist/server/main.js` but one folder too high when run from source
 * with tsx. When, and only when, that read fails with ENOENT, this falls back to the repository's
 * package.json. Any other read is passed through untouched, so the server under test is unchanged.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { fileURLToPath } from "node:url";

const repoPackageJson = fileURLToPath(new URL("../../package.json", import.meta.url));
const misplaced = fileURLToPath(new URL("../../../package.json", import.meta.url));
const original = fs.readFileSync;

function pathOf(file: unknown): string | undefined {
  if (typeof file === "string") return file;
  if (file instanceof URL && file.protocol === "file:") return fileURLToPath(file);
  return undefined;
}

const patched = function readFileSync(this: unknown, ...args: Parameters<typeof original>) {
  try {
    return original.apply(this, args);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" && pathOf(args[0]) === misplaced) {
      return original.apply(this, [repoPackageJson, ...args.slice(1)] as Parameters<typeof original>);
    }
    throw error;
  }
} as typeof original;

fs.readFileSync = patched;
syncBuiltinESMExports();
