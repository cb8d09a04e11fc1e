/**
 * Two replicas (two apps, each with its own PostgresStore and pool) on one PostgreSQL schema,
 * moving the same items between statuses at the same time: the status history is one history,
 * in revision order, that both replicas' HistoryService read the same, with no transition
 * recorded twice and none lost (each one's status differs from the one before it).
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp, type App } from "../../server/app.js";
import { createLogger } from "../../server/logger.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { rpc } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";

const describePg = await describeWithPostgres("the history replica test");

describePg("status history written by two PostgreSQL replicas at once", () => {
  let schemas: TestSchemas;
  const servers: RunningServer[] = [];
  const apps: App[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    schemas = new TestSchemas();
    const schema = await schemas.create();
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    for (let i = 0; i < 2; i++) {
      const app = await createApp({ store: await schemas.open(schema), logger: createLogger("warn", quiet), adminPassword: TEST_ADMIN_PASSWORD });
      const server = await serve(app, "127.0.0.1:0");
      apps.push(app);
      servers.push(server);
      urls.push(server.url);
      await registerAdminToken(server.url);
    }
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) await server.close(2_000);
    await schemas?.dropAll();
  });

  it("gives one ordered history that both replicas read alike", async () => {
    const [a, b] = urls as [string, string];
    const statuses = (await rpc(a, "statusthing.v1.StatusService/ListStatus")).body.statuses as Array<{ id: string; name: string }>;
    const ids = statuses.map((s) => s.id);
    const items: string[] = [];
    for (let i = 0; i < 3; i++)
      items.push(((await rpc(a, "statusthing.v1.ItemsService/AddItem", { name: `shared ${i}`, initialStatusId: ids[0] })).body.item as { id: string }).id);
    // 120 status moves, half on each replica, all at once.
    const moves = Array.from({ length: 120 }, (_, n) =>
      rpc(n % 2 ? a : b, "statusthing.v1.ItemsService/UpdateItem", { itemId: items[n % 3], statusId: ids[(n * 7 + 1) % ids.length] }),
    );
    const results = await Promise.all(moves);
    expect(results.filter((r) => r.code !== "ok").map((r) => r.text)).toEqual([]);

    for (const itemId of items) {
      const read = async (url: string) =>
        (await rpc(url, "statusthing.v1.HistoryService/GetItemHistory", { itemId, pageSize: 1000 })).body.transitions as Array<{ revision: string; status: { id: string } }>;
      const [fromA, fromB] = await Promise.all([read(a), read(b)]);
      expect(fromB).toEqual(fromA);
      const revisions = fromA.map((t) => Number(t.revision));
      // Newest first, strictly: one order, no revision twice.
      expect(revisions).toEqual([...revisions].sort((x, y) => y - x));
      expect(new Set(revisions).size).toBe(revisions.length);
      // Each transition is a real change from the one before it.
      for (let i = 0; i + 1 < fromA.length; i++) expect(fromA[i]!.status.id).not.toBe(fromA[i + 1]!.status.id);
      // And the newest is where the item is now, on both.
      const now = (await rpc(b, "statusthing.v1.ItemsService/GetItem", { itemId })).body.item as { status: { id: string } };
      expect(fromA[0]!.status.id).toBe(now.status.id);
    }
  });
});
