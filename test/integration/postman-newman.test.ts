/**
 * The original Go StatusThing's Postman collection, end to end through newman (Postman's own
 * runner, via its Node API). The collection is another project's file and is not copied here:
 * this is an equivalent Postman v2.1 collection built in code, with the same 15 requests and
 * bodies (all `POST http://{{grpc_address}}/statusthing.v1.<Service>/<Rpc>`, JSON), ordered so
 * the ids chain (AddStatus → status_id, AddItem → item_id, AddNote → note_id), plus what our
 * server needs and the original did not: a Bearer token for writes, at the collection level.
 * Every request has pm.test assertions on its status code and body; any failure fails the test.
 */
import newman from "newman";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

/** One request of the collection: where it goes, what it sends, and its test script. */
function request(name: string, service: "StatusService" | "ItemsService" | "NotesService", rpc: string, body: object, tests: string) {
  return {
    name,
    event: [
      {
        listen: "test",
        script: {
          type: "text/javascript",
          exec: tests
            .trim()
            .split("\n")
            .map((l) => l.trim()),
        },
      },
    ],
    request: {
      method: "POST",
      header: [{ key: "Content-Type", value: "application/json" }],
      body: { mode: "raw", raw: JSON.stringify(body, null, 2), options: { raw: { language: "json" } } },
      url: {
        raw: `http://{{grpc_address}}/statusthing.v1.${service}/${rpc}`,
        protocol: "http",
        host: ["{{grpc_address}}"],
        path: [`statusthing.v1.${service}`, rpc],
      },
    },
  };
}

/** The assertion every successful call shares. */
const ok = `pm.test("200 OK", function () { pm.response.to.have.status(200); });`;
/** An RPC with an empty response answers `{}`. */
const emptyOk = `${ok}
pm.test("empty response", function () { pm.expect(pm.response.json()).to.eql({}); });`;

const listStatus = request(
  "ListStatus",
  "StatusService",
  "ListStatus",
  {},
  `${ok}
pm.test("the three default statuses", function () {
  var names = pm.response.json().statuses.map(function (s) { return s.name; });
  pm.expect(names).to.include.members(["UP", "DOWN", "WARNING"]);
});`,
);
// No color: the original defaults it to #5DFC0A, and so must we.
const addStatus = request(
  "AddStatus",
  "StatusService",
  "AddStatus",
  { name: "custom-status-name", kind: "STATUS_KIND_CREATED" },
  `${ok}
var status = pm.response.json().status;
pm.test("the status as added, with the default color", function () {
  pm.expect(status.id).to.match(/^[0-9A-Za-z]{27}$/);
  pm.expect(status.name).to.eql("custom-status-name");
  pm.expect(status.kind).to.eql("STATUS_KIND_CREATED");
  pm.expect(status.color).to.eql("#5DFC0A");
});
pm.environment.set("status_id", status.id);`,
);
const getStatus = request(
  "GetStatus",
  "StatusService",
  "GetStatus",
  { status_id: "{{status_id}}" },
  `${ok}
pm.test("the status added", function () {
  var status = pm.response.json().status;
  pm.expect(status.id).to.eql(pm.environment.get("status_id"));
  pm.expect(status.name).to.eql("custom-status-name");
});`,
);
const updateStatus = request("UpdateStatus", "StatusService", "UpdateStatus", { status_id: "{{status_id}}", kind: "STATUS_KIND_OFFLINE" }, emptyOk);
const deleteStatus = request("DeleteStatus", "StatusService", "DeleteStatus", { status_id: "{{status_id}}" }, emptyOk);

const listItems = request(
  "ListItems",
  "ItemsService",
  "ListItems",
  {},
  `${ok}
pm.test("an object (no items yet is {})", function () { pm.expect(pm.response.json()).to.be.an("object"); });`,
);
const addItem = request(
  "AddItem",
  "ItemsService",
  "AddItem",
  { name: "my-item-name" },
  `${ok}
var item = pm.response.json().item;
pm.test("the item as added", function () {
  pm.expect(item.id).to.match(/^[0-9A-Za-z]{27}$/);
  pm.expect(item.name).to.eql("my-item-name");
});
pm.environment.set("item_id", item.id);`,
);
const getItem = request(
  "GetItem",
  "ItemsService",
  "GetItem",
  { item_id: "{{item_id}}" },
  `${ok}
pm.test("the item added", function () {
  var item = pm.response.json().item;
  pm.expect(item.id).to.eql(pm.environment.get("item_id"));
  pm.expect(item.name).to.eql("my-item-name");
});`,
);
// Nothing to change: invalid_argument by design (the original answered 500).
const updateItem = request(
  "UpdateItem",
  "ItemsService",
  "UpdateItem",
  { item_id: "{{item_id}}" },
  `
pm.test("400 invalid_argument: nothing to change", function () {
  pm.response.to.have.status(400);
  pm.expect(pm.response.json().code).to.eql("invalid_argument");
});`,
);
const deleteItem = request("DeleteItem", "ItemsService", "DeleteItem", { item_id: "{{item_id}}" }, emptyOk);

