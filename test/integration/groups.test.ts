/**
 * Groups and the page order over real HTTP (#15): the GroupsService API and its refusals, the
 * order ListItems and WatchItems carry, old watchers untouched, and concurrent moves from two
 * admins ending in one consistent order, on SQLite and on PostgreSQL.
 */
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../server/app.js";
import { serve, type RunningServer } from "../../server/http/serve.js";
import { createLogger } from "../../server/logger.js";
import { chooseOwnPassword, mustLogin, rpc, type Caller } from "../helpers/auth.js";
import { registerAdminToken, TEST_ADMIN_PASSWORD } from "../helpers/credentials.js";
import { describeWithPostgres } from "../helpers/describe-postgres.js";
import { TestSchemas } from "../helpers/postgres.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { openWatch, pollUntil, type Watch } from "../helpers/watch.js";

interface WireItem {
  id: string;
  name: string;
  groupId?: string;
  position?: number;
}
interface WireGroup {
  id: string;
  name: string;
  position?: number;
  collapsed?: boolean;
  description?: string;
}

const G = "statusthing.v1.GroupsService";

/** Calls `procedure` and insists it succeeds. */
async function ok(url: string, procedure: string, body: object = {}, caller: Caller = "admin"): Promise<Record<string, unknown>> {
  const res = await rpc(url, procedure, body, caller);
  expect(res.code, `${procedure}: ${res.text}`).toBe("ok");
  return res.body;
}

async function listItems(url: string): Promise<WireItem[]> {
  return ((await ok(url, "statusthing.v1.ItemsService/ListItems", {}, "anonymous")).items ?? []) as WireItem[];
}

async function listGroups(url: string): Promise<WireGroup[]> {
  return ((await ok(url, `${G}/ListGroups`, {}, "anonymous")).groups ?? []) as WireGroup[];
}

async function addItems(url: string, count: number, prefix = "item"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(((await ok(url, "statusthing.v1.ItemsService/AddItem", { name: `${prefix} ${i}` })).item as WireItem).id);
  return ids;
}

/** The page as a watcher has it: items sorted by group position then item position. */
function watchedOrder(watch: Watch, groups: Map<string, number>): string[] {
  const place = (i: WireItem) => (i.groupId ? (groups.get(i.groupId) ?? -1) : -1);
  return [...watch.state.items.values()].sort((a, b) => place(a) - place(b) || a.position - b.position).map((i) => i.id);
}

/** Every group's items (and the ungrouped ones) hold positions 0..n-1 exactly, each item once. */
function expectDenseOrder(items: WireItem[], itemIds: string[]): void {
  expect(items.map((i) => i.id).sort()).toEqual([...itemIds].sort());
  const byGroup = new Map<string, number[]>();
  for (const item of items) byGroup.set(item.groupId ?? "", [...(byGroup.get(item.groupId ?? "") ?? []), item.position ?? 0]);
  for (const [group, positions] of byGroup) expect(positions, `positions in group ${group || "(none)"}`).toEqual(positions.map((_, i) => i));
}

/**
 * Two admins (a token and another admin's session) make many moves at once; afterwards the order
 * is dense and whole, ListItems lists it in page order, and a live watcher ends with the same.
 */
async function concurrentMoves(url: string, second: Caller): Promise<void> {
  const itemIds = [...(await listItems(url)).map((i) => i.id), ...(await addItems(url, 16, "moved"))];
  const groupIds: string[] = [];
  for (const name of ["alpha", "beta", "gamma"]) groupIds.push(((await ok(url, `${G}/AddGroup`, { name })).group as WireGroup).id);
  const watch = openWatch(url, "connect-json", { includeGroups: true });
  try {
    await pollUntil(() => watch.state.snapshots === 1, 30_000, "the watcher's snapshot");
    let seed = 11;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
    const callers: Caller[] = ["admin", second];
    const calls = Array.from({ length: 80 }, (_, i) => {
      const caller = callers[i % 2]!;
      if (i % 10 === 9) return rpc(url, `${G}/MoveGroup`, { groupId: groupIds[random(3)], position: random(4) }, caller);
      const target = random(4);
      return rpc(url, `${G}/MoveItem`, { itemId: itemIds[random(itemIds.length)], groupId: target === 3 ? "" : groupIds[target], position: random(18) }, caller);
    });
    for (const res of await Promise.all(calls)) expect(res.code, res.text).toBe("ok");
    const items = await listItems(url);
    const groups = await listGroups(url);
    expect(groups.map((g) => g.position ?? 0)).toEqual(groups.map((_, i) => i));
    expectDenseOrder(items, itemIds);
    // ListItems is in page order: ungrouped first, then by group position, then item position.
    const groupPosition = new Map(groups.map((g) => [g.id, g.position ?? 0]));
    const key = (i: WireItem) => [i.groupId ? groupPosition.get(i.groupId)! : -1, i.position ?? 0];
    const sorted = [...items].sort((a, b) => key(a)[0]! - key(b)[0]! || key(a)[1]! - key(b)[1]!);
    expect(items.map((i) => i.id)).toEqual(sorted.map((i) => i.id));
    // The watcher followed every move to the same order.
    const { revision } = (await (await fetch(`${url}/healthz`)).json()) as { revision: number };
    await pollUntil(() => watch.lastRevision >= revision, 30_000, "the watcher to catch up");
    const watchedGroups = new Map<string, number>();
    for (const m of watch.messages) {
      if (m.event.case === "snapshot") for (const g of m.event.value.groups) watchedGroups.set(g.id, g.position);
      if (m.event.case === "groupChanged") watchedGroups.set(m.event.value.id, m.event.value.position);
    }
    expect(watchedOrder(watch, watchedGroups)).toEqual(items.map((i) => i.id));
  } finally {
    watch.close();
  }
}

