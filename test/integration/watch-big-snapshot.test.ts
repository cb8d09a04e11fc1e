/**
 * A snapshot bigger than the per-watcher hard limit (16 MiB by default) reaches a client that
 * keeps reading it, whole, and the stream then stays live: a snapshot being taken is not a client
 * "too far behind". (Before, every such snapshot ended with resource_exhausted at once.)
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { newId } from "../../server/ids.js";
import { postJson } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { healthz, openWatch, pollUntil } from "../helpers/watch.js";

const ITEMS = 20;
const NOTES_PER_ITEM = 30;
// 10,000 characters of three UTF-8 bytes each: about 30 KB per note, 18 MB in all.
const TEXT = "€".repeat(10_000);

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  const store = server.store;
  for (let i = 0; i < ITEMS; i++) {
    const now = new Date();
    const item = await store.addItem({ id: newId(), name: `big ${i}`, description: "", created: now });
    for (let n = 0; n < NOTES_PER_ITEM; n++) await store.addNote({ id: newId(), itemId: item.id, text: TEXT, created: now, updated: now });
  }
  // A write through the API wakes the hub, which then reads everything above from the log.
  const res = await postJson(server.url, "statusthing.v1.StatusService/AddStatus", { name: "wake", kind: "STATUS_KIND_UP" });
  expect(res.status).toBe(200);
  const latest = (await server.store.changeLogBounds()).latest;
  await pollUntil(async () => (await healthz(server.url)).revision === latest, 20_000, `the hub at revision ${latest}`);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

it.each(["connect-binary", "grpc-h2c", "ws"] as const)(
  "an extended snapshot of about 18 MB over %s arrives whole for a client that reads, and the stream stays live",
  async (protocol) => {
    const watch = openWatch(server.url, protocol, { extended: true }, { keepMessages: false });
    await pollUntil(() => watch.revisions.length > 0 || watch.end !== undefined, 60_000, "the snapshot");
    expect(watch.end).toBeUndefined();
    const bigItems = [...watch.state.items.values()].filter((item) => item.name.startsWith("big "));
    expect(bigItems).toHaveLength(ITEMS);
    expect(bigItems.every((item) => item.notes.length === NOTES_PER_ITEM && item.notes.every((n) => n.text === TEXT))).toBe(true);

    // And then live: the next change arrives on the same stream.
    const res = await postJson(server.url, "statusthing.v1.StatusService/AddStatus", { name: `after ${protocol}`, kind: "STATUS_KIND_DOWN" });
    expect(res.status).toBe(200);
    const latest = (await server.store.changeLogBounds()).latest;
    await pollUntil(() => watch.lastRevision >= latest || watch.end !== undefined, 20_000, `the change at ${latest}`);
    expect(watch.end).toBeUndefined();
    expect(watch.lastRevision).toBe(latest);
    watch.close();
  },
  90_000,
);
