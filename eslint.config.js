// ESLint 9 flat config: JavaScript's and typescript-eslint's recommended rules (syntax only, not
// type-aware, so it stays fast on two cores; `tsc` and `svelte-check` do the type checking) and
// eslint-plugin-svelte's. Formatting is Prettier's job (.prettierrc.json), not ESLint's.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import svelte from "eslint-plugin-svelte";
import globals from "globals";
import ts from "typescript-eslint";

export default defineConfig(
  { ignores: ["shared/gen/", "build/", "dist/", ".svelte-kit/", "node_modules/", "test-results/", "artifacts/", ".bench/"] },
  js.configs.recommended,
  ts.configs.recommended,
  svelte.configs.recommended,
  { languageOptions: { globals: globals.node } },
  { files: ["web/**"], languageOptions: { globals: globals.browser } },
  {
    // Svelte components and rune modules: TypeScript inside, parsed by typescript-eslint.
    files: ["**/*.svelte", "**/*.svelte.ts"],
    languageOptions: { parserOptions: { parser: ts.parser, extraFileExtensions: [".svelte"] } },
  },
  {
    rules: {
      // `_`-prefixed names are placeholders kept on purpose (`for (const _ of text)`, `{ seq: _seq, ...rest }`).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true }],
      // The app has no `paths.base`: an href is already its resolved path, and resolve() would add nothing.
      "svelte/no-navigation-without-resolve": "off",
      // Live state is replaced whole ($state.raw with a fresh Map or Set), never mutated in place while read.
      "svelte/prefer-svelte-reactivity": "off",
    },
  },
  {
    // Code in page.evaluate() runs in the browser, and the project compiles without DOM types: its DOM globals are declared `any`.
    files: ["test/e2e/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
