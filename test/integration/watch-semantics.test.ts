/**
 * WatchItems semantics (ARCHITECTURE.md, "Live updates"), over every way to watch: Connect JSON
 * and binary (HTTP/1.1), gRPC (h2c), gRPC-Web, Connect JSON over h2c, and the /ws feed. Filters
 * (items entering and leaving), status changes reaching the items that show them, deletes,
 * extended, snapshots, resume within and beyond retention, heartbeats, invalid requests.
 *
 * Writes run one at a time, so each one's revisions are known exactly: the change log's newest
 * revision before and after it. "Nothing arrives" is checked with a marker: a new status reaches
 * every watcher whatever its filter, so the event after the last expected one must be the marker.
 */
import { Code } from "@connectrpc/connect";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WatchItemsResponse } from "../../shared/gen/statusthing/v1/services_pb.js";
import { StatusKind, type Item, type Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { createClients, createTransport, PROTOCOLS, type ApiClients } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  codeString,
  healthz,
  hubProtocolOf,
  openWatch,
  pollUntil,
  projectItems,
  ReplayedState,
  projectStatuses,
  watcherTotal,
  wsUrl,
  type Watch,
  type WatchProtocol,
  type WatchRequestInit,
} from "../helpers/watch.js";

const WATCH_PROTOCOLS: readonly WatchProtocol[] = [...PROTOCOLS, "ws"];

/** The messages of a stream but heartbeats. */
function eventsOf(watch: Watch): WatchItemsResponse[] {
  return watch.messages.filter((m) => m.event.case !== "heartbeat");
}

/** "12 itemChanged <id>": one event, readable in a diff. */
function summary(message: WatchItemsResponse): string {
  const e = message.event;
  const what =
    e.case === "itemChanged" || e.case === "statusChanged"
      ? e.value.id
      : e.case === "itemRemoved" || e.case === "statusRemoved"
        ? e.value
        : e.case === "snapshot"
          ? `reset=${String(e.value.reset)}`
          : "";
  return `${message.revision} ${e.case} ${what}`;
}

async function waitEvents(watch: Watch, count: number, timeoutMs = 5_000): Promise<WatchItemsResponse[]> {
  await pollUntil(
    () => eventsOf(watch).length >= count || watch.end !== undefined,
    timeoutMs,
    `${count} events on ${watch.protocol}`,
    () => eventsOf(watch).map(summary).join(", "),
  );
  const events = eventsOf(watch);
  if (events.length < count) throw new Error(`${watch.protocol} ended (${JSON.stringify(watch.end)}) after ${events.map(summary).join(", ")}`);
  return events;
}

/** A server with its admin clients and a few conveniences; one per describe block. */
function useServer(options?: Parameters<typeof startTestServer>[0]) {
  const ctx = {} as {
    server: TestServer;
    api: ApiClients;
    statuses: Record<"UP" | "DOWN" | "WARNING", Status>;
    watches: Watch[];
  };
  let counter = 0;
  beforeAll(async () => {
    ctx.server = await startTestServer(options);
    ctx.api = createClients(createTransport("connect-json", ctx.server.url));
    const listed = (await ctx.api.statuses.listStatus({})).statuses;
    const byName = (name: string) => listed.find((s) => s.name === name)!;
    ctx.statuses = { UP: byName("UP"), DOWN: byName("DOWN"), WARNING: byName("WARNING") };
    ctx.watches = [];
  });
  afterAll(async () => {
    for (const watch of ctx.watches ?? []) watch.close();
    await ctx.server?.stop();
  });
  const helpers = {
    ctx,
    uniq: (base: string) => `${base} ${++counter}`,
    async latest(): Promise<number> {
      return (await ctx.server.store.changeLogBounds()).latest;
    },
    /** Runs one write and returns the revisions it committed. */
    async write<T>(run: (api: ApiClients) => Promise<T>): Promise<{ result: T; revisions: number[] }> {
      const before = await helpers.latest();
      const result = await run(ctx.api);
      const after = await helpers.latest();
      return { result, revisions: Array.from({ length: after - before }, (_, k) => before + 1 + k) };
    },
    async addItem(name: string, statusId = "", note = ""): Promise<Item> {
      return (await ctx.api.items.addItem({ name, initialStatusId: statusId, initialNoteText: note })).item!;
    },
    async addStatus(name: string, kind: StatusKind, color = "#336699"): Promise<Status> {
      return (await ctx.api.statuses.addStatus({ name, kind, color })).status!;
    },
    /** Opens a watch and waits for its first message (the snapshot, unless resuming). */
    async watch(protocol: WatchProtocol, request: WatchRequestInit = {}, waitFirst = true): Promise<Watch> {
      const watch = openWatch(ctx.server.url, protocol, request);
      ctx.watches.push(watch);
      if (waitFirst) await waitEvents(watch, 1);
      return watch;
    },
    /** Adds a status (which every watcher gets) and waits until `watch` has it; returns its event index. */
    async marker(watches: Watch[]): Promise<{ revision: number; id: string }> {
      const { result, revisions } = await helpers.write((api) => api.statuses.addStatus({ name: helpers.uniq("marker"), kind: StatusKind.UP, color: "#000" }));
      const id = result.status!.id;
      for (const watch of watches) {
        await pollUntil(() => eventsOf(watch).some((m) => m.event.case === "statusChanged" && m.event.value.id === id), 5_000, `the marker on ${watch.protocol}`);
      }
      return { revision: revisions[0]!, id };
    },
    /** Waits until /healthz counts exactly `count` open watchers. */
    async watchersAre(count: number): Promise<void> {
      await pollUntil(async () => watcherTotal((await healthz(ctx.server.url)).watchers) === count, 5_000, `${count} open watchers`);
    },
  };
  return helpers;
}

