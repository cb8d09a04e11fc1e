/**
 * Many writers at once, each on its own HTTP/1.1 connection, as 50 scripts or monitors would be:
 * the original failed ~97% of such writes with SQLITE_BUSY; StatusThing must fail none, lose
 * none, and keep names unique under races.
 */
import http from "node:http";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item, Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { createClients, type ApiClients } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const CONNECTIONS = 50;

let server: TestServer;
/** One client per connection: each transport has its own agent allowing a single socket. */
let clients: ApiClients[];
let agents: http.Agent[];
/** The local ports of the sockets the agents used, to prove the connections were distinct. */
const localPorts = new Set<number>();
/** Process warnings seen while the tests ran (the server runs in this process). */
const warnings: Error[] = [];
const onWarning = (warning: Error) => warnings.push(warning);

beforeAll(async () => {
  process.on("warning", onWarning);
  server = await startTestServer();
  agents = Array.from({ length: CONNECTIONS }, () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agent.on("free", (socket: { localPort?: number }) => {
      if (socket.localPort !== undefined) localPorts.add(socket.localPort);
    });
    return agent;
  });
  // Writes need credentials: the test server's admin token.
  const token = server.token;
  const interceptors: Interceptor[] = token === undefined ? [] : [(next) => (req) => (req.header.set("authorization", `Bearer ${token}`), next(req))];
  clients = agents.map((agent) => createClients(createConnectTransport({ baseUrl: server.url, httpVersion: "1.1", useBinaryFormat: false, nodeOptions: { agent }, interceptors })));
});
afterAll(async () => {
  process.off("warning", onWarning);
  for (const agent of agents ?? []) agent.destroy();
  await server?.stop();
});

function client(i: number): ApiClients {
  return clients[i % CONNECTIONS]!;
}

/** Settles every call; returns the values and the errors (as Connect errors). */
async function settle<T>(calls: Array<Promise<T>>): Promise<{ values: T[]; errors: ConnectError[] }> {
  const results = await Promise.allSettled(calls);
  const values: T[] = [];
  const errors: ConnectError[] = [];
  for (const r of results) {
    if (r.status === "fulfilled") values.push(r.value);
    else errors.push(ConnectError.from(r.reason));
  }
  return { values, errors };
}

const describeErrors = (errors: ConnectError[]) => errors.slice(0, 5).map((e) => `${Code[e.code]}: ${e.rawMessage}`);

async function allItems(): Promise<Item[]> {
  return (await clients[0]!.items.listItems({})).items;
}

