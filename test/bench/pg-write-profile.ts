/**
 * `node --import tsx test/bench/pg-write-profile.ts [writers,...] [--database-url URL]` (#13): where a
 * PostgreSQL group commit's time goes. UpdateItem straight on the store (no HTTP), `writers` at
 * once for 3 s each: writes/s, writes per group, and the statements (round trips) each write and
 * each group costs, counted at the driver, with the time the log's lock is held per group, and
 * this process's CPU time per write (the store's share of a server's, under tsx). The round-trip
 * counts do not depend on how busy the machine is; the times do.
 */
import pg from "pg";
import { parseArgs } from "node:util";
import { TestSchemas } from "../helpers/postgres.js";
import { newId } from "../../server/ids.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { "database-url": { type: "string" }, seconds: { type: "string" }, statements: { type: "boolean" } },
});
const url = values["database-url"] ?? "postgres://postgres@127.0.0.1:5432/test";
const seconds = Number(values.seconds ?? 3);
const writerCounts = (positionals[0] ?? "1,10,50,200").split(",").map(Number);

let statements = 0;
/** Per kind of statement (its name, or its first words): how many, and ms from sending to the answer. */
const byStatement = new Map<string, { count: number; ms: number }>();
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statements++;
  const first = args[0] as string | { name?: string; text: string };
  const key = typeof first === "string" ? first : (first.name ?? first.text);
  const label = key.replace(/\s+/g, " ").trim().slice(0, 48);
  const started = performance.now();
  const result = (query as (...a: unknown[]) => unknown).apply(this, args);
  if (result instanceof Promise) {
    void result
      .finally(() => {
        const entry = byStatement.get(label) ?? { count: 0, ms: 0 };
        entry.count++;
        entry.ms += performance.now() - started;
        byStatement.set(label, entry);
      })
      .catch(() => {});
  }
  return result;
} as typeof pg.Client.prototype.query;

const schemas = new TestSchemas(url, "st_prof_");
const schema = await schemas.create();
const store = await schemas.open(schema, { poolSize: 10 });
try {
  const now = new Date();
  const statusIds: string[] = [];
  for (let i = 0; i < 3; i++) {
    const id = newId();
    await store.addStatus({ id, name: `s${i}`, description: "", color: "#00ff00", kind: i + 1, created: now, updated: now });
    statusIds.push(id);
  }
  const items: string[] = [];
  for (let i = 0; i < 100; i++) {
    const id = newId();
    await store.addItem({
      id,
      name: `item ${i}`,
      description: "",
      statusId: statusIds[0],
      created: now,
      initialNote: { id: newId(), itemId: id, text: "a note", created: now, updated: now },
    });
    items.push(id);
  }
  let groups = 0;
  let lockSeconds = 0;
  store.observeWrites((size, secs) => {
    groups++;
    lockSeconds += secs;
  });
  console.log("| writers | writes/s | writes per group | statements per write | statements per group | ms per group | CPU ms per write |");
  console.log("|--:|--:|--:|--:|--:|--:|--:|");
  let n = 0;
  for (const writers of writerCounts) {
    [groups, lockSeconds, statements] = [0, 0, 0];
    byStatement.clear();
    let writes = 0;
    const cpuBefore = process.cpuUsage();
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (performance.now() < until) {
          const i = n++;
          await store.updateItem(items[i % items.length]!, { description: `write #${i}`, statusId: statusIds[i % statusIds.length], updated: new Date() });
          writes++;
        }
      }),
    );
    const cpu = process.cpuUsage(cpuBefore);
    console.log(
      `| ${writers} | ${Math.round(writes / seconds)} | ${(writes / groups).toFixed(1)} | ${(statements / writes).toFixed(2)} | ${(statements / groups).toFixed(1)} | ${((lockSeconds / groups) * 1000).toFixed(2)} | ${((cpu.user + cpu.system) / 1000 / writes).toFixed(3)} |`,
    );
    if (values.statements) {
      for (const [label, e] of [...byStatement].sort((a, b) => b[1].ms - a[1].ms))
        console.error(`    ${writers} writers: ${e.count} × ${label}: ${(e.ms / e.count).toFixed(2)} ms each, ${Math.round(e.ms)} ms in all`);
    }
  }
} finally {
  await store.close();
  await schemas.dropAll();
}
