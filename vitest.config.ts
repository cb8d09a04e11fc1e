import { svelte } from "@sveltejs/vite-plugin-svelte";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // Unit tests import the web app's plain modules, some written with runes (`*.svelte.ts`) and the
  // `$shared` alias that SvelteKit gives the app: the same compiler and alias here.
  plugins: [svelte({ compilerOptions: { runes: true } })],
  resolve: { alias: { $shared: fileURLToPath(new URL("./shared", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts", "examples/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start real servers and write real files; two cores here.
    pool: "forks",
    maxWorkers: 2,
  },
});
