import adapter from "@sveltejs/adapter-static";
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

/**
 * The web app: SvelteKit sources in `web/`, built as a static single-page app into `build/web`,
 * which the server serves on its one port (see `server/http/static.ts`).
 */
export default defineConfig({
  // The "slowest plugins" report is about SvelteKit's own steps, which we cannot change: keep builds quiet.
  build: { rolldownOptions: { checks: { bundlerTimings: false } } },
  plugins: [
    sveltekit({
      adapter: adapter({ pages: "build/web", assets: "build/web", fallback: "index.html", precompress: true }),
      files: {
        src: "web/src",
        routes: "web/src/routes",
        lib: "web/src/lib",
        appTemplate: "web/src/app.html",
        errorTemplate: "web/src/error.html",
        assets: "web/static",
        params: "web/src/params",
        hooks: { client: "web/src/hooks.client", server: "web/src/hooks.server", universal: "web/src/hooks" },
        serviceWorker: "web/src/service-worker",
      },
      alias: { $shared: "shared" },
      csp: { mode: "hash", directives: { "script-src": ["self"] } },
      compilerOptions: { runes: true },
    }),
  ],
});
