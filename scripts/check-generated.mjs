// Fails when shared/gen/ is not what `buf generate` makes from proto/ (stale generated code must never land).
// Generates into a temporary folder and compares file by file, so it works on a dirty tree too.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const committed = "shared/gen";
const out = mkdtempSync(join(tmpdir(), "statusthing-gen-"));
try {
  execFileSync("buf", ["generate", "--output", out], { stdio: "inherit" });
  execFileSync("buf", ["lint", "proto"], { stdio: "inherit" });
  const fresh = join(out, committed);
  const files = (dir) =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? files(path) : [path];
    });
  const want = new Map(files(fresh).map((p) => [relative(fresh, p), readFileSync(p, "utf8")]));
  const have = new Map(files(committed).map((p) => [relative(committed, p), readFileSync(p, "utf8")]));
  const stale = [...new Set([...want.keys(), ...have.keys()])].filter((f) => want.get(f) !== have.get(f));
  if (stale.length > 0) {
    console.error(`shared/gen is stale; run \`npm run generate\` and commit. Differs: ${stale.join(", ")}`);
    process.exit(1);
  }
  console.log(`shared/gen is up to date (${want.size} files)`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