describe("groups and order (SQLite)", () => {
  let server: TestServer;
  let url: string;
  beforeAll(async () => {
    server = await startTestServer();
    url = server.url;
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("adds, reads, updates and deletes groups; refuses bad input with the right code and reason", async () => {
    const eu = (await ok(url, `${G}/AddGroup`, { name: "  EU region ", description: "Frankfurt", collapsed: true })).group as WireGroup;
    expect(eu).toMatchObject({ name: "EU region", description: "Frankfurt", collapsed: true });
    expect(eu.position ?? 0).toBe(0);
    const us = (await ok(url, `${G}/AddGroup`, { name: "US region" })).group as WireGroup;
    expect(us.position).toBe(1);
    expect((await ok(url, `${G}/GetGroup`, { groupId: eu.id }, "anonymous")).group).toEqual(eu);

    const refused = async (procedure: string, body: object, code: string, reason: string, caller: Caller = "admin") => {
      const res = await rpc(url, `${G}/${procedure}`, body, caller);
      expect(res.code, `${procedure} ${JSON.stringify(body)}: ${res.text}`).toBe(code);
      if (reason) expect(res.text).toContain(reason);
    };
    await refused("AddGroup", { name: "   " }, "invalid_argument", "FIELD_INVALID");
    await refused("AddGroup", { name: "x".repeat(201) }, "invalid_argument", "FIELD_INVALID");
    await refused("AddGroup", { name: "eu REGION" }, "already_exists", "NAME_TAKEN");
    await refused("UpdateGroup", { groupId: us.id }, "invalid_argument", "FIELD_INVALID");
    await refused("UpdateGroup", { groupId: us.id, name: "EU Region" }, "already_exists", "NAME_TAKEN");
    await refused("GetGroup", { groupId: "nope" }, "not_found", "GROUP_NOT_FOUND");
    await refused("DeleteGroup", { groupId: "nope" }, "not_found", "GROUP_NOT_FOUND");
    await refused("MoveGroup", { groupId: us.id, position: 5_000_000 }, "invalid_argument", "FIELD_INVALID");
    const [itemId] = await addItems(url, 1, "api");
    await refused("MoveItem", { itemId, groupId: "nope" }, "not_found", "GROUP_NOT_FOUND");
    await refused("MoveItem", { itemId: "nope", groupId: eu.id }, "not_found", "ITEM_NOT_FOUND");
    await refused("MoveItem", { itemId: "" }, "invalid_argument", "FIELD_INVALID");
    // Reads are public; writes need a login, and an admin.
    await refused("AddGroup", { name: "anon" }, "unauthenticated", "", "anonymous");
    const editor = await ok(url, "statusthing.v1.UsersService/AddUser", { user: { username: "ed", password: "editor-password-1", role: "ROLE_EDITOR" } });
    expect(editor.user).toBeDefined();
    await chooseOwnPassword(url, "ed", "editor-password-1");
    const edCookie = { cookie: await mustLogin(url, "ed", "editor-password-1") };
    await refused("MoveItem", { itemId, groupId: eu.id }, "permission_denied", "", edCookie);

    const updated = (await ok(url, `${G}/UpdateGroup`, { groupId: us.id, description: "Virginia", collapsed: true })).group as WireGroup;
    expect(updated).toMatchObject({ name: "US region", description: "Virginia", collapsed: true });
    expect(((await ok(url, `${G}/UpdateGroup`, { groupId: us.id, description: "" })).group as WireGroup).description ?? "").toBe("");

    // Deleting a group ungroups its items, after those in no group.
    await ok(url, `${G}/MoveItem`, { itemId, groupId: eu.id, position: 0 });
    expect((await listItems(url)).find((i) => i.id === itemId)).toMatchObject({ groupId: eu.id });
    await ok(url, `${G}/DeleteGroup`, { groupId: eu.id });
    expect((await listItems(url)).find((i) => i.id === itemId)?.groupId).toBeUndefined();
    expect((await listGroups(url)).map((g) => [g.name, g.position ?? 0])).toEqual([["US region", 0]]);
    await ok(url, `${G}/DeleteGroup`, { groupId: us.id });
  });

  it("ListItems answers in page order with group and position; a watcher without include_groups sees no group messages", async () => {
    const old = openWatch(url, "connect-json", {});
    const fresh = openWatch(url, "ws", { includeGroups: true });
    try {
      await pollUntil(() => old.state.snapshots === 1 && fresh.messages.length > 0, 30_000, "both snapshots");
      const [a, b, c] = await addItems(url, 3, "order");
      const group = (await ok(url, `${G}/AddGroup`, { name: "Payments" })).group as WireGroup;
      await ok(url, `${G}/MoveItem`, { itemId: c, groupId: group.id, position: 0 });
      await ok(url, `${G}/MoveItem`, { itemId: a, groupId: group.id, position: 1 });
      const items = await listItems(url);
      // Items in no group first, then the group's, by position.
      expect(items.slice(-2).map((i) => [i.id, i.groupId, i.position ?? 0])).toEqual([
        [c, group.id, 0],
        [a, group.id, 1],
      ]);
      const ungrouped = items.filter((i) => !i.groupId);
      expect(ungrouped.map((i) => i.position ?? 0)).toEqual(ungrouped.map((_, i) => i));
      expect(ungrouped.at(-1)?.id).toBe(b);
      await ok(url, `${G}/DeleteGroup`, { groupId: group.id });
      const { revision } = (await (await fetch(`${url}/healthz`)).json()) as { revision: number };
      // The old watcher gets no group_removed: it is done when the ungrouped items have arrived.
      const ungroupedAgain = () => [a, c].every((id) => old.state.items.get(id!)?.groupId === "");
      await pollUntil(() => ungroupedAgain() && fresh.lastRevision >= revision, 30_000, "both watchers to catch up");
      const kinds = (w: Watch) => new Set(w.messages.map((m) => m.event.case));
      expect(kinds(old).has("groupChanged") || kinds(old).has("groupRemoved")).toBe(false);
      expect(kinds(fresh)).toContain("groupChanged");
      expect(kinds(fresh)).toContain("groupRemoved");
      // Item moves reach old clients too, as item_changed with the new place.
      const moved = old.messages.filter((m) => m.event.case === "itemChanged" && m.event.value.id === a).map((m) => (m.event.value as WireItem).groupId);
      expect(moved).toContain(group.id);
      expect(old.state.items.get(a!)?.groupId).toBe("");
    } finally {
      old.close();
      fresh.close();
    }
  });

  it("many concurrent moves from two admins end in one consistent order, followed live", async () => {
    await ok(url, "statusthing.v1.UsersService/AddUser", { user: { username: "alice", password: "alice-password-1", role: "ROLE_ADMIN" } });
    await chooseOwnPassword(url, "alice", "alice-password-1");
    await concurrentMoves(url, { cookie: await mustLogin(url, "alice", "alice-password-1") });
  });
});

const describePg = await describeWithPostgres("the PostgreSQL groups test");

describePg("groups and order (PostgreSQL)", () => {
  let schemas: TestSchemas;
  let server: RunningServer;
  beforeAll(async () => {
    schemas = new TestSchemas();
    const store = await schemas.open(await schemas.create());
    const app = await createApp({ store, logger: createLogger("silent", new Writable({ write: (_c, _e, done) => done() })), adminPassword: TEST_ADMIN_PASSWORD });
    server = await serve(app, "127.0.0.1:0");
    await registerAdminToken(server.url);
  });
  afterAll(async () => {
    await server?.close(1_000);
    await schemas?.dropAll();
  });

  it("many concurrent moves from two admins end in one consistent order, followed live", async () => {
    await concurrentMoves(server.url, { cookie: await mustLogin(server.url, "admin", TEST_ADMIN_PASSWORD) });
  });
});
