/**
 * Incidents across two PostgreSQL replicas: declared on one, changed by hand and resolved on the
 * other; a watcher of either replica that asked for incidents sees them live, and the restore
 * rule decides on what both replicas committed.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { createLogger } from "../../server/logger.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { rpc } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { openWatch, pollUntil } from "../helpers/watch.js";

const describePg = await describeWithPostgres("the incident replica test");
const INCIDENTS = "statusthing.v1.IncidentsService";
type Json = Record<string, unknown>;

describePg("incidents on two PostgreSQL replicas", () => {
  let schemas: TestSchemas;
  const servers: RunningServer[] = [];
  const urls: string[] = [];

  beforeAll(async () => {
    schemas = new TestSchemas();
    const schema = await schemas.create();
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    for (let i = 0; i < 2; i++) {
      const app = await createApp({ store: await schemas.open(schema), logger: createLogger("warn", quiet), adminPassword: TEST_ADMIN_PASSWORD, maintenanceTickMs: 0 });
      const server = await serve(app, "127.0.0.1:0");
      servers.push(server);
      urls.push(server.url);
      await registerAdminToken(server.url);
    }
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) await server.close(2_000);
    await schemas?.dropAll();
  });

  it("declares on one, resolves on the other, restores all but the item changed by hand, and both replicas' watchers see it", async () => {
    const [a, b] = urls as [string, string];
    const ok = async (url: string, procedure: string, body: object) => {
      const result = await rpc(url, procedure, body);
      expect(result.code, `${procedure}: ${result.text}`).toBe("ok");
      return result.body;
    };
    const statuses = (await ok(a, "statusthing.v1.StatusService/ListStatus", {})).statuses as Array<{ id: string; name: string }>;
    const [up, down, warning] = ["UP", "DOWN", "WARNING"].map((name) => statuses.find((s) => s.name === name)!.id) as [string, string, string];
    const api = ((await ok(a, "statusthing.v1.ItemsService/AddItem", { name: "API", initialStatusId: up })).item as Json).id as string;
    const web = ((await ok(a, "statusthing.v1.ItemsService/AddItem", { name: "Web", initialStatusId: up })).item as Json).id as string;
    const watchB = openWatch(b, "connect-json", { includeIncidents: true });
    await pollUntil(() => watchB.messages.length > 0, 15_000, "B's snapshot");

    const incident = (
      await ok(a, `${INCIDENTS}/CreateIncident`, {
        title: "Outage",
        impact: "INCIDENT_IMPACT_MAJOR",
        message: "Down.",
        items: [
          { itemId: api, statusId: down },
          { itemId: web, statusId: down },
        ],
      })
    ).incident as Json;
    await ok(b, "statusthing.v1.ItemsService/UpdateItem", { itemId: web, statusId: warning });
    const resolved = await ok(b, `${INCIDENTS}/ResolveIncident`, { incidentId: incident.id, message: "Up." });
    expect(resolved.leftAlone).toEqual([{ itemId: web, itemName: "Web", statusId: warning }]);
    const statusOn = async (url: string, itemId: string) => (((await ok(url, "statusthing.v1.ItemsService/GetItem", { itemId })).item as Json).status as Json).id;
    expect([await statusOn(a, api), await statusOn(a, web)]).toEqual([up, warning]);

    await pollUntil(
      () => watchB.messages.some((m) => m.event.case === "incidentChanged" && m.event.value.state === 4),
      15_000,
      "B's watcher to see the resolve",
      () => JSON.stringify(watchB.messages.map((m) => m.event.case)),
    );
    const states = watchB.messages.flatMap((m) => (m.event.case === "incidentChanged" ? [m.event.value.state] : []));
    expect(states).toEqual([1, 4]);
    const open = (await ok(a, `${INCIDENTS}/ListIncidents`, { filter: "INCIDENT_FILTER_OPEN" })).incidents;
    expect(open).toBeUndefined();
    watchB.close();
  });
});