describe("filters, status changes, deletes, extended, snapshots", () => {
  const h = useServer();
  const { ctx } = h;

  it.each(WATCH_PROTOCOLS)("kinds=[DOWN] over %s: entering is item_changed, leaving is item_removed, changes outside it send nothing", async (protocol) => {
    const moving = await h.addItem(h.uniq(`moving ${protocol}`), ctx.statuses.UP.id);
    const down = await h.addItem(h.uniq(`down ${protocol}`), ctx.statuses.DOWN.id);
    const watch = await h.watch(protocol, { kinds: [StatusKind.DOWN] });

    const [snapshot] = eventsOf(watch);
    expect(snapshot!.event.case).toBe("snapshot");
    if (snapshot!.event.case !== "snapshot") return;
    expect(snapshot!.revision).toBe(BigInt(await h.latest()));
    expect(snapshot!.event.value.reset).toBe(false);
    const ids = snapshot!.event.value.items.map((i) => i.id);
    expect(ids).toContain(down.id);
    expect(ids).not.toContain(moving.id);
    expect(projectItems(snapshot!.event.value.items, false)).toEqual(projectItems((await ctx.api.items.listItems({ kinds: [StatusKind.DOWN] })).items, false));
    // Every status, whatever the filter: for legends and pickers.
    expect(projectStatuses(snapshot!.event.value.statuses)).toEqual(projectStatuses((await ctx.api.statuses.listStatus({})).statuses));

    const enter = await h.write((api) => api.items.updateItem({ itemId: moving.id, statusId: ctx.statuses.DOWN.id }));
    const leave = await h.write((api) => api.items.updateItem({ itemId: moving.id, statusId: ctx.statuses.UP.id }));
    const outside = await h.write((api) => api.items.updateItem({ itemId: moving.id, name: h.uniq(`renamed while UP ${protocol}`) }));
    expect(outside.revisions).toHaveLength(1);
    const marker = await h.marker([watch]);

    const events = eventsOf(watch).slice(1);
    expect(events.map(summary)).toEqual([
      `${enter.revisions[0]} itemChanged ${moving.id}`,
      `${leave.revisions[0]} itemRemoved ${moving.id}`,
      `${marker.revision} statusChanged ${marker.id}`,
    ]);
    const entered = events[0]!.event;
    expect(entered.case === "itemChanged" && entered.value.status?.id).toBe(ctx.statuses.DOWN.id);
    expect(entered.case === "itemChanged" && entered.value.status?.kind).toBe(StatusKind.DOWN);
    watch.close();
  });

  it.each(WATCH_PROTOCOLS)("status_ids=[S] over %s: entering and leaving S, changes outside S send nothing", async (protocol) => {
    const s = await h.addStatus(h.uniq(`S ${protocol}`), StatusKind.WARNING);
    const other = await h.addStatus(h.uniq(`other ${protocol}`), StatusKind.WARNING);
    const inS = await h.addItem(h.uniq(`in S ${protocol}`), s.id);
    const moving = await h.addItem(h.uniq(`moving ${protocol}`), other.id);
    const watch = await h.watch(protocol, { statusIds: [s.id] });
    const [snapshot] = eventsOf(watch);
    expect(snapshot!.event.case === "snapshot" && snapshot!.event.value.items.map((i) => i.id)).toEqual([inS.id]);

    const enter = await h.write((api) => api.items.updateItem({ itemId: moving.id, statusId: s.id }));
    const leave = await h.write((api) => api.items.updateItem({ itemId: moving.id, statusId: other.id }));
    await h.write((api) => api.items.updateItem({ itemId: moving.id, description: "changed outside S" }));
    await h.write((api) => api.notes.addNote({ itemId: moving.id, noteText: "a note outside S" }));
    const marker = await h.marker([watch]);

    expect(eventsOf(watch).slice(1).map(summary)).toEqual([
      `${enter.revisions[0]} itemChanged ${moving.id}`,
      `${leave.revisions[0]} itemRemoved ${moving.id}`,
      `${marker.revision} statusChanged ${marker.id}`,
    ]);
    watch.close();
  });

  it.each(WATCH_PROTOCOLS)("UpdateStatus color over %s: status_changed, then item_changed with the new status for each item showing it", async (protocol) => {
    const s = await h.addStatus(h.uniq(`colored ${protocol}`), StatusKind.UP, "#111111");
    const a = await h.addItem(h.uniq(`a ${protocol}`), s.id);
    const b = await h.addItem(h.uniq(`b ${protocol}`), s.id);
    const bystander = await h.addItem(h.uniq(`bystander ${protocol}`), ctx.statuses.DOWN.id);
    const all = await h.watch(protocol);
    const byStatus = await h.watch(protocol, { statusIds: [s.id] });
    const otherKind = await h.watch(protocol, { kinds: [StatusKind.DOWN] });

    const recolor = await h.write((api) => api.statuses.updateStatus({ statusId: s.id, color: "#ABCDEF" }));
    expect(recolor.revisions).toHaveLength(3);
    const [rs, ra, rb] = recolor.revisions;
    const marker = await h.marker([all, byStatus, otherKind]);
    const expected = [`${rs} statusChanged ${s.id}`, `${ra} itemChanged ${a.id}`, `${rb} itemChanged ${b.id}`, `${marker.revision} statusChanged ${marker.id}`];
    expect(eventsOf(all).slice(1).map(summary)).toEqual(expected);
    expect(eventsOf(byStatus).slice(1).map(summary)).toEqual(expected);
    // Its items are not in this filter: the status still arrives (every watcher has every status).
    expect(eventsOf(otherKind).slice(1).map(summary)).toEqual([`${rs} statusChanged ${s.id}`, `${marker.revision} statusChanged ${marker.id}`]);

    for (const watch of [all, byStatus]) {
      const [statusEvent, itemA, itemB] = eventsOf(watch).slice(1);
      expect(statusEvent!.event.case === "statusChanged" && statusEvent!.event.value.color).toBe("#ABCDEF");
      for (const item of [itemA, itemB]) {
        expect(item!.event.case === "itemChanged" && item!.event.value.status?.color).toBe("#ABCDEF");
      }
    }
    expect(bystander.status?.id).toBe(ctx.statuses.DOWN.id);
    for (const watch of [all, byStatus, otherKind]) watch.close();
  });

  it.each(WATCH_PROTOCOLS)("UpdateStatus kind over %s moves its items into and out of a kinds filter", async (protocol) => {
    const s = await h.addStatus(h.uniq(`shifting ${protocol}`), StatusKind.UP);
    const a = await h.addItem(h.uniq(`a ${protocol}`), s.id);
    const b = await h.addItem(h.uniq(`b ${protocol}`), s.id);
    const watch = await h.watch(protocol, { kinds: [StatusKind.WARNING] });
    const [snapshot] = eventsOf(watch);
    const snapshotIds = snapshot!.event.case === "snapshot" ? snapshot!.event.value.items.map((i) => i.id) : [];
    expect(snapshotIds).not.toContain(a.id);

    const toWarning = await h.write((api) => api.statuses.updateStatus({ statusId: s.id, kind: StatusKind.WARNING }));
    const toUp = await h.write((api) => api.statuses.updateStatus({ statusId: s.id, kind: StatusKind.UP }));
    const marker = await h.marker([watch]);
    const [w0, w1, w2] = toWarning.revisions;
    const [u0, u1, u2] = toUp.revisions;
    const events = eventsOf(watch).slice(1);
    expect(events.map(summary)).toEqual([
      `${w0} statusChanged ${s.id}`,
      `${w1} itemChanged ${a.id}`,
      `${w2} itemChanged ${b.id}`,
      `${u0} statusChanged ${s.id}`,
      `${u1} itemRemoved ${a.id}`,
      `${u2} itemRemoved ${b.id}`,
      `${marker.revision} statusChanged ${marker.id}`,
    ]);
    const entered = events[1]!.event;
    expect(entered.case === "itemChanged" && entered.value.status?.kind).toBe(StatusKind.WARNING);
    watch.close();
  });

  it.each(WATCH_PROTOCOLS)("DeleteItem over %s: item_removed for watchers that had it, nothing for others", async (protocol) => {
    const doomed = await h.addItem(h.uniq(`doomed ${protocol}`), ctx.statuses.UP.id, "a note that goes too");
    const all = await h.watch(protocol);
    const downOnly = await h.watch(protocol, { kinds: [StatusKind.DOWN] });
    const deleted = await h.write((api) => api.items.deleteItem({ itemId: doomed.id }));
    expect(deleted.revisions).toHaveLength(1);
    const marker = await h.marker([all, downOnly]);
    expect(eventsOf(all).slice(1).map(summary)).toEqual([`${deleted.revisions[0]} itemRemoved ${doomed.id}`, `${marker.revision} statusChanged ${marker.id}`]);
    expect(eventsOf(downOnly).slice(1).map(summary)).toEqual([`${marker.revision} statusChanged ${marker.id}`]);
    all.close();
    downOnly.close();
  });

  it.each(WATCH_PROTOCOLS)("extended over %s: false sends items without notes, true with them, in the snapshot and in changes", async (protocol) => {
    const noted = await h.addItem(h.uniq(`noted ${protocol}`), ctx.statuses.UP.id, "first note");
    const plain = await h.watch(protocol, { extended: false });
    const extended = await h.watch(protocol, { extended: true });
    const added = await h.write((api) => api.notes.addNote({ itemId: noted.id, noteText: "second note" }));
    for (const watch of [plain, extended]) await waitEvents(watch, 2);

    const snapshotItem = (watch: Watch) => {
      const e = eventsOf(watch)[0]!.event;
      return e.case === "snapshot" ? e.value.items.find((i) => i.id === noted.id) : undefined;
    };
    const changed = (watch: Watch) => {
      const m = eventsOf(watch)[1]!;
      expect(summary(m)).toBe(`${added.revisions[0]} itemChanged ${noted.id}`);
      return m.event.case === "itemChanged" ? m.event.value : undefined;
    };
    expect(snapshotItem(plain)?.notes).toEqual([]);
    expect(changed(plain)?.notes).toEqual([]);
    expect(snapshotItem(extended)?.notes.map((n) => n.text)).toEqual(["first note"]);
    expect(changed(extended)?.notes.map((n) => n.text)).toEqual(["first note", "second note"]);
    // After the change, the item as the extended stream has it is what GetItem says.
    expect(projectItems([changed(extended)!], true)).toEqual(projectItems([(await ctx.api.items.getItem({ itemId: noted.id })).item!], true));
    plain.close();
    extended.close();
  });

  it.each(WATCH_PROTOCOLS)("statuses over %s: AddItem with a new status is status_changed then item_changed; DeleteStatus is status_removed for every filter", async (protocol) => {
    const all = await h.watch(protocol);
    const downOnly = await h.watch(protocol, { kinds: [StatusKind.DOWN] });
    const added = await h.write((api) =>
      api.items.addItem({ name: h.uniq(`with new status ${protocol}`), initialStatus: { name: h.uniq(`brand new ${protocol}`), kind: StatusKind.UP, color: "#0F0" } }),
    );
    const item = added.result.item!;
    expect(added.revisions).toHaveLength(2);
    const unused = await h.write((api) => api.statuses.addStatus({ name: h.uniq(`unused ${protocol}`), kind: StatusKind.DOWN, color: "#00F" }));
    const removed = await h.write((api) => api.statuses.deleteStatus({ statusId: unused.result.status!.id }));
    const marker = await h.marker([all, downOnly]);
    const statusEvents = [
      `${unused.revisions[0]} statusChanged ${unused.result.status!.id}`,
      `${removed.revisions[0]} statusRemoved ${unused.result.status!.id}`,
      `${marker.revision} statusChanged ${marker.id}`,
    ];
    expect(eventsOf(all).slice(1).map(summary)).toEqual([
      `${added.revisions[0]} statusChanged ${item.status!.id}`,
      `${added.revisions[1]} itemChanged ${item.id}`,
      ...statusEvents,
    ]);
    expect(eventsOf(downOnly).slice(1).map(summary)).toEqual([`${added.revisions[0]} statusChanged ${item.status!.id}`, ...statusEvents]);
    all.close();
    downOnly.close();
  });

  it.each(WATCH_PROTOCOLS)("notes over %s: UpdateNote and DeleteNote reach extended watchers as item_changed with the notes as they now are", async (protocol) => {
    const item = await h.addItem(h.uniq(`notes ${protocol}`), ctx.statuses.UP.id, "one");
    const two = (await ctx.api.notes.addNote({ itemId: item.id, noteText: "two" })).note!;
    const watch = await h.watch(protocol, { extended: true });
    const edited = await h.write((api) => api.notes.updateNote({ noteId: two.id, noteText: "two, edited" }));
    const first = (await ctx.api.items.getItem({ itemId: item.id })).item!.notes[0]!;
    const deleted = await h.write((api) => api.notes.deleteNote({ noteId: first.id }));
    const events = await waitEvents(watch, 3);
    expect(events.slice(1).map(summary)).toEqual([`${edited.revisions[0]} itemChanged ${item.id}`, `${deleted.revisions[0]} itemChanged ${item.id}`]);
    const notesOf = (m: WatchItemsResponse) => (m.event.case === "itemChanged" ? m.event.value.notes.map((n) => n.text) : []);
    expect(notesOf(events[1]!)).toEqual(["one", "two, edited"]);
    expect(notesOf(events[2]!)).toEqual(["two, edited"]);
    watch.close();
  });

  it("resumes within retention over every protocol: exactly the missed changes, no snapshot, then live", async () => {
    const target = await h.addItem(h.uniq("resume target"), ctx.statuses.UP.id);
    const victim = await h.addItem(h.uniq("resume victim"));
    const first = await Promise.all(WATCH_PROTOCOLS.map((p) => h.watch(p)));
    const last = await h.latest();
    await pollUntil(() => first.every((w) => w.lastRevision === last), 5_000, `every watcher at ${last}`);
    const open = watcherTotal((await healthz(ctx.server.url)).watchers);
    for (const watch of first) watch.close();
    await h.watchersAre(open - first.length);

    // Five changes of one revision each, while nobody watches.
    const missed: Array<{ revisions: number[]; summary: (rev: number) => string }> = [];
    const added = await h.write((api) => api.items.addItem({ name: h.uniq("added while away") }));
    missed.push({ ...added, summary: (r) => `${r} itemChanged ${added.result.item!.id}` });
    const updated = await h.write((api) => api.items.updateItem({ itemId: target.id, description: "updated while away" }));
    missed.push({ ...updated, summary: (r) => `${r} itemChanged ${target.id}` });
    const noted = await h.write((api) => api.notes.addNote({ itemId: target.id, noteText: "noted while away" }));
    missed.push({ ...noted, summary: (r) => `${r} itemChanged ${target.id}` });
    const status = await h.write((api) => api.statuses.addStatus({ name: h.uniq("status while away"), kind: StatusKind.DOWN, color: "#F00" }));
    missed.push({ ...status, summary: (r) => `${r} statusChanged ${status.result.status!.id}` });
    const deleted = await h.write((api) => api.items.deleteItem({ itemId: victim.id }));
    missed.push({ ...deleted, summary: (r) => `${r} itemRemoved ${victim.id}` });
    expect(missed.flatMap((m) => m.revisions)).toEqual([last + 1, last + 2, last + 3, last + 4, last + 5]);
    const expected = missed.map((m) => m.summary(m.revisions[0]!));

    const resumed = await Promise.all(WATCH_PROTOCOLS.map((p) => h.watch(p, { sinceRevision: BigInt(last) }, false)));
    for (const watch of resumed) {
      const events = await waitEvents(watch, 5);
      expect(events.map(summary), watch.protocol).toEqual(expected);
    }
    // And then live, with nothing twice.
    const live = await h.write((api) => api.items.updateItem({ itemId: target.id, name: h.uniq("renamed live") }));
    for (const watch of resumed) {
      const events = await waitEvents(watch, 6);
      expect(events.map(summary), watch.protocol).toEqual([...expected, `${live.revisions[0]} itemChanged ${target.id}`]);
    }
    for (const watch of resumed) watch.close();
  });

  it("resuming at the current revision sends no snapshot, only what comes next", async () => {
    const current = await h.latest();
    const watches = await Promise.all(WATCH_PROTOCOLS.map((p) => h.watch(p, { sinceRevision: BigInt(current) }, false)));
    const open = watcherTotal((await healthz(ctx.server.url)).watchers);
    expect(open).toBeGreaterThanOrEqual(watches.length);
    const next = await h.write((api) => api.items.addItem({ name: h.uniq("after resume at current") }));
    for (const watch of watches) {
      const events = await waitEvents(watch, 1);
      expect(events.map(summary), watch.protocol).toEqual([`${next.revisions[0]} itemChanged ${next.result.item!.id}`]);
    }
    for (const watch of watches) watch.close();
  });

  it("since_revision beyond the current revision gets a snapshot with reset at the current revision", async () => {
    const current = await h.latest();
    const listed = projectItems((await ctx.api.items.listItems({})).items, false);
    for (const protocol of WATCH_PROTOCOLS) {
      const watch = await h.watch(protocol, { sinceRevision: BigInt(current + 1_000) });
      const [first] = eventsOf(watch);
      expect(summary(first!), protocol).toBe(`${current} snapshot reset=true`);
      expect(first!.event.case === "snapshot" && projectItems(first!.event.value.items, false)).toEqual(listed);
      watch.close();
    }
  });

  it.each(WATCH_PROTOCOLS)("an undefined kind (99) over %s ends the stream with invalid_argument", async (protocol) => {
    const watch = openWatch(ctx.server.url, protocol, { kinds: [99 as StatusKind] });
    ctx.watches.push(watch);
    const end = await watch.ended;
    expect(end.code).toBe(codeString(Code.InvalidArgument));
    expect(end.message).toMatch(/kinds/);
    expect(eventsOf(watch)).toEqual([]);
    if (protocol === "ws") expect(end.wsClose?.code).toBe(1008);
  });

  it("/ws parses kinds by name, short name or number, comma-separated or repeated", async () => {
    const down = await h.addItem(h.uniq("ws down"), ctx.statuses.DOWN.id);
    const up = await h.addItem(h.uniq("ws up"), ctx.statuses.UP.id);
    const warning = await h.addItem(h.uniq("ws warning"), ctx.statuses.WARNING.id);
    const want = projectItems((await ctx.api.items.listItems({ kinds: [StatusKind.DOWN, StatusKind.UP] })).items, false);
    for (const query of ["kinds=down,STATUS_KIND_UP", "kinds=DOWN&kinds=status_kind_up", "kinds=2,1", "kind=Down,up"]) {
      const ids = await wsSnapshotIds(`${ctx.server.url.replace(/^http/, "ws")}/ws?${query}`);
      expect(ids, query).toEqual(want.map((i) => i.id));
      expect(ids).toContain(down.id);
      expect(ids).toContain(up.id);
      expect(ids).not.toContain(warning.id);
    }
    // extended and status_ids too.
    const url = wsUrl(ctx.server.url, { statusIds: [ctx.statuses.WARNING.id], extended: true });
    expect(await wsSnapshotIds(url)).toEqual(projectItems((await ctx.api.items.listItems({ statusIds: [ctx.statuses.WARNING.id] })).items, false).map((i) => i.id));
  });

  it.each(["kinds=sideways", "kinds=99", "kinds=0", "kinds=STATUS_KIND_UNKNOWN", "extended=maybe", "since_revision=-1", "since_revision=abc"])(
    "/ws?%s gets an invalid_argument error frame, then close 1008",
    async (query) => {
      const socket = new WebSocket(`${ctx.server.url.replace(/^http/, "ws")}/ws?${query}`);
      const frames: string[] = [];
      socket.on("message", (data: WebSocket.RawData) => frames.push(data.toString()));
      const closed = await new Promise<{ code: number; reason: string }>((resolve, reject) => {
        socket.on("close", (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() }));
        socket.on("error", reject);
      });
      expect(closed.code).toBe(1008);
      expect(frames).toHaveLength(1);
      const frame = JSON.parse(frames[0]!) as { error?: { code?: string; message?: string } };
      expect(frame.error?.code).toBe("invalid_argument");
      expect(frame.error?.message).toEqual(expect.any(String));
    },
  );
});

