/**
 * The history cases of `bench:api`: GetUptime for 200 items × 90 days (budget ≤ 50 ms of server
 * time) and GetPageAt over a year of history with 100,000 changes (budget p95 ≤ 200 ms), timed
 * inside the server (the HistoryService call) on a SQLite store in a tmpfs folder. The history is
 * written through the store with a clock spread over 365 days, 50 writes at a time.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../../server/ids.js";
import { HistoryService } from "../../server/service/history.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";

/** A budget and how the run did against it. */
export interface HistoryVerdict {
  budget: string;
  actual: string;
  pass: boolean;
}

export const HISTORY_BUDGET = { uptimeMs: 50, pageAtP95Ms: 200 } as const;

const ITEMS = 200;
const CHANGES = Number(process.env.HISTORY_BENCH_CHANGES ?? 100_000);
const DAY = 86_400_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
}

/** Seeds the history, times both cases, and returns the verdicts (and a line of figures per case). */
export async function measureHistory(log: (message: string) => void): Promise<{ verdicts: HistoryVerdict[]; lines: string[] }> {
  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "statusthing-history-bench-"));
  const store = new SqliteStore({ path: join(dir, "bench.db") });
  try {
    const yearAgo = Date.now() - 365 * DAY;
    const statuses: Array<{ id: string }> = [];
    for (const [name, kind] of [
      ["Up", 1],
      ["Degraded", 3],
      ["Down", 2],
      ["Maintenance", 4],
    ] as const) {
      statuses.push(await store.addStatus({ id: newId(), name, description: "", color: "#00AA00", kind, created: new Date(yearAgo), updated: new Date(yearAgo) }));
    }
    const items: string[] = [];
    for (let i = 0; i < ITEMS; i++) {
      items.push((await store.addItem({ id: newId(), name: `service ${i}`, description: "", statusId: statuses[0]!.id, created: new Date(yearAgo) })).id);
    }
    log(`history bench: writing ${CHANGES.toLocaleString("en-US")} changes over a year for ${ITEMS} items`);
    const started = performance.now();
    const batch = 50;
    for (let done = 0; done < CHANGES; done += batch) {
      await Promise.all(
        Array.from({ length: batch }, (_, k) => {
          const n = done + k;
          const at = new Date(yearAgo + Math.floor((n / CHANGES) * 365 * DAY));
          const itemId = items[n % ITEMS]!;
          // Mostly status moves, some notes: both are changes a page shows.
          return n % 4 === 3
            ? store.addNote({ id: newId(), itemId, text: `update ${n}`, created: at, updated: at })
            : store.updateItem(itemId, { statusId: statuses[(n * 7) % statuses.length]!.id, updated: at });
        }),
      );
    }
    log(`history bench: seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const history = new HistoryService({ store, now: () => new Date(), timeZone: "Europe/Berlin" });

    const [, uptimeColdMs] = await timed(() => history.uptime([], 90));
    const uptimeWarm: number[] = [];
    for (let i = 0; i < 20; i++) {
      // A change between requests, as a live page sees: today is folded again, kept days are not.
      await store.updateItem(items[i]!, { statusId: statuses[i % 2]!.id, updated: new Date() });
      uptimeWarm.push((await timed(() => history.uptime([], 90)))[1]);
    }
    const uptimeP95 = percentile(uptimeWarm, 95);

    const { latest } = await store.changeLogBounds();
    const [, pageAtColdMs] = await timed(() => history.pageAt(new Date(), { statusIds: [], kinds: [], withNotes: true }));
    // Instants spread over the whole log (from its first change to its last), each answered from checkpoints.
    const from = (await store.changeAt(new Date(0))).nextAt!.getTime();
    const to = (await store.changeAt(new Date())).at!.getTime();
    const pageAt: number[] = [];
    for (let i = 0; i < 60; i++) {
      const at = new Date(from + Math.random() * (to - from));
      pageAt.push((await timed(() => history.pageAt(at, { statusIds: [], kinds: [], withNotes: true })))[1]);
    }
    const pageAtP95 = percentile(pageAt, 95);
    // What a visitor meets after a restart: the server warms history in the background at start
    // (HistoryService.warm); once that is done, the first GetPageAt is as quick as any other.
    const restarted = new HistoryService({ store, now: () => new Date(), timeZone: "Europe/Berlin" });
    const [, warmMs] = await timed(() => restarted.warm());
    const [, pageAtAfterWarmMs] = await timed(() => restarted.pageAt(new Date(from + Math.random() * (to - from)), { statusIds: [], kinds: [], withNotes: true }));
    const lines = [
      `GetUptime, ${ITEMS} items × 90 days: first ${uptimeColdMs.toFixed(1)} ms (folds every kept day once), then p50 ${percentile(uptimeWarm, 50).toFixed(1)} ms, p95 ${uptimeP95.toFixed(1)} ms`,
      `GetPageAt, ${ITEMS} items, ${latest.toLocaleString("en-US")} changes: first ${pageAtColdMs.toFixed(0)} ms (replays the whole log once, keeping checkpoints), then p50 ${percentile(pageAt, 50).toFixed(1)} ms, p95 ${pageAtP95.toFixed(1)} ms over 60 random instants`,
      `After a restart: warming in the background (uptime folded, log replayed a batch at a time) ${warmMs.toFixed(0)} ms; then the first GetPageAt ${pageAtAfterWarmMs.toFixed(1)} ms`,
    ];
    return {
      verdicts: [
        {
          budget: `GetUptime ${ITEMS} items × 90 days ≤ ${HISTORY_BUDGET.uptimeMs} ms server time (p95)`,
          actual: `${uptimeP95.toFixed(1)} ms`,
          pass: uptimeP95 <= HISTORY_BUDGET.uptimeMs,
        },
        {
          budget: `GetPageAt p95 ≤ ${HISTORY_BUDGET.pageAtP95Ms} ms (${ITEMS} items, ${CHANGES.toLocaleString("en-US")} changes)`,
          actual: `${pageAtP95.toFixed(1)} ms`,
          pass: pageAtP95 <= HISTORY_BUDGET.pageAtP95Ms,
        },
      ],
      lines,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
