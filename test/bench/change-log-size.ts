/**
 * Measures the change log's size for the scenarios of issue #10 item 9, on a fresh SQLite file:
 * one item with 40 notes of 10,000 characters and 140 status changes; 50 items with 35 notes
 * each. Prints bytes of the `changes` table's payloads. Run: node --import tsx test/bench/change-log-size.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "../../server/ids.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";

const dir = mkdtempSync(join(tmpdir(), "statusthing-log-bench-"));
const store = new SqliteStore({ path: join(dir, "statusthing.db") });
const at = () => new Date();
const logBytes = () => store.db.prepare("SELECT coalesce(sum(length(CAST(payload AS BLOB))), 0) FROM changes").pluck().get() as number;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
try {
  const up = await store.addStatus({ id: newId(), name: "Up", description: "", color: "#00FF00", kind: 1, created: at(), updated: at() });
  const down = await store.addStatus({ id: newId(), name: "Down", description: "", color: "#FF0000", kind: 2, created: at(), updated: at() });
  const text = "x".repeat(10_000);

  const one = await store.addItem({ id: newId(), name: "one", description: "", statusId: up.id, created: at() });
  for (let n = 0; n < 40; n++) await store.addNote({ id: newId(), itemId: one.id, text, created: at(), updated: at() });
  const before = logBytes();
  for (let k = 0; k < 140; k++) await store.updateItem(one.id, { statusId: k % 2 === 0 ? down.id : up.id, updated: at() });
  const statusChanges = logBytes() - before;
  console.log(`1 item x 40 notes of 10,000 chars, 140 status changes: log ${mb(logBytes())} in all; ${Math.round(statusChanges / 140)} bytes per status change`);

  const start = logBytes();
  for (let i = 0; i < 50; i++) {
    const item = await store.addItem({ id: newId(), name: `item ${i}`, description: "", statusId: up.id, created: at() });
    for (let n = 0; n < 35; n++) await store.addNote({ id: newId(), itemId: item.id, text, created: at(), updated: at() });
  }
  console.log(`50 items x 35 notes of 10,000 chars: log grew ${mb(logBytes() - start)}`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