/** Opens /ws at `url`, returns the item ids of its snapshot, closes. */
async function wsSnapshotIds(url: string): Promise<string[]> {
  const socket = new WebSocket(url);
  try {
    const text = await new Promise<string>((resolve, reject) => {
      socket.once("message", (data: WebSocket.RawData) => resolve(data.toString()));
      socket.once("close", (code: number) => reject(new Error(`closed ${code} before a message`)));
      socket.once("error", reject);
    });
    const parsed = JSON.parse(text) as { snapshot?: { items?: Array<{ id: string }> }; error?: unknown };
    if (!parsed.snapshot) throw new Error(`want a snapshot, got ${text.slice(0, 200)}`);
    return (parsed.snapshot.items ?? []).map((i) => i.id);
  } finally {
    socket.terminate();
  }
}

describe("resume beyond retention (hub keeps 5 changes, prunes every 50 ms)", () => {
  const h = useServer({ hub: { retainChanges: 5, retainMs: 0, pruneEveryMs: 50 } });
  const { ctx } = h;

  it("a client that missed pruned changes gets a snapshot with reset, equal to ListItems, then live changes", async () => {
    const item = await h.addItem(h.uniq("retained"), ctx.statuses.UP.id);
    const first = await Promise.all(WATCH_PROTOCOLS.map((p) => h.watch(p, { extended: true })));
    const last = await h.latest();
    await pollUntil(() => first.every((w) => w.lastRevision === last), 5_000, `every watcher at ${last}`);
    for (const watch of first) watch.close();
    await h.watchersAre(0);

    for (let n = 0; n < 50; n++) await ctx.api.notes.addNote({ itemId: item.id, noteText: `note ${n}` });
    const current = await h.latest();
    expect(current).toBe(last + 50);
    await pollUntil(async () => (await ctx.server.store.changeLogBounds()).oldest > last + 1, 5_000, "the change log to be pruned past the client's revision");

    const listed = projectItems((await ctx.api.items.listItems({ extended: true })).items, true);
    const statuses = projectStatuses((await ctx.api.statuses.listStatus({})).statuses);
    const resumed = await Promise.all(WATCH_PROTOCOLS.map((p) => h.watch(p, { sinceRevision: BigInt(last), extended: true })));
    for (const watch of resumed) {
      const [first] = eventsOf(watch);
      expect(summary(first!), watch.protocol).toBe(`${current} snapshot reset=true`);
      if (first!.event.case !== "snapshot") continue;
      expect(projectItems(first!.event.value.items, true)).toEqual(listed);
      expect(projectStatuses(first!.event.value.statuses)).toEqual(statuses);
    }
    const live = await h.write((api) => api.notes.addNote({ itemId: item.id, noteText: "after the reset" }));
    for (const watch of resumed) {
      const events = await waitEvents(watch, 2);
      expect(events.map(summary).slice(1), watch.protocol).toEqual([`${live.revisions[0]} itemChanged ${item.id}`]);
    }
    for (const watch of resumed) watch.close();
  });

  it("a resume still inside the retained window gets the missed changes, not a reset", async () => {
    const item = await h.addItem(h.uniq("inside window"));
    const watch = await h.watch("connect-json");
    const last = await h.latest();
    await pollUntil(() => watch.lastRevision === last, 5_000, `the watcher at ${last}`);
    watch.close();
    const a = await h.write((api) => api.items.updateItem({ itemId: item.id, description: "one" }));
    const b = await h.write((api) => api.items.updateItem({ itemId: item.id, description: "two" }));
    const resumed = await h.watch("connect-json", { sinceRevision: BigInt(last) }, false);
    const events = await waitEvents(resumed, 2);
    expect(events.map(summary)).toEqual([`${a.revisions[0]} itemChanged ${item.id}`, `${b.revisions[0]} itemChanged ${item.id}`]);
    resumed.close();
  });
});

