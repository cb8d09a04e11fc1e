/**
 * Live-update fan-out: 50 watchers over every protocol the port serves (Connect JSON and binary
 * over HTTP/1.1, gRPC over h2c, gRPC-Web, and the /ws WebSocket feed) while 10 writers make 1,000
 * concurrent changes. Every watcher must see every revision after its snapshot exactly once, in
 * order, and its replayed stream must equal what ListItems and ListStatus return at the end.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { StatusKind, type Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { createClients, createTransport, type ApiClients, type Protocol } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { healthz, openWatch, pollUntil, projectItems, projectStatuses, seededRandom, watcherTotal, type Watch, type WatchProtocol } from "../helpers/watch.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const WATCH_PROTOCOLS: WatchProtocol[] = ["connect-json", "connect-binary", "grpc-h2c", "grpc-web", "ws"];
// Writers use HTTP/1.1 protocols; the watchers cover HTTP/2 (gRPC over h2c).
const WRITER_PROTOCOLS: Protocol[] = ["connect-json", "connect-binary", "grpc-web"];
const WATCHERS = 50;
const WRITERS = 10;
const CHANGES = 1_000;

it("50 watchers across Connect, gRPC, gRPC-Web and /ws each see every revision once, in order, and end in ListItems' state", async () => {
  const api = createClients(createTransport("connect-json", server.url));
  // Some state before anyone watches: custom statuses and items spread over them.
  const statuses: Status[] = (await api.statuses.listStatus({})).statuses;
  for (let s = 0; s < 7; s++) {
    statuses.push((await api.statuses.addStatus({ name: `custom ${s}`, color: "#123456", kind: (s % 11) + 1 })).status!);
  }
  const itemIds: string[] = [];
  for (let i = 0; i < 30; i++) {
    const { item } = await api.items.addItem({
      name: `seed ${i}`,
      description: `seeded item ${i}`,
      initialStatusId: i % 5 === 0 ? "" : statuses[i % statuses.length]!.id,
      initialNoteText: i % 2 === 0 ? `first note of seed ${i}` : "",
    });
    itemIds.push(item!.id);
  }

  // Half the watchers start before the writers, half while they write.
  const watches: Watch[] = [];
  const openSome = (from: number, to: number) => {
    for (let w = from; w < to; w++) {
      const protocol = WATCH_PROTOCOLS[w % WATCH_PROTOCOLS.length]!;
      watches.push(openWatch(server.url, protocol, { extended: Math.floor(w / WATCH_PROTOCOLS.length) % 2 === 1 }, { keepMessages: false }));
    }
  };
  openSome(0, WATCHERS / 2);
  await pollUntil(() => watches.every((w) => w.revisions.length > 0 || w.end), 10_000, "the first 25 snapshots");

  let issued = 0;
  let acked = 0;
  const writeErrors: string[] = [];
  const writer = async (w: number) => {
    const random = seededRandom(1_000 + w);
    const client: ApiClients = clients[w]!;
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    for (let n = 0; issued < CHANGES; n++) {
      issued++;
      const roll = random();
      try {
        if (roll < 0.3) {
          const { item } = await client.items.addItem({
            name: `w${w} item ${n}`,
            description: `added by writer ${w}`,
            initialStatusId: random() < 0.85 ? pick(statuses).id : "",
            initialNoteText: random() < 0.3 ? `initial note w${w} n${n}` : "",
          });
          itemIds.push(item!.id);
        } else if (roll < 0.7) {
          const itemId = pick(itemIds);
          const which = random();
          if (which < 0.33) await client.items.updateItem({ itemId, name: `w${w} renamed ${n}` });
          else if (which < 0.66) await client.items.updateItem({ itemId, description: `described by w${w} at ${n}` });
          else await client.items.updateItem({ itemId, statusId: pick(statuses).id });
        } else if (roll < 0.96) {
          await client.notes.addNote({ itemId: pick(itemIds), noteText: `note w${w} n${n}` });
        } else {
          const status = pick(statuses);
          if (random() < 0.5) {
            const color = `#${Math.floor(random() * 0xffffff)
              .toString(16)
              .padStart(6, "0")
              .toUpperCase()}`;
            await client.statuses.updateStatus({ statusId: status.id, color });
          } else {
            await client.statuses.updateStatus({ statusId: status.id, kind: (Math.floor(random() * 11) + 1) as StatusKind });
          }
        }
        acked++;
      } catch (error) {
        writeErrors.push(`writer ${w} op ${n}: ${String(error)}`);
      }
    }
  };
  const clients = Array.from({ length: WRITERS }, (_, w) => createClients(createTransport(WRITER_PROTOCOLS[w % WRITER_PROTOCOLS.length]!, server.url)));
  const writers = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  // The second half joins mid-stream, so snapshots are taken at revisions that live changes race.
  await pollUntil(() => acked >= 200, 20_000, "200 acknowledged writes");
  openSome(WATCHERS / 2, WATCHERS);
  await writers;
  expect(writeErrors).toEqual([]);
  expect(acked).toBe(CHANGES);

  // Quiescence: the log's newest revision, reached by the hub (/healthz), then by every watcher.
  const { latest: finalRevision } = await server.store.changeLogBounds();
  await pollUntil(async () => (await healthz(server.url)).revision === finalRevision, 10_000, `/healthz revision ${finalRevision}`);
  await pollUntil(
    () => watches.every((w) => w.lastRevision >= finalRevision || w.end !== undefined),
    20_000,
    `every watcher at revision ${finalRevision}`,
    () => watches.map((w, i) => `#${i} ${w.protocol} at ${w.lastRevision}`).join(", "),
  );
  const health = await healthz(server.url);
  expect(watcherTotal(health.watchers)).toBe(WATCHERS);
  expect(health.watchers).toEqual({ connect: 20, grpc: 10, "grpc-web": 10, ws: 10 });

  const listed = {
    plain: projectItems((await api.items.listItems({ extended: false })).items, false),
    extended: projectItems((await api.items.listItems({ extended: true })).items, true),
  };
  const listedStatuses = projectStatuses((await api.statuses.listStatus({})).statuses);
  expect(listed.extended.length).toBe(itemIds.length);

  const problems: string[] = [];
  const lateSnapshots = new Set<number>();
  watches.forEach((watch, i) => {
    const label = `watcher #${i} (${watch.protocol}, extended=${String(watch.request.extended)})`;
    if (watch.end) problems.push(`${label} ended early: ${JSON.stringify(watch.end)}`);
    const [snapshotRevision, ...changes] = watch.revisions;
    if (watch.state.snapshots !== 1) problems.push(`${label} got ${watch.state.snapshots} snapshots`);
    if (snapshotRevision === undefined) return void problems.push(`${label} got nothing`);
    if (i >= WATCHERS / 2) lateSnapshots.add(snapshotRevision);
    const expected = Array.from({ length: finalRevision - snapshotRevision }, (_, k) => snapshotRevision + 1 + k);
    if (JSON.stringify(changes) !== JSON.stringify(expected)) {
      const seen = new Set<number>();
      const dup = changes.filter((r) => seen.has(r) || !seen.add(r));
      const missing = expected.filter((r) => !seen.has(r));
      const disorder = changes.findIndex((r, k) => k > 0 && r <= changes[k - 1]!);
      problems.push(
        `${label} snapshot at ${snapshotRevision}: ${changes.length} changes, want ${expected.length}; ` +
          `duplicates ${JSON.stringify(dup.slice(0, 5))}, missing ${JSON.stringify(missing.slice(0, 5))}, first out-of-order index ${disorder}`,
      );
    }
    const extended = watch.request.extended === true;
    const replayed = projectItems(watch.state.items.values(), extended);
    const want = extended ? listed.extended : listed.plain;
    if (JSON.stringify(replayed) !== JSON.stringify(want)) {
      const firstDiff = replayed.findIndex((item, k) => JSON.stringify(item) !== JSON.stringify(want[k]));
      problems.push(
        `${label} replayed ${replayed.length} items, ListItems has ${want.length}; first difference at ${firstDiff}: ` +
          `${JSON.stringify(replayed[firstDiff])} vs ${JSON.stringify(want[firstDiff])}`,
      );
    }
    if (JSON.stringify(projectStatuses(watch.state.statuses.values())) !== JSON.stringify(listedStatuses)) {
      problems.push(`${label} replayed statuses differ from ListStatus`);
    }
  });
  expect(problems).toEqual([]);
  // The late watchers really joined amid the writes (not all at one quiet revision).
  expect(Math.min(...lateSnapshots)).toBeGreaterThan(watches[0]!.revisions[0]!);

  for (const watch of watches) watch.close();
  await pollUntil(async () => watcherTotal((await healthz(server.url)).watchers) === 0, 5_000, "every watcher detached");
}, 60_000);
