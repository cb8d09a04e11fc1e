/**
 * Reads a V8 `.cpuprofile` (as `node --cpu-prof` writes it) and sums self time per function and
 * per module, optionally only for samples inside a time window (µs on the profile's clock, which
 * on Linux is CLOCK_MONOTONIC, the clock of `process.hrtime`).
 */
import { fileURLToPath } from "node:url";

export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }>;
  /** µs */
  startTime: number;
  /** µs */
  endTime: number;
  samples: number[];
  /** µs between consecutive samples; the first is from startTime. */
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  selfMs: number;
  /** Share of all sampled time in the window, 0-100. */
  percent: number;
}

export interface ProfileSummary {
  /** Sampled time in the window, ms. */
  totalMs: number;
  /** Time not spent idle, ms. */
  busyMs: number;
  topFunctions: SelfTime[];
  byModule: SelfTime[];
}

/** A short place for a script URL: repo-relative, `pkg:<name>` for dependencies, `node:` internals. */
function place(url: string, root: string): string {
  if (url === "") return "";
  let path = url;
  if (url.startsWith("file://")) {
    try {
      path = fileURLToPath(url);
    } catch {
      return url;
    }
  }
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path);
  if (inModules) return `pkg:${inModules[1]}/${inModules[2]}`;
  if (path.startsWith(root)) return path.slice(root.length);
  return path;
}

function moduleOf(functionName: string, url: string, root: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native/V8)";
  const where = place(url, root);
  if (where.startsWith("pkg:")) return where.slice(0, where.indexOf("/", where.startsWith("pkg:@") ? where.indexOf("/") + 1 : 0));
  if (where.startsWith("node:")) return "node: internals";
  const dir = where.split("/").slice(0, -1).join("/");
  return dir === "" ? where : dir;
}

function top(map: Map<string, number>, total: number, n: number): SelfTime[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 10) / 100, percent: total > 0 ? Math.round((us / total) * 1000) / 10 : 0 }));
}

/** Self time per function and module; `window` keeps only samples taken in [start, end] µs. */
export function summarizeProfile(profile: CpuProfile, root: string, window?: { startUs: number; endUs: number }, n = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const functions = new Map<string, number>();
  const modules = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let t = profile.startTime;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i] ?? 0;
    const next = i + 1 < samples.length ? t + (timeDeltas[i + 1] ?? 0) : profile.endTime;
    const dt = Math.max(0, next - t);
    if (window && (t < window.startUs || t > window.endUs)) continue;
    const frame = byId.get(samples[i]!);
    if (!frame) continue;
    const name = frame.functionName || "(anonymous)";
    const where = place(frame.url, root);
    // Line numbers of .ts files are those of tsx's output, not of the source: leave them out.
    const key = where ? (where.endsWith(".ts") ? `${name} ${where}` : `${name} ${where}:${frame.lineNumber + 1}`) : name;
    functions.set(key, (functions.get(key) ?? 0) + dt);
    const module = moduleOf(name, frame.url, root);
    modules.set(module, (modules.get(module) ?? 0) + dt);
    total += dt;
    if (name === "(idle)") idle += dt;
  }
  return {
    totalMs: Math.round(total / 1000),
    busyMs: Math.round((total - idle) / 1000),
    topFunctions: top(functions, total, n),
    byModule: top(modules, total, n),
  };
}
