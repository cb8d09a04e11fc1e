/**
 * The plain JSON POST API as scripts use it with curl: field name spellings, enums as names or
 * numbers, `{}` bodies, omitted empty fields, and Connect's error body with its HTTP status.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../shared/gen/google/rpc/bad_request_pb.js";
import { postJson } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

type Json = Record<string, unknown>;

const ITEMS = "statusthing.v1.ItemsService";
const STATUS = "statusthing.v1.StatusService";
const NOTES = "statusthing.v1.NotesService";
const ABSENT_ID = "2ZQ3UVvFSCRBQtdQzI3fMqj9v9E"; // a well-formed KSUID no record has

let server: TestServer;
let counter = 0;
const uniq = (base: string) => `${base}-${++counter}`;

beforeAll(async () => {
  server = await startTestServer();
});

/** POSTs JSON as curl would, with the admin's API token (postJson adds it for test servers). */
function post(procedure: string, body: string | object, headers: Record<string, string> = {}) {
  return postJson(server.url, procedure, body, headers);
}
afterAll(async () => {
  await server?.stop();
});

/** POSTs and expects HTTP 200 with a JSON body; returns the body. */
async function call(procedure: string, body: string | object): Promise<Json> {
  const res = await post(procedure, body);
  expect(res.status, `${procedure} answered ${JSON.stringify(res.body)}`).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return res.body;
}

function obj(value: unknown, what: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`${what} is not an object: ${JSON.stringify(value)}`);
  return value as Json;
}
function arr(value: unknown, what: string): Json[] {
  if (!Array.isArray(value)) throw new Error(`${what} is not an array: ${JSON.stringify(value)}`);
  return value as Json[];
}

async function addItem(body: object): Promise<Json> {
  return obj((await call(`${ITEMS}/AddItem`, body)).item, "item");
}
async function getItem(id: string): Promise<Json> {
  return obj((await call(`${ITEMS}/GetItem`, { item_id: id })).item, "item");
}
async function listItemIds(body: object): Promise<string[]> {
  const res = await call(`${ITEMS}/ListItems`, body);
  return res.items === undefined ? [] : arr(res.items, "items").map((i) => String(i.id));
}

// Runs first, on the fresh database.
it("answers ListItems with {} on a fresh server: an empty list is an empty object", async () => {
  const res = await post(`${ITEMS}/ListItems`, "{}");
  expect(res.status).toBe(200);
  expect(res.body).toEqual({});
});