describe("50 concurrent connections", () => {
  it("50 concurrent AddItem calls with distinct names all succeed", async () => {
    const names = Array.from({ length: CONNECTIONS }, (_, i) => `parallel-${i}`);
    const { values, errors } = await settle(names.map((name, i) => client(i).items.addItem({ name, initialNoteText: `note ${i}` })));
    expect(describeErrors(errors)).toEqual([]);
    expect(values).toHaveLength(CONNECTIONS);
    expect(new Set(values.map((v) => v.item?.id)).size).toBe(CONNECTIONS);

    const listed = (await clients[0]!.items.listItems({ extended: true })).items.filter((i) => i.name.startsWith("parallel-"));
    expect(listed.map((i) => i.name).sort()).toEqual([...names].sort());
    for (const item of listed) expect(item.notes.map((n) => n.text)).toEqual([`note ${item.name.slice("parallel-".length)}`]);
    // They really went over 50 different connections.
    expect(localPorts.size).toBeGreaterThanOrEqual(CONNECTIONS);
  });

  it("500 concurrent UpdateItem calls over 50 connections: none fails, none is lost", async () => {
    // 100 items; each gets a rename, a new description and a new status (300 independent updates),
    // and one hot item gets 200 competing description updates: 500 in flight at once.
    const statuses: Status[] = (await clients[0]!.statuses.listStatus({})).statuses;
    const [up, down, warning] = statuses;
    if (!up || !down || !warning) throw new Error("default statuses missing");
    const created = await settle(Array.from({ length: 100 }, (_, i) => client(i).items.addItem({ name: `upd-${i}`, initialStatusId: up.id })));
    expect(describeErrors(created.errors)).toEqual([]);
    const items = created.values.map((v) => v.item!).sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
    const hot = (await clients[0]!.items.addItem({ name: "hot", description: "start" })).item!;
    const countBefore = (await allItems()).length;

    const statusFor = (i: number) => (i % 2 === 0 ? down.id : warning.id);
    const calls: Array<Promise<unknown>> = [];
    let k = 0;
    items.forEach((item, i) => {
      calls.push(client(k++).items.updateItem({ itemId: item.id, name: `renamed-${i}` }));
      calls.push(client(k++).items.updateItem({ itemId: item.id, description: `description ${i}` }));
      calls.push(client(k++).items.updateItem({ itemId: item.id, statusId: statusFor(i) }));
    });
    const hotValues = Array.from({ length: 200 }, (_, j) => `hot ${j}`);
    for (const value of hotValues) calls.push(client(k++).items.updateItem({ itemId: hot.id, description: value }));
    expect(calls).toHaveLength(500);

    const { errors } = await settle(calls);
    expect(describeErrors(errors)).toEqual([]);

    // The final state holds every independent update, through GetItem and ListItems alike.
    const after = await allItems();
    expect(after).toHaveLength(countBefore);
    const byId = new Map(after.map((i) => [i.id, i]));
    for (const [i, item] of items.entries()) {
      const listed = byId.get(item.id);
      expect(listed, item.name).toBeDefined();
      expect(listed?.name).toBe(`renamed-${i}`);
      expect(listed?.description).toBe(`description ${i}`);
      expect(listed?.status?.id).toBe(statusFor(i));
      const got = (await client(i).items.getItem({ itemId: item.id })).item;
      expect(got?.name).toBe(`renamed-${i}`);
      expect(got?.description).toBe(`description ${i}`);
      expect(got?.status?.id).toBe(statusFor(i));
      expect(got?.timestamps?.created).toEqual(item.timestamps?.created);
    }
    // The hot item ends with one of the values written to it, and nothing else changed.
    const hotAfter = byId.get(hot.id);
    expect(hotValues).toContain(hotAfter?.description);
    expect(hotAfter?.name).toBe("hot");
    expect(hotAfter?.status).toBeUndefined();
    // Statuses: each is used by exactly the items given it.
    const downIds = (await clients[0]!.items.listItems({ statusIds: [down.id] })).items.map((i) => i.id);
    expect(downIds.filter((id) => items.some((i) => i.id === id))).toHaveLength(50);
  });

  it("20 concurrent AddItem calls with the same name: exactly one succeeds, the rest are already_exists", async () => {
    // Spelled differently, but the same name once trimmed and case-folded.
    const spellings = Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? "Race Item" : i % 3 === 1 ? "  race item " : "RACE ITEM"));
    const { values, errors } = await settle(spellings.map((name, i) => client(i).items.addItem({ name, description: `attempt ${i}` })));
    expect(values).toHaveLength(1);
    expect(errors).toHaveLength(19);
    for (const e of errors) expect(Code[e.code], e.rawMessage).toBe(Code[Code.AlreadyExists]);
    const winners = (await allItems()).filter((i) => i.name.trim().toLowerCase() === "race item");
    expect(winners).toHaveLength(1);
    expect(winners[0]?.id).toBe(values[0]?.item?.id);
  });

  it("20 concurrent AddStatus calls with the same name: exactly one succeeds", async () => {
    const { values, errors } = await settle(
      Array.from({ length: 20 }, (_, i) => client(i).statuses.addStatus({ name: i % 2 ? "Race Status" : " race status", color: "#123", kind: StatusKind.DOWN })),
    );
    expect(values).toHaveLength(1);
    for (const e of errors) expect(Code[e.code], e.rawMessage).toBe(Code[Code.AlreadyExists]);
    const { statuses } = await clients[0]!.statuses.listStatus({});
    expect(statuses.filter((s) => s.name.trim().toLowerCase() === "race status")).toHaveLength(1);
  });

  it("concurrent notes on one item from 50 connections are all kept", async () => {
    const item = (await clients[0]!.items.addItem({ name: "busy-notes" })).item!;
    const { values, errors } = await settle(Array.from({ length: 200 }, (_, i) => client(i).notes.addNote({ itemId: item.id, noteText: i % 2 ? "same text" : `note ${i}` })));
    expect(describeErrors(errors)).toEqual([]);
    const notes = (await clients[0]!.notes.listNotes({ itemId: item.id })).notes;
    expect(notes).toHaveLength(200);
    expect(new Set(notes.map((n) => n.id))).toEqual(new Set(values.map((v) => v.note?.id)));
    // Creation order: timestamps never go backwards along the list.
    const created = notes.map((n) => Number(n.timestamps?.created?.seconds) * 1e3 + (n.timestamps?.created?.nanos ?? 0) / 1e6);
    for (let i = 1; i < created.length; i++) expect(created[i]!).toBeGreaterThanOrEqual(created[i - 1]!);
  });

  it("serving many concurrent requests does not make the server warn of a listener leak", () => {
    // Runs after the bursts above. An operator reading the server's stderr should not see
    // "MaxListenersExceededWarning: Possible EventTarget memory leak detected" under normal load.
    const leakWarnings = warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message);
    expect(leakWarnings).toEqual([]);
  });
});
