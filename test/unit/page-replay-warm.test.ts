/**
 * PageReplay.warm: one replay of the whole log ahead of time keeps every checkpoint, so the first
 * page asked for afterwards replays at most a checkpoint's distance, and shows the same page.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../server/ids.js";
import { PageReplay } from "../../server/store/page-replay.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import type { Store } from "../../server/store/store.js";

const EVERY = 5;

/** The real store, counting the log entries read through it. */
function counting(store: Store): { store: Store; read: () => number } {
  let read = 0;
  const wrapped = new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name, target) as unknown;
      if (name === "readLogEntries") {
        return async (...args: Parameters<Store["readLogEntries"]>) => {
          const entries = await target.readLogEntries(...args);
          read += entries.length;
          return entries;
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store: wrapped, read: () => read };
}

describe("PageReplay.warm", () => {
  const dir = mkdtempSync(join(tmpdir(), "statusthing-replay-warm-"));
  const store = new SqliteStore({ path: join(dir, "statusthing.db") });
  let latest = 0;

  beforeAll(async () => {
    const now = new Date();
    const up = await store.addStatus({ id: newId(), name: "Up", description: "", color: "#00AA00", kind: 1, created: now, updated: now });
    const down = await store.addStatus({ id: newId(), name: "Down", description: "", color: "#AA0000", kind: 2, created: now, updated: now });
    const item = await store.addItem({ id: newId(), name: "API", description: "", statusId: up.id, created: now });
    for (let i = 0; i < 30; i++) {
      if (i % 3 === 0) await store.addNote({ id: newId(), itemId: item.id, text: `note ${i}`, created: now, updated: now });
      else await store.updateItem(item.id, { statusId: (i % 2 ? down : up).id, name: `API ${i}`, updated: now });
    }
    latest = (await store.changeLogBounds()).latest;
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the checkpoints, so the first page afterwards replays less than a checkpoint's distance", async () => {
    const cold = counting(store);
    const coldReplay = new PageReplay(cold.store, EVERY);
    const expected = await coldReplay.stateAt(latest);
    expect(cold.read()).toBe(latest);

    const warm = counting(store);
    const warmReplay = new PageReplay(warm.store, EVERY);
    await warmReplay.warm();
    expect(warm.read()).toBe(latest);
    const before = warm.read();
    expect(await warmReplay.stateAt(latest)).toEqual(expected);
    expect(warm.read() - before).toBeLessThan(EVERY);
    // Every revision comes out as a replay from scratch gives it.
    for (let revision = 1; revision <= latest; revision++) expect(await warmReplay.stateAt(revision)).toEqual(await new PageReplay(store, EVERY).stateAt(revision));
  });

  it("reads nothing once its signal has aborted", async () => {
    const quiet = counting(store);
    const stop = new AbortController();
    stop.abort();
    await new PageReplay(quiet.store, EVERY).warm(stop.signal);
    expect(quiet.read()).toBe(0);
  });
});
