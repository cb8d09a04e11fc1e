import type { StdioOptions } from "node:child_process";

/** The package root. */
export const ROOT: string;
/** True when build/web is missing or older than any of its sources. */
export function webBuildIsStale(root?: string): boolean;
/** Runs `vite build` into build/web, then prints the sizes. */
export function buildWeb(root?: string, stdio?: StdioOptions): void;
/** Builds the web app if it is stale, once even when several processes ask at once; true if it built. */
export function ensureWebBuild(root?: string, stdio?: StdioOptions): boolean;