describe("heartbeats (hub heartbeat every 100 ms)", () => {
  const h = useServer({ hub: { heartbeatMs: 100 } });
  const { ctx } = h;

  it("every protocol gets heartbeats that carry the current revision", async () => {
    const watches = await Promise.all(WATCH_PROTOCOLS.map((p) => h.watch(p)));
    const before = await h.latest();
    await pollUntil(() => watches.every((w) => w.heartbeats >= 2), 5_000, "two heartbeats on every stream");
    for (const watch of watches) {
      const beats = watch.messages.filter((m) => m.event.case === "heartbeat");
      expect(
        beats.map((m) => Number(m.revision)),
        watch.protocol,
      ).toEqual(beats.map(() => before));
    }
    const change = await h.write((api) => api.items.addItem({ name: h.uniq("between heartbeats") }));
    const after = change.revisions.at(-1)!;
    const changedAt = (w: Watch) => w.messages.findIndex((m) => m.event.case === "itemChanged" && Number(m.revision) === after);
    await pollUntil(
      () => watches.every((w) => changedAt(w) >= 0 && w.messages.slice(changedAt(w) + 1).some((m) => m.event.case === "heartbeat")),
      5_000,
      "a heartbeat after the change on every stream",
    );
    for (const watch of watches) {
      const later = watch.messages.slice(changedAt(watch) + 1).filter((m) => m.event.case === "heartbeat");
      expect(later.length).toBeGreaterThan(0);
      expect(
        later.every((m) => Number(m.revision) === after),
        watch.protocol,
      ).toBe(true);
    }
    expect(watcherTotal((await healthz(ctx.server.url)).watchers)).toBe(watches.length);
    const byProtocol = (await healthz(ctx.server.url)).watchers;
    for (const protocol of new Set(WATCH_PROTOCOLS.map(hubProtocolOf))) expect(byProtocol[protocol]).toBeGreaterThan(0);
    for (const watch of watches) watch.close();
  });
});