describe("request bodies", () => {
  it("accepts {} as the whole body of a list call", async () => {
    const statuses = arr((await call(`${STATUS}/ListStatus`, "{}")).statuses, "statuses");
    expect(statuses.map((s) => s.name)).toEqual(["UP", "DOWN", "WARNING"]);
  });

  it("accepts snake_case field names", async () => {
    const up = arr((await call(`${STATUS}/ListStatus`, {})).statuses, "statuses")[0]!;
    const item = await addItem({ name: uniq("snake"), initial_status_id: up.id, initial_note_text: "via snake_case" });
    expect(obj(item.status, "status").id).toBe(up.id);
    expect(arr(item.notes, "notes").map((n) => n.text)).toEqual(["via snake_case"]);
    expect((await getItem(String(item.id))).id).toBe(item.id);
    expect(await listItemIds({ status_ids: [up.id] })).toContain(item.id);

    const down = arr((await call(`${STATUS}/ListStatus`, {})).statuses, "statuses")[1]!;
    expect(await call(`${ITEMS}/UpdateItem`, { item_id: item.id, status_id: down.id })).toEqual({});
    expect(obj((await getItem(String(item.id))).status, "status").id).toBe(down.id);
    const note = obj((await call(`${NOTES}/AddNote`, { item_id: item.id, note_text: "second" })).note, "note");
    expect(note.text).toBe("second");
    expect(await call(`${NOTES}/UpdateNote`, { note_id: note.id, note_text: "second, edited" })).toEqual({});
    expect(obj((await call(`${NOTES}/GetNote`, { note_id: note.id })).note, "note").text).toBe("second, edited");
    const created = obj((await call(`${ITEMS}/AddItem`, { name: uniq("snake2"), initial_status: { name: uniq("snake-status"), color: "#abc", kind: 1 } })).item, "item");
    expect(obj(created.status, "status").color).toBe("#AABBCC");
  });

  it("accepts lowerCamelCase field names", async () => {
    const up = arr((await call(`${STATUS}/ListStatus`, {})).statuses, "statuses")[0]!;
    const item = await addItem({ name: uniq("camel"), initialStatusId: up.id, initialNoteText: "via camelCase" });
    expect(obj(item.status, "status").id).toBe(up.id);
    expect(arr(item.notes, "notes").map((n) => n.text)).toEqual(["via camelCase"]);
    expect((await call(`${ITEMS}/GetItem`, { itemId: item.id })).item).toEqual(item);
    expect(await listItemIds({ statusIds: [up.id] })).toContain(item.id);

    const down = arr((await call(`${STATUS}/ListStatus`, {})).statuses, "statuses")[1]!;
    expect(await call(`${ITEMS}/UpdateItem`, { itemId: item.id, statusId: down.id })).toEqual({});
    expect(obj((await getItem(String(item.id))).status, "status").id).toBe(down.id);
    const note = obj((await call(`${NOTES}/AddNote`, { itemId: item.id, noteText: "second" })).note, "note");
    expect(await call(`${NOTES}/UpdateNote`, { noteId: note.id, noteText: "edited" })).toEqual({});
    expect(obj((await call(`${NOTES}/GetNote`, { noteId: note.id })).note, "note").text).toBe("edited");
    const status = obj((await call(`${STATUS}/AddStatus`, { name: uniq("camel-status"), color: "#000", kind: 2 })).status, "status");
    expect(await call(`${STATUS}/UpdateStatus`, { statusId: status.id, color: "#fff" })).toEqual({});
    expect(obj((await call(`${STATUS}/GetStatus`, { statusId: status.id })).status, "status").color).toBe("#FFFFFF");
  });

  it("accepts enums as names and as numbers, and answers with names", async () => {
    const byName = obj((await call(`${STATUS}/AddStatus`, { name: uniq("obs"), color: "#123", kind: "STATUS_KIND_OBSERVING" })).status, "status");
    const byNumber = obj((await call(`${STATUS}/AddStatus`, { name: uniq("obs"), color: "#123", kind: 7 })).status, "status");
    expect(byName.kind).toBe("STATUS_KIND_OBSERVING");
    expect(byNumber.kind).toBe("STATUS_KIND_OBSERVING");

    const kindsByName = arr((await call(`${STATUS}/ListStatus`, { kinds: ["STATUS_KIND_OBSERVING"] })).statuses, "statuses");
    const kindsByNumber = arr((await call(`${STATUS}/ListStatus`, { kinds: [7] })).statuses, "statuses");
    expect(kindsByName.map((s) => s.id)).toEqual([byName.id, byNumber.id]);
    expect(kindsByNumber).toEqual(kindsByName);

    const item = await addItem({ name: uniq("enum-item"), initial_status_id: byName.id });
    expect(await listItemIds({ kinds: ["STATUS_KIND_OBSERVING"] })).toEqual([item.id]);
    expect(await listItemIds({ kinds: [7] })).toEqual([item.id]);
    expect(await listItemIds({ kinds: ["STATUS_KIND_OBSERVING", 1] })).toContain(item.id);

    await call(`${STATUS}/UpdateStatus`, { status_id: byNumber.id, kind: "STATUS_KIND_OFFLINE" });
    expect(obj((await call(`${STATUS}/GetStatus`, { status_id: byNumber.id })).status, "status").kind).toBe("STATUS_KIND_OFFLINE");
    await call(`${STATUS}/UpdateStatus`, { status_id: byNumber.id, kind: 9 });
    expect(obj((await call(`${STATUS}/GetStatus`, { status_id: byNumber.id })).status, "status").kind).toBe("STATUS_KIND_ONLINE");
  });

  it("AddStatus without a color, as the original's Postman collection sends it, gets #5DFC0A", async () => {
    const status = obj((await call(`${STATUS}/AddStatus`, { name: uniq("no-color"), kind: "STATUS_KIND_UP" })).status, "status");
    expect(status.color).toBe("#5DFC0A");
    expect(obj((await call(`${STATUS}/GetStatus`, { status_id: status.id })).status, "status").color).toBe("#5DFC0A");
    const blank = obj((await call(`${STATUS}/AddStatus`, { name: uniq("blank-color"), color: "", kind: 2 })).status, "status");
    expect(blank.color).toBe("#5DFC0A");
    const item = await addItem({ name: uniq("no-color-item"), initial_status: { name: uniq("initial"), kind: "STATUS_KIND_DOWN" } });
    expect(obj(item.status, "status").color).toBe("#5DFC0A");
  });
});