const listNotes = request(
  "ListNotes",
  "NotesService",
  "ListNotes",
  { item_id: "{{item_id}}" },
  `${ok}
pm.test("a new item has no notes: {}", function () { pm.expect(pm.response.json()).to.eql({}); });`,
);
const addNote = request(
  "AddNote",
  "NotesService",
  "AddNote",
  { item_id: "{{item_id}}", note_text: "my-note-text" },
  `${ok}
var note = pm.response.json().note;
pm.test("the note as added", function () {
  pm.expect(note.id).to.match(/^[0-9A-Za-z]{27}$/);
  pm.expect(note.text).to.eql("my-note-text");
});
pm.environment.set("note_id", note.id);`,
);
const getNote = request(
  "GetNote",
  "NotesService",
  "GetNote",
  { note_id: "{{note_id}}" },
  `${ok}
pm.test("the note added", function () {
  var note = pm.response.json().note;
  pm.expect(note.id).to.eql(pm.environment.get("note_id"));
  pm.expect(note.text).to.eql("my-note-text");
});`,
);
const updateNote = request("UpdateNote", "NotesService", "UpdateNote", { note_id: "{{note_id}}", note_text: "my-updated-note-text" }, emptyOk);
const deleteNote = request("DeleteNote", "NotesService", "DeleteNote", { note_id: "{{note_id}}" }, emptyOk);

/** The collection: the original's three folders, then the deletes the chain needs last. */
const COLLECTION = {
  info: { name: "StatusThing (the original's requests)", schema: "https://schema.getpostman.com/json/collection/v2.1.0/collection.json" },
  auth: { type: "bearer", bearer: [{ key: "token", value: "{{token}}", type: "string" }] },
  item: [
    { name: "Status API", item: [listStatus, addStatus, getStatus, updateStatus] },
    { name: "Item API", item: [listItems, addItem, getItem, updateItem] },
    { name: "Note API", item: [listNotes, addNote, getNote, updateNote, deleteNote] },
    { name: "Clean up", item: [deleteItem, deleteStatus] },
  ],
};

/** Runs the collection against `server`; resolves with newman's summary. */
function runCollection(server: TestServer): Promise<newman.RunSummary> {
  const environment = {
    name: "statusthing test",
    values: [
      { key: "grpc_address", value: `127.0.0.1:${server.port}`, enabled: true },
      { key: "token", value: server.token, enabled: true },
    ],
  };
  return new Promise((resolve, reject) => {
    newman.run({ collection: COLLECTION, environment, reporters: [], timeoutRequest: 30_000 }, (error, summary) => (error ? reject(error) : resolve(summary)));
  });
}

describe("the original's Postman collection through newman", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("runs all 15 requests and passes every assertion", async () => {
    const summary = await runCollection(server);
    const failures = summary.run.failures.map((f) => `${f.source?.name ?? "?"}: ${f.error.test ?? f.error.name}: ${f.error.message}`);
    expect(failures).toEqual([]);
    expect(summary.run.executions.map((e) => e.item.name)).toEqual([
      "ListStatus",
      "AddStatus",
      "GetStatus",
      "UpdateStatus",
      "ListItems",
      "AddItem",
      "GetItem",
      "UpdateItem",
      "ListNotes",
      "AddNote",
      "GetNote",
      "UpdateNote",
      "DeleteNote",
      "DeleteItem",
      "DeleteStatus",
    ]);
    expect(summary.run.stats.requests).toMatchObject({ total: 15, failed: 0 });
    // Every request asserted something (a script that never ran would pass with nothing checked).
    expect(summary.run.stats.assertions.total).toBeGreaterThanOrEqual(29);
    expect(summary.run.stats.assertions.failed).toBe(0);
  }, 60_000);
});