describe("resuming again and again amid concurrent writes", () => {
  const h = useServer();
  const { ctx } = h;

  it("clients that disconnect and resume with since_revision over and over see every revision once and end in ListItems' state", async () => {
    let writing = true;
    const writerErrors: string[] = [];
    const writer = async (w: number) => {
      const api = createClients(createTransport(w % 2 === 0 ? "connect-json" : "grpc-web", ctx.server.url));
      const mine: Array<{ id: string; notes: string[] }> = [];
      for (let n = 0; n < 60; n++) {
        try {
          const op = n % 6;
          if (op === 0 || mine.length === 0) {
            const { item } = await api.items.addItem({ name: `w${w} item ${n}`, initialStatusId: n % 4 === 0 ? ctx.statuses.DOWN.id : ctx.statuses.UP.id });
            mine.push({ id: item!.id, notes: [] });
          } else if (op === 1 || op === 2) {
            const target = mine[n % mine.length]!;
            const { note } = await api.notes.addNote({ itemId: target.id, noteText: `w${w} note ${n}` });
            target.notes.push(note!.id);
          } else if (op === 3) {
            await api.items.updateItem({ itemId: mine[n % mine.length]!.id, description: `w${w} described ${n}`, statusId: n % 3 === 0 ? ctx.statuses.WARNING.id : "" });
          } else if (op === 4) {
            const target = mine.find((i) => i.notes.length > 0);
            if (target) await api.notes.updateNote({ noteId: target.notes[0]!, noteText: `w${w} edited ${n}` });
          } else if (mine.length > 2) {
            await api.items.deleteItem({ itemId: mine.shift()!.id });
          }
        } catch (error) {
          writerErrors.push(`writer ${w} op ${n}: ${String(error)}`);
        }
      }
    };
    const writers = Promise.all(Array.from({ length: 5 }, (_, w) => writer(w))).finally(() => (writing = false));

    /** One client that reads a few events, disconnects, resumes where it was; returns what it saw. */
    const cycling = async (protocol: WatchProtocol) => {
      const seen: number[] = [];
      const state = new ReplayedState();
      let resets = 0;
      let cycles = 0;
      while (writing || seen.length === 0 || state.revision < (await h.latest())) {
        cycles++;
        const watch = openWatch(ctx.server.url, protocol, { extended: true, sinceRevision: BigInt(state.revision) }, { replay: false });
        const want = eventsOf(watch).length + 3 + (cycles % 5);
        await pollUntil(
          async () => eventsOf(watch).length >= want || watch.end !== undefined || (!writing && Math.max(state.revision, watch.lastRevision) >= (await h.latest())),
          10_000,
          `${protocol} cycle ${cycles}`,
        );
        const taken = watch.messages.length;
        watch.close();
        if (watch.end) throw new Error(`${protocol} stream ended: ${JSON.stringify(watch.end)}`);
        for (const message of watch.messages.slice(0, taken)) {
          if (message.event.case === "heartbeat") continue;
          if (message.event.case === "snapshot" && message.event.value.reset) resets++;
          if (message.event.case !== "snapshot") seen.push(Number(message.revision));
          else if (seen.length > 0) throw new Error(`${protocol} got a snapshot on resume at ${state.revision}`);
          else seen.push(Number(message.revision));
          state.apply(message);
        }
      }
      return { protocol, seen, state, resets, cycles };
    };
    const clients = await Promise.all(WATCH_PROTOCOLS.map(cycling));
    await writers;
    expect(writerErrors).toEqual([]);

    const final = await h.latest();
    const listed = projectItems((await ctx.api.items.listItems({ extended: true })).items, true);
    for (const { protocol, seen, state, resets, cycles } of clients) {
      expect(cycles, protocol).toBeGreaterThan(5);
      expect(resets, protocol).toBe(0);
      const [start, ...rest] = seen;
      expect(rest.length, `${protocol}: ${rest.length} changes after ${start}, final ${final}`).toBe(final - start!);
      expect(
        rest.every((r, k) => r === start! + 1 + k),
        protocol,
      ).toBe(true);
      expect(projectItems(state.items.values(), true), protocol).toEqual(listed);
    }
  }, 60_000);
});