describe("responses", () => {
  it("omit empty fields: no description, status, notes or deleted when there are none", async () => {
    const item = await addItem({ name: uniq("bare") });
    // `position` (#15) is the item's place on the page: not empty here, where items came before it.
    expect(item.position).toBeGreaterThan(0);
    expect(Object.keys(item).sort()).toEqual(["id", "name", "position", "timestamps"]);
    expect(Object.keys(obj(item.timestamps, "timestamps")).sort()).toEqual(["created", "updated"]);
    expect(Object.keys(await getItem(String(item.id))).sort()).toEqual(["id", "name", "position", "timestamps"]);

    const status = obj((await call(`${STATUS}/AddStatus`, { name: uniq("bare-status"), color: "#000", kind: 1 })).status, "status");
    expect(Object.keys(status).sort()).toEqual(["color", "id", "kind", "name", "timestamps"]);
  });

  it("write timestamps as RFC 3339 UTC strings", async () => {
    const item = await addItem({ name: uniq("time") });
    const ts = obj(item.timestamps, "timestamps");
    expect(ts.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(Math.abs(Date.parse(String(ts.created)) - Date.now())).toBeLessThan(10_000);
  });

  it("ListItems omits notes unless extended; with extended it includes them", async () => {
    const item = await addItem({ name: uniq("ext"), initial_note_text: "hello" });
    const plain = arr((await call(`${ITEMS}/ListItems`, {})).items, "items").find((i) => i.id === item.id);
    expect(obj(plain, "item")).not.toHaveProperty("notes");
    const extended = arr((await call(`${ITEMS}/ListItems`, { extended: true })).items, "items").find((i) => i.id === item.id);
    expect(arr(obj(extended, "item").notes, "notes").map((n) => n.text)).toEqual(["hello"]);
  });

  it("answer {} for empty lists and for updates and deletes", async () => {
    const item = await addItem({ name: uniq("empty") });
    expect(await call(`${NOTES}/ListNotes`, { item_id: item.id })).toEqual({});
    expect(await call(`${ITEMS}/ListItems`, { status_ids: [ABSENT_ID] })).toEqual({});
    expect(await call(`${STATUS}/ListStatus`, { kinds: ["STATUS_KIND_DECOMM"] })).toEqual({});
    expect(await call(`${ITEMS}/UpdateItem`, { item_id: item.id, description: "x" })).toEqual({});
    expect(await call(`${ITEMS}/DeleteItem`, { item_id: item.id })).toEqual({});
  });
});

describe("errors", () => {
  /** POSTs, expecting a Connect error: returns it after checking its shape. */
  type ErrorBody = { code: string; message: string; details?: { type: string; value: string }[] };
  /** Expects Connect's JSON error body: code and message, and details only when a field is named. */
  async function error(procedure: string, body: string | object, httpStatus: number, code: string): Promise<ErrorBody> {
    const res = await post(procedure, body);
    expect(res.status, JSON.stringify(res.body)).toBe(httpStatus);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(["code,message", "code,details,message"]).toContain(Object.keys(res.body).sort().join(","));
    expect(res.body.code).toBe(code);
    expect(typeof res.body.message).toBe("string");
    return res.body as ErrorBody;
  }

  /** The fields a google.rpc.BadRequest detail names, as Connect's JSON error body carries it. */
  const namedFields = (body: ErrorBody) =>
    (body.details ?? [])
      .filter((d) => d.type === "google.rpc.BadRequest")
      .map((d) => fromBinary(BadRequestSchema, Buffer.from(d.value, "base64")).fieldViolations.map((v) => v.field));

  it("not_found is HTTP 404 {code, message} naming what was not found", async () => {
    expect((await error(`${ITEMS}/GetItem`, { item_id: ABSENT_ID }, 404, "not_found")).message).toMatch(new RegExp(`item.*${ABSENT_ID}`));
    expect((await error(`${STATUS}/GetStatus`, { status_id: ABSENT_ID }, 404, "not_found")).message).toMatch(new RegExp(`status.*${ABSENT_ID}`));
    expect((await error(`${NOTES}/GetNote`, { note_id: ABSENT_ID }, 404, "not_found")).message).toMatch(new RegExp(`note.*${ABSENT_ID}`));
    expect((await error(`${NOTES}/AddNote`, { item_id: ABSENT_ID, note_text: "x" }, 404, "not_found")).message).toContain(ABSENT_ID);
  });

  it("invalid_argument is HTTP 400 naming the field", async () => {
    const missingName = await error(`${ITEMS}/AddItem`, {}, 400, "invalid_argument");
    expect(missingName.message).toContain("name");
    expect(namedFields(missingName)).toEqual([["name"]]);
    expect((await error(`${STATUS}/AddStatus`, { name: uniq("k"), color: "#000" }, 400, "invalid_argument")).message).toContain("kind");
    expect((await error(`${STATUS}/AddStatus`, { name: uniq("k"), color: "pink", kind: 1 }, 400, "invalid_argument")).message).toContain("color");
  });

  it("already_exists is HTTP 409", async () => {
    const name = uniq("API");
    await addItem({ name });
    expect(namedFields(await error(`${ITEMS}/AddItem`, { name: ` ${name.toLowerCase()} ` }, 409, "already_exists"))).toEqual([["name"]]);
    await error(`${STATUS}/AddStatus`, { name: "up", color: "#000", kind: 1 }, 409, "already_exists");
  });

  it("unauthenticated is HTTP 401 for a write without credentials, and nothing is written", async () => {
    const name = uniq("anonymous");
    const res = await fetch(`${server.url}/${ITEMS}/AddItem`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    expect(res.status).toBe(401);
    const body = (await res.json()) as Json;
    // Connect's error shape and nothing else; since #12 every error has details (its ErrorInfo).
    expect(Object.keys(body).sort()).toEqual(["code", "details", "message"]);
    expect((body.details as Json[]).map((d) => [d.type, d.debug])).toEqual([["google.rpc.ErrorInfo", { reason: "LOGIN_REQUIRED", domain: "statusthing.dev" }]]);
    expect(body.code).toBe("unauthenticated");
    const listed = await call(`${ITEMS}/ListItems`, {});
    expect(((listed.items ?? []) as Json[]).map((i) => i.name)).not.toContain(name);
  });

  it("failed_precondition is HTTP 400 with 'status is used by N items'", async () => {
    const status = obj((await call(`${STATUS}/AddStatus`, { name: uniq("used"), color: "#000", kind: 2 })).status, "status");
    await addItem({ name: uniq("user-a"), initial_status_id: status.id });
    await addItem({ name: uniq("user-b"), initial_status_id: status.id });
    const body = await error(`${STATUS}/DeleteStatus`, { status_id: status.id }, 400, "failed_precondition");
    expect(body.message).toBe("status is used by 2 items");
  });
});
