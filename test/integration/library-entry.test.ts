import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PACKAGE = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  private?: boolean;
  exports: Record<string, { types: string; default: string }>;
};

/**
 * The package as a user gets it: `build:server`'s tsc output, reached through package.json's
 * `exports`. Built into node_modules/.cache (under the project, so the built files find their
 * dependencies as an installed package would), not into dist/.
 */
describe("the library entry (package.json exports, built)", () => {
  let outDir: string;
  /** Where an `exports` target ("./dist/server/index.js") lies in this build. */
  const built = (target: string) => join(outDir, target.replace(/^\.\/dist\//, ""));

  beforeAll(() => {
    const cache = join(ROOT, "node_modules", ".cache");
    mkdirSync(cache, { recursive: true });
    outDir = mkdtempSync(join(cache, "library-entry-"));
    execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", outDir, "--sourceMap", "false"], {
      cwd: ROOT,
      stdio: "pipe",
    });
  }, 240_000);
  afterAll(() => {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it("is publishable: not private, every export with its JavaScript and its types", () => {
    expect(PACKAGE.private).not.toBe(true);
    expect(Object.keys(PACKAGE.exports)).toEqual([".", "./testing"]);
    for (const [name, target] of Object.entries(PACKAGE.exports)) {
      expect(existsSync(built(target.default)), `${name} → ${target.default}`).toBe(true);
      expect(existsSync(built(target.types)), `${name} → ${target.types}`).toBe(true);
    }
  });

  it("serves: createApp and serve from the built entry answer an RPC over HTTP", async () => {
    const lib = (await import(pathToFileURL(built(PACKAGE.exports["."]!.default)).href)) as typeof import("../../server/index.js");
    const dir = mkdtempSync(join(tmpdir(), "statusthing-library-"));
    const store = new lib.SqliteStore({ path: join(dir, "library.db") });
    const app = await lib.createApp({ store, logger: lib.createLogger("silent") });
    const server = await lib.serve(app, "127.0.0.1:0");
    try {
      const res = await fetch(`${server.url}/statusthing.v1.StatusService/ListStatus`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { statuses: Array<{ name: string }> };
      expect(body.statuses.map((s) => s.name)).toEqual(["UP", "DOWN", "WARNING"]);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("exports the store conformance suite from statusthing/testing", async () => {
    const testing = (await import(pathToFileURL(built(PACKAGE.exports["./testing"]!.default)).href)) as typeof import("../../server/testing.js");
    expect(typeof testing.describeStoreContract).toBe("function");
  });

  it("types a store of one's own: a consumer compiles against the built .d.ts", () => {
    const consumer = join(outDir, "consumer.ts");
    const entry = built(PACKAGE.exports["."]!.types).replace(/\.d\.ts$/, ".js");
    const testing = built(PACKAGE.exports["./testing"]!.types).replace(/\.d\.ts$/, ".js");
    writeFileSync(
      consumer,
      [
        `import { createApp, serve, createLogger, notFound, type DomainError, type Store, type App } from ${JSON.stringify(entry)};`,
        `import { describeStoreContract, type StoreUnderTest } from ${JSON.stringify(testing)};`,
        `declare const store: Store;`,
        `const app: Promise<App> = createApp({ store, logger: createLogger("silent") });`,
        `void app.then((a) => serve(a, "127.0.0.1:0"));`,
        `const error: DomainError = notFound("item", "x");`,
        `import * as vitest from "vitest";`,
        `describeStoreContract("mine", async (): Promise<StoreUnderTest> => ({ store, reopen: async () => store, cleanup: async () => {} }), vitest);`,
        `void error;`,
        // A wrong use must fail, or this test could not catch missing types.
        `// @ts-expect-error createApp needs a store`,
        `void createApp({ logger: createLogger("silent") });`,
      ].join("\n"),
    );
    const program = ts.createProgram([consumer], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2023,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [join(ROOT, "node_modules/@types")],
    });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(problems).toEqual([]);
  }, 120_000);
});
