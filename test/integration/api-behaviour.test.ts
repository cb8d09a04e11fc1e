/**
 * The behaviour table and the validation rules of ARCHITECTURE.md, checked through real clients
 * over every wire protocol the one port serves. Each protocol gets its own server (and database),
 * so counts and orders seen in one block are not disturbed by another.
 */
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import KSUID from "ksuid";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Item, Note, Status } from "../../shared/gen/statusthing/v1/types_pb.js";
import { StatusKind } from "../../shared/gen/statusthing/v1/types_pb.js";
import { createClients, createTransport, PROTOCOLS, type ApiClients } from "../helpers/clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const KSUID_PATTERN = /^[0-9A-Za-z]{27}$/;

/** The error a call failed with; fails the test if the call succeeded. */
async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail, but it succeeded");
}

/** Asserts that `call` fails with `code` and that the message contains every fragment. */
async function expectCode(call: Promise<unknown>, code: Code, ...fragments: string[]): Promise<ConnectError> {
  const error = await failure(call);
  // Compare names, so a failure reads "NotFound" vs "InvalidArgument" rather than 5 vs 3.
  expect(Code[error.code], `message: ${error.rawMessage}`).toBe(Code[code]);
  for (const fragment of fragments) expect(error.rawMessage).toContain(fragment);
  return error;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

function ms(ts: Timestamp | undefined): number {
  return timestampDate(must(ts, "timestamp")).getTime();
}

const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));

/** A syntactically valid id that no record has. */
const absentId = () => KSUID.randomSync().string;

describe.each(PROTOCOLS)("over %s", (protocol) => {
  let server: TestServer;
  let api: ApiClients;
  let counter = 0;
  /** A name no other test in this block uses. */
  const uniq = (base: string) => `${base}-${protocol}-${++counter}`;

  beforeAll(async () => {
    server = await startTestServer();
    // Clients made for a test server act as its admin (test/helpers/credentials.ts).
    api = createClients(createTransport(protocol, server.url));
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function addStatus(name = uniq("status"), kind = StatusKind.UP, color = "#123456"): Promise<Status> {
    return must((await api.statuses.addStatus({ name, kind, color })).status, "status");
  }
  async function addItem(name = uniq("item"), extra: Parameters<ApiClients["items"]["addItem"]>[0] = {}): Promise<Item> {
    return must((await api.items.addItem({ ...extra, name })).item, "item");
  }
  async function addNote(itemId: string, noteText: string): Promise<Note> {
    return must((await api.notes.addNote({ itemId, noteText })).note, "note");
  }
  async function getItem(itemId: string): Promise<Item> {
    return must((await api.items.getItem({ itemId })).item, "item");
  }
  async function getStatus(statusId: string): Promise<Status> {
    return must((await api.statuses.getStatus({ statusId })).status, "status");
  }
  /** Whether any item (or status) currently has this exact name. */
  async function itemNamed(name: string): Promise<Item | undefined> {
    return (await api.items.listItems({})).items.find((i) => i.name === name);
  }
  async function statusNamed(name: string): Promise<Status | undefined> {
    return (await api.statuses.listStatus({})).statuses.find((s) => s.name === name);
  }

  // Runs first, on this block's fresh database.
  it("starts with the default statuses UP, DOWN and WARNING, and no items", async () => {
    const { statuses } = await api.statuses.listStatus({});
    expect(statuses.map((s) => ({ name: s.name, color: s.color, kind: s.kind, description: s.description }))).toEqual([
      { name: "UP", color: "#5DFC0A", kind: StatusKind.UP, description: "" },
      { name: "DOWN", color: "#FF0000", kind: StatusKind.DOWN, description: "" },
      { name: "WARNING", color: "#EEEB8D", kind: StatusKind.WARNING, description: "" },
    ]);
    for (const s of statuses) expect(s.id).toMatch(KSUID_PATTERN);
    expect((await api.items.listItems({})).items).toEqual([]);
  });

  describe("ids", () => {
    it("gives items, statuses and notes 27-character base62 KSUIDs carrying their creation time", async () => {
      const item = await addItem(uniq("ids"), {
        initialStatus: { name: uniq("ids-status"), color: "#0F0", kind: StatusKind.ONLINE },
        initialNoteText: "first",
      });
      const status = must(item.status, "item.status");
      const note = must(item.notes[0], "initial note");
      for (const [id, created] of [
        [item.id, ms(item.timestamps?.created)],
        [status.id, ms(status.timestamps?.created)],
        [note.id, ms(note.timestamps?.created)],
      ] as const) {
        expect(id).toMatch(KSUID_PATTERN);
        // KSUIDs carry whole seconds.
        expect(Math.abs(KSUID.parse(id).date.getTime() - created)).toBeLessThan(2_000);
      }
      expect(new Set([item.id, status.id, note.id]).size).toBe(3);
    });
  });

  describe("ItemsService", () => {
    it("AddItem returns the stored item; GetItem and ListItems return the same", async () => {
      const name = uniq("web");
      const item = await addItem(name, { description: "the public site" });
      expect(item.name).toBe(name);
      expect(item.description).toBe("the public site");
      expect(item.status).toBeUndefined();
      expect(item.notes).toEqual([]);
      expect(ms(item.timestamps?.created)).toBe(ms(item.timestamps?.updated));
      expect(item.timestamps?.deleted).toBeUndefined();
      expect(Math.abs(ms(item.timestamps?.created) - Date.now())).toBeLessThan(10_000);

      const got = await getItem(item.id);
      expect(got).toEqual(item);
      const listed = (await api.items.listItems({})).items.find((i) => i.id === item.id);
      expect(listed).toEqual(item);
    });

    it("AddItem with initial_status creates that status and uses it", async () => {
      const statusName = uniq("degraded");
      const item = await addItem(uniq("db"), {
        initialStatus: { name: `  ${statusName}  `, description: "slow", color: "#f80", kind: StatusKind.WARNING },
      });
      const status = must(item.status, "item.status");
      expect(status.id).toMatch(KSUID_PATTERN);
      expect(status).toMatchObject({ name: statusName, description: "slow", color: "#FF8800", kind: StatusKind.WARNING });
      expect(await getStatus(status.id)).toEqual(status);
      expect((await statusNamed(statusName))?.id).toBe(status.id);
      expect((await getItem(item.id)).status).toEqual(status);
    });

    it("AddItem with initial_status_id uses the existing status", async () => {
      const status = await addStatus(uniq("maint"), StatusKind.UNAVAILABLE, "#00f");
      const item = await addItem(uniq("queue"), { initialStatusId: status.id });
      expect(item.status).toEqual(status);
      expect((await getItem(item.id)).status).toEqual(status);
    });

    it("AddItem with initial_note_text adds that note", async () => {
      const item = await addItem(uniq("mail"), { initialNoteText: "Migrating to the new relay" });
      expect(item.notes.map((n) => n.text)).toEqual(["Migrating to the new relay"]);
      const note = must(item.notes[0], "note");
      expect(note.id).toMatch(KSUID_PATTERN);
      expect((await api.notes.listNotes({ itemId: item.id })).notes).toEqual(item.notes);
      expect((await api.notes.getNote({ noteId: note.id })).note).toEqual(note);
    });

    it("AddItem with both initial_status_id and initial_status is invalid_argument and creates nothing", async () => {
      const existing = await addStatus();
      const name = uniq("both");
      const statusName = uniq("both-status");
      await expectCode(
        api.items.addItem({
          name,
          initialStatusId: existing.id,
          initialStatus: { name: statusName, color: "#000", kind: StatusKind.DOWN },
        }),
        Code.InvalidArgument,
        "initial_status",
      );
      expect(await itemNamed(name)).toBeUndefined();
      expect(await statusNamed(statusName)).toBeUndefined();
    });

    it("AddItem with a missing initial_status_id is not_found naming the status", async () => {
      const id = absentId();
      const name = uniq("orphan");
      await expectCode(api.items.addItem({ name, initialStatusId: id }), Code.NotFound, "status", id);
      expect(await itemNamed(name)).toBeUndefined();
    });

    it("UpdateItem changes only the fields given, sets updated and keeps created", async () => {
      const up = await addStatus(uniq("up"), StatusKind.UP);
      const down = await addStatus(uniq("down"), StatusKind.DOWN);
      const item = await addItem(uniq("cdn"), { description: "edge", initialStatusId: up.id });
      await sleep(15);
      // The (empty) answer says nothing: what the update did is read back below.
      await api.items.updateItem({ itemId: item.id, statusId: down.id });
      const afterStatus = await getItem(item.id);
      expect(afterStatus.name).toBe(item.name);
      expect(afterStatus.description).toBe("edge");
      expect(afterStatus.status?.id).toBe(down.id);
      expect(ms(afterStatus.timestamps?.created)).toBe(ms(item.timestamps?.created));
      expect(ms(afterStatus.timestamps?.updated)).toBeGreaterThan(ms(item.timestamps?.updated));

      await sleep(15);
      const newName = uniq("cdn-renamed");
      await api.items.updateItem({ itemId: item.id, name: `  ${newName} `, description: "edge network" });
      const afterRename = await getItem(item.id);
      expect(afterRename).toMatchObject({ name: newName, description: "edge network" });
      expect(afterRename.status?.id).toBe(down.id);
      expect(ms(afterRename.timestamps?.created)).toBe(ms(item.timestamps?.created));
      expect(ms(afterRename.timestamps?.updated)).toBeGreaterThan(ms(afterStatus.timestamps?.updated));
    });

    it("UpdateItem and UpdateStatus clear a description given as white space alone (empty means unchanged)", async () => {
      const status = await addStatus(uniq("described"), StatusKind.UP);
      await api.statuses.updateStatus({ statusId: status.id, description: "shown on the page" });
      const item = await addItem(uniq("clearable"), { description: "old words", initialStatusId: status.id });
      await api.items.updateItem({ itemId: item.id, description: " \n " });
      await api.statuses.updateStatus({ statusId: status.id, description: "  " });
      const after = await getItem(item.id);
      expect(after.description).toBe("");
      expect(after.status?.description).toBe("");
      // An empty description still means "leave it": the name alone changes.
      await api.items.updateItem({ itemId: item.id, description: "new words" });
      await api.items.updateItem({ itemId: item.id, name: uniq("renamed"), description: "" });
      expect((await getItem(item.id)).description).toBe("new words");
    });

    it("UpdateItem with nothing to change is invalid_argument", async () => {
      const item = await addItem();
      await expectCode(api.items.updateItem({ itemId: item.id }), Code.InvalidArgument);
      await expectCode(api.items.updateItem({ itemId: item.id, name: "   " }), Code.InvalidArgument);
      expect(await getItem(item.id)).toEqual(item);
    });

    it("UpdateItem to a missing status is not_found naming the status", async () => {
      const item = await addItem();
      const id = absentId();
      await expectCode(api.items.updateItem({ itemId: item.id, statusId: id }), Code.NotFound, "status", id);
      expect((await getItem(item.id)).status).toBeUndefined();
    });

    it("DeleteItem removes the item and its notes", async () => {
      const item = await addItem(uniq("legacy"), { initialNoteText: "retiring" });
      const second = await addNote(item.id, "gone on Friday");
      const firstId = must(item.notes[0], "note").id;
      await api.items.deleteItem({ itemId: item.id });
      await expectCode(api.items.getItem({ itemId: item.id }), Code.NotFound, "item", item.id);
      await expectCode(api.notes.getNote({ noteId: firstId }), Code.NotFound, "note", firstId);
      await expectCode(api.notes.getNote({ noteId: second.id }), Code.NotFound, "note", second.id);
      await expectCode(api.notes.listNotes({ itemId: item.id }), Code.NotFound, "item", item.id);
      expect(await itemNamed(item.name)).toBeUndefined();
      // The name is free again.
      await addItem(item.name);
    });

    it("ListItems includes notes only when extended is true; GetItem always does", async () => {
      const item = await addItem(uniq("notes"), { initialNoteText: "one" });
      await addNote(item.id, "two");
      const plain = (await api.items.listItems({})).items.find((i) => i.id === item.id);
      expect(must(plain, "listed item").notes).toEqual([]);
      const extended = (await api.items.listItems({ extended: true })).items.find((i) => i.id === item.id);
      expect(must(extended, "listed item").notes.map((n) => n.text)).toEqual(["one", "two"]);
      expect((await getItem(item.id)).notes.map((n) => n.text)).toEqual(["one", "two"]);
    });

    it("lists items in creation order, even when created within the same second", async () => {
      const prefix = uniq("order");
      const created: Item[] = [];
      for (let i = 0; i < 30; i++) created.push(await addItem(`${prefix}-${String(i).padStart(2, "0")}`));
      const listed = (await api.items.listItems({})).items.filter((i) => i.name.startsWith(`${prefix}-`));
      expect(listed.map((i) => i.id)).toEqual(created.map((i) => i.id));
      // The test means something only if id order differs from creation order (KSUIDs order by
      // second only); with 30 ids that happens all but always.
      expect([...created.map((i) => i.id)].sort()).not.toEqual(created.map((i) => i.id));
      const extended = (await api.items.listItems({ extended: true })).items.filter((i) => i.name.startsWith(`${prefix}-`));
      expect(extended.map((i) => i.id)).toEqual(created.map((i) => i.id));
    });

    it("ListItems filters by status_ids and by kinds", async () => {
      const decomm = await addStatus(uniq("decomm"), StatusKind.DECOMM);
      const observing = await addStatus(uniq("observing"), StatusKind.OBSERVING);
      const a = await addItem(uniq("f-a"), { initialStatusId: decomm.id });
      const b = await addItem(uniq("f-b"), { initialStatusId: observing.id });
      const c = await addItem(uniq("f-c"), { initialStatusId: decomm.id });
      const none = await addItem(uniq("f-none"));

      const byDecomm = await api.items.listItems({ statusIds: [decomm.id] });
      expect(byDecomm.items.map((i) => i.id)).toEqual([a.id, c.id]);
      const byBoth = await api.items.listItems({ statusIds: [decomm.id, observing.id] });
      expect(byBoth.items.map((i) => i.id)).toEqual([a.id, b.id, c.id]);
      const byMissing = await api.items.listItems({ statusIds: [absentId()] });
      expect(byMissing.items).toEqual([]);

      const byKind = await api.items.listItems({ kinds: [StatusKind.DECOMM] });
      for (const i of byKind.items) expect(i.status?.kind).toBe(StatusKind.DECOMM);
      const kindIds = byKind.items.map((i) => i.id);
      expect(kindIds).toEqual(expect.arrayContaining([a.id, c.id]));
      expect(kindIds).not.toContain(b.id);
      expect(kindIds).not.toContain(none.id);

      const byKinds = await api.items.listItems({ kinds: [StatusKind.DECOMM, StatusKind.OBSERVING] });
      const kindsIds = byKinds.items.map((i) => i.id);
      expect(kindsIds).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
      expect(kindsIds).not.toContain(none.id);

      const withNotes = await api.items.listItems({ statusIds: [decomm.id], extended: true });
      expect(withNotes.items.map((i) => i.id)).toEqual([a.id, c.id]);
    });

    it("missing items are not_found naming the item, in Get, Update, Delete", async () => {
      const id = absentId();
      await expectCode(api.items.getItem({ itemId: id }), Code.NotFound, "item", id);
      await expectCode(api.items.updateItem({ itemId: id, name: uniq("x") }), Code.NotFound, "item", id);
      await expectCode(api.items.deleteItem({ itemId: id }), Code.NotFound, "item", id);
    });

    it("an empty item_id is invalid_argument naming item_id", async () => {
      await expectCode(api.items.getItem({ itemId: "" }), Code.InvalidArgument, "item_id");
      await expectCode(api.items.updateItem({ itemId: "", name: "x" }), Code.InvalidArgument, "item_id");
      await expectCode(api.items.deleteItem({ itemId: "" }), Code.InvalidArgument, "item_id");
    });
  });

  describe("StatusService", () => {
    it("AddStatus returns the stored status; GetStatus and ListStatus return the same", async () => {
      const name = uniq("Partial outage");
      const status = must((await api.statuses.addStatus({ name, description: "some users affected", color: "#ffa500", kind: StatusKind.WARNING })).status, "status");
      expect(status).toMatchObject({ name, description: "some users affected", color: "#FFA500", kind: StatusKind.WARNING });
      expect(status.id).toMatch(KSUID_PATTERN);
      expect(ms(status.timestamps?.created)).toBe(ms(status.timestamps?.updated));
      expect(await getStatus(status.id)).toEqual(status);
      expect((await api.statuses.listStatus({})).statuses.find((s) => s.id === status.id)).toEqual(status);
    });

    it("accepts every defined kind", async () => {
      for (let kind = StatusKind.UP; kind <= StatusKind.DECOMM; kind++) {
        const status = await addStatus(uniq(`kind${kind}`), kind);
        expect(status.kind).toBe(kind);
      }
    });

    it("lists statuses in creation order after the defaults, and filters by kinds", async () => {
      const made: Status[] = [];
      for (let i = 0; i < 8; i++) made.push(await addStatus(uniq("s-order"), i % 2 === 0 ? StatusKind.INVESTIGATING : StatusKind.CREATED));
      const all = (await api.statuses.listStatus({})).statuses;
      expect(all.slice(0, 3).map((s) => s.name)).toEqual(["UP", "DOWN", "WARNING"]);
      const madeIds = new Set(made.map((s) => s.id));
      expect(all.filter((s) => madeIds.has(s.id)).map((s) => s.id)).toEqual(made.map((s) => s.id));

      const investigating = (await api.statuses.listStatus({ kinds: [StatusKind.INVESTIGATING] })).statuses;
      for (const s of investigating) expect(s.kind).toBe(StatusKind.INVESTIGATING);
      expect(investigating.filter((s) => madeIds.has(s.id)).map((s) => s.id)).toEqual(made.filter((s) => s.kind === StatusKind.INVESTIGATING).map((s) => s.id));
      const upDown = (await api.statuses.listStatus({ kinds: [StatusKind.UP, StatusKind.DOWN] })).statuses;
      expect(upDown.map((s) => s.name)).toEqual(expect.arrayContaining(["UP", "DOWN"]));
      for (const s of upDown) expect([StatusKind.UP, StatusKind.DOWN]).toContain(s.kind);
    });

    it("UpdateStatus changes only the fields given; kind UNKNOWN means unchanged; sets updated, keeps created", async () => {
      const status = await addStatus(uniq("deg"), StatusKind.WARNING, "#abcdef");
      await sleep(15);
      const newName = uniq("degraded");
      await api.statuses.updateStatus({ statusId: status.id, name: ` ${newName} `, kind: StatusKind.UNKNOWN });
      const renamed = await getStatus(status.id);
      expect(renamed).toMatchObject({ name: newName, color: "#ABCDEF", kind: StatusKind.WARNING, description: "" });
      expect(ms(renamed.timestamps?.created)).toBe(ms(status.timestamps?.created));
      expect(ms(renamed.timestamps?.updated)).toBeGreaterThan(ms(status.timestamps?.updated));

      await sleep(15);
      await api.statuses.updateStatus({ statusId: status.id, kind: StatusKind.DOWN, color: "#fed", description: "broken" });
      const changed = await getStatus(status.id);
      expect(changed).toMatchObject({ name: newName, color: "#FFEEDD", kind: StatusKind.DOWN, description: "broken" });
      expect(ms(changed.timestamps?.created)).toBe(ms(status.timestamps?.created));
      expect(ms(changed.timestamps?.updated)).toBeGreaterThan(ms(renamed.timestamps?.updated));
    });

    it("an item shows its status as updated", async () => {
      const status = await addStatus(uniq("shown"), StatusKind.UP, "#111111");
      const item = await addItem(uniq("shown-item"), { initialStatusId: status.id });
      await api.statuses.updateStatus({ statusId: status.id, color: "#222" });
      expect((await getItem(item.id)).status?.color).toBe("#222222");
    });

    it("UpdateStatus with nothing to change is invalid_argument", async () => {
      const status = await addStatus();
      await expectCode(api.statuses.updateStatus({ statusId: status.id }), Code.InvalidArgument);
      await expectCode(api.statuses.updateStatus({ statusId: status.id, kind: StatusKind.UNKNOWN }), Code.InvalidArgument);
      expect(await getStatus(status.id)).toEqual(status);
    });

    it("DeleteStatus of a status in use is failed_precondition 'status is used by N items'", async () => {
      const status = await addStatus(uniq("busy"));
      const a = await addItem(uniq("busy-a"), { initialStatusId: status.id });
      await addItem(uniq("busy-b"), { initialStatusId: status.id });
      await expectCode(api.statuses.deleteStatus({ statusId: status.id }), Code.FailedPrecondition, "status is used by 2 items");
      expect(await getStatus(status.id)).toEqual(status);

      const other = await addStatus();
      const items = (await api.items.listItems({ statusIds: [status.id] })).items;
      await api.items.updateItem({ itemId: a.id, statusId: other.id });
      const one = await failure(api.statuses.deleteStatus({ statusId: status.id }));
      expect(Code[one.code]).toBe(Code[Code.FailedPrecondition]);
      expect(one.rawMessage).toMatch(/^status is used by 1 items?$/);

      for (const i of items) await api.items.updateItem({ itemId: i.id, statusId: other.id });
      await api.statuses.deleteStatus({ statusId: status.id });
      await expectCode(api.statuses.getStatus({ statusId: status.id }), Code.NotFound, "status", status.id);
      expect(await statusNamed(status.name)).toBeUndefined();
    });

    it("missing statuses are not_found naming the status, in Get, Update, Delete", async () => {
      const id = absentId();
      await expectCode(api.statuses.getStatus({ statusId: id }), Code.NotFound, "status", id);
      await expectCode(api.statuses.updateStatus({ statusId: id, name: uniq("x") }), Code.NotFound, "status", id);
      await expectCode(api.statuses.deleteStatus({ statusId: id }), Code.NotFound, "status", id);
    });

    it("an empty status_id is invalid_argument naming status_id", async () => {
      await expectCode(api.statuses.getStatus({ statusId: "" }), Code.InvalidArgument, "status_id");
      await expectCode(api.statuses.updateStatus({ statusId: "", name: "x" }), Code.InvalidArgument, "status_id");
      await expectCode(api.statuses.deleteStatus({ statusId: "" }), Code.InvalidArgument, "status_id");
    });
  });

  describe("NotesService", () => {
    it("AddNote, GetNote, ListNotes, UpdateNote, DeleteNote", async () => {
      const item = await addItem();
      const note = await addNote(item.id, "Investigating elevated error rates");
      expect(note.id).toMatch(KSUID_PATTERN);
      expect(note.text).toBe("Investigating elevated error rates");
      expect(ms(note.timestamps?.created)).toBe(ms(note.timestamps?.updated));
      expect((await api.notes.getNote({ noteId: note.id })).note).toEqual(note);
      expect((await api.notes.listNotes({ itemId: item.id })).notes).toEqual([note]);

      await sleep(15);
      await api.notes.updateNote({ noteId: note.id, noteText: "Fixed" });
      const updated = must((await api.notes.getNote({ noteId: note.id })).note, "note");
      expect(updated.text).toBe("Fixed");
      expect(ms(updated.timestamps?.created)).toBe(ms(note.timestamps?.created));
      expect(ms(updated.timestamps?.updated)).toBeGreaterThan(ms(note.timestamps?.updated));

      await api.notes.deleteNote({ noteId: note.id });
      await expectCode(api.notes.getNote({ noteId: note.id }), Code.NotFound, "note", note.id);
      expect((await api.notes.listNotes({ itemId: item.id })).notes).toEqual([]);
      expect((await getItem(item.id)).notes).toEqual([]);
    });

    it("allows two notes with the same text", async () => {
      const item = await addItem();
      const a = await addNote(item.id, "Still investigating");
      const b = await addNote(item.id, "Still investigating");
      expect(a.id).not.toBe(b.id);
      expect((await api.notes.listNotes({ itemId: item.id })).notes.map((n) => n.id)).toEqual([a.id, b.id]);
      // The same text on another item, too.
      const other = await addItem();
      await addNote(other.id, "Still investigating");
    });

    it("lists notes in creation order, in ListNotes, GetItem and extended ListItems", async () => {
      const item = await addItem();
      const made: Note[] = [];
      for (let i = 0; i < 12; i++) made.push(await addNote(item.id, `update ${i}`));
      const ids = made.map((n) => n.id);
      expect((await api.notes.listNotes({ itemId: item.id })).notes.map((n) => n.id)).toEqual(ids);
      expect((await getItem(item.id)).notes.map((n) => n.id)).toEqual(ids);
      const listed = (await api.items.listItems({ extended: true })).items.find((i) => i.id === item.id);
      expect(must(listed, "item").notes.map((n) => n.id)).toEqual(ids);
    });

    it("missing notes and items are not_found naming what was not found", async () => {
      const id = absentId();
      await expectCode(api.notes.getNote({ noteId: id }), Code.NotFound, "note", id);
      await expectCode(api.notes.updateNote({ noteId: id, noteText: "x" }), Code.NotFound, "note", id);
      await expectCode(api.notes.deleteNote({ noteId: id }), Code.NotFound, "note", id);
      await expectCode(api.notes.listNotes({ itemId: id }), Code.NotFound, "item", id);
      await expectCode(api.notes.addNote({ itemId: id, noteText: "x" }), Code.NotFound, "item", id);
    });

    it("an empty note_id or item_id is invalid_argument naming the field", async () => {
      await expectCode(api.notes.getNote({ noteId: "" }), Code.InvalidArgument, "note_id");
      await expectCode(api.notes.updateNote({ noteId: "", noteText: "x" }), Code.InvalidArgument, "note_id");
      await expectCode(api.notes.deleteNote({ noteId: "" }), Code.InvalidArgument, "note_id");
      await expectCode(api.notes.listNotes({ itemId: "" }), Code.InvalidArgument, "item_id");
      await expectCode(api.notes.addNote({ itemId: "", noteText: "x" }), Code.InvalidArgument, "item_id");
    });
  });

  describe("names are unique after trimming, case-insensitively", () => {
    it("refuses a second item named ' api ' next to 'API' with already_exists", async () => {
      const base = uniq("API");
      await addItem(base);
      await expectCode(api.items.addItem({ name: ` ${base.toLowerCase()} ` }), Code.AlreadyExists);
      await expectCode(api.items.addItem({ name: base }), Code.AlreadyExists);
      expect((await api.items.listItems({})).items.filter((i) => i.name.toLowerCase() === base.toLowerCase())).toHaveLength(1);
    });

    it("refuses renaming an item onto another item's name, but allows recasing its own", async () => {
      const base = uniq("Billing");
      await addItem(base);
      const other = await addItem();
      await expectCode(api.items.updateItem({ itemId: other.id, name: `  ${base.toUpperCase()}` }), Code.AlreadyExists);
      expect((await getItem(other.id)).name).toBe(other.name);
      await api.items.updateItem({ itemId: other.id, name: other.name.toUpperCase() });
      expect((await getItem(other.id)).name).toBe(other.name.toUpperCase());
    });

    it("refuses a second status named ' api ' next to 'API', and ' up ' next to the default UP", async () => {
      const base = uniq("API");
      await addStatus(base);
      await expectCode(api.statuses.addStatus({ name: ` ${base.toLowerCase()} `, color: "#000", kind: StatusKind.UP }), Code.AlreadyExists);
      await expectCode(api.statuses.addStatus({ name: " up ", color: "#000", kind: StatusKind.UP }), Code.AlreadyExists);
      const other = await addStatus();
      await expectCode(api.statuses.updateStatus({ statusId: other.id, name: "Down" }), Code.AlreadyExists);
      expect((await getStatus(other.id)).name).toBe(other.name);
    });

    it("AddItem whose new initial_status name is taken fails whole: no item is created", async () => {
      const name = uniq("dup-status-item");
      await expectCode(api.items.addItem({ name, initialStatus: { name: "warning", color: "#000", kind: StatusKind.WARNING } }), Code.AlreadyExists);
      expect(await itemNamed(name)).toBeUndefined();
    });

    it("AddItem whose name is taken fails whole: its new initial_status is not created", async () => {
      const name = uniq("taken");
      await addItem(name);
      const statusName = uniq("never");
      await expectCode(api.items.addItem({ name, initialStatus: { name: statusName, color: "#000", kind: StatusKind.DOWN }, initialNoteText: "x" }), Code.AlreadyExists);
      expect(await statusNamed(statusName)).toBeUndefined();
    });
  });

  describe("validation", () => {
    const n = (count: number, ch = "n") => ch.repeat(count);

    it("item names: 1-200 characters after trimming, stored trimmed", async () => {
      const ok200 = `${uniq("x")}-`.padEnd(200, "n");
      expect((await addItem(ok200)).name).toBe(ok200);
      const padded = `${uniq("y")}-`.padEnd(200, "n");
      expect((await addItem(`   ${padded}\t `)).name).toBe(padded);
      // 200 characters outside the BMP are 400 UTF-16 units, and still 200 characters.
      const prefix = `${uniq("z")}-`;
      const astral = prefix + "𝒜".repeat(200 - prefix.length);
      expect((await addItem(astral)).name).toBe(astral);

      const too = `${uniq("x")}-`.padEnd(201, "n");
      await expectCode(api.items.addItem({ name: too }), Code.InvalidArgument, "name");
      await expectCode(api.items.addItem({ name: "" }), Code.InvalidArgument, "name");
      await expectCode(api.items.addItem({ name: " \t\n " }), Code.InvalidArgument, "name");
      expect(await itemNamed(too)).toBeUndefined();

      const item = await addItem();
      await expectCode(api.items.updateItem({ itemId: item.id, name: too }), Code.InvalidArgument, "name");
      const okRename = `${uniq("r")}-`.padEnd(200, "n");
      await api.items.updateItem({ itemId: item.id, name: `  ${okRename}  ` });
      expect((await getItem(item.id)).name).toBe(okRename);
    });

    it("status names: 1-200 characters after trimming, stored trimmed", async () => {
      const ok200 = `${uniq("s")}-`.padEnd(200, "n");
      expect((await addStatus(` ${ok200} `)).name).toBe(ok200);
      const too = `${uniq("s")}-`.padEnd(201, "n");
      await expectCode(api.statuses.addStatus({ name: too, color: "#000", kind: StatusKind.UP }), Code.InvalidArgument, "name");
      await expectCode(api.statuses.addStatus({ name: "   ", color: "#000", kind: StatusKind.UP }), Code.InvalidArgument, "name");
      await expectCode(api.statuses.addStatus({ color: "#000", kind: StatusKind.UP }), Code.InvalidArgument, "name");
      const status = await addStatus();
      await expectCode(api.statuses.updateStatus({ statusId: status.id, name: too }), Code.InvalidArgument, "name");
      expect((await getStatus(status.id)).name).toBe(status.name);

      const itemName = uniq("with-bad-status");
      await expectCode(api.items.addItem({ name: itemName, initialStatus: { name: too, color: "#000", kind: StatusKind.UP } }), Code.InvalidArgument, "name");
      await expectCode(api.items.addItem({ name: itemName, initialStatus: { name: "  ", color: "#000", kind: StatusKind.UP } }), Code.InvalidArgument, "name");
      expect(await itemNamed(itemName)).toBeUndefined();
    });

    it("descriptions: at most 2,000 characters", async () => {
      expect((await addItem(uniq("d"), { description: n(2000, "d") })).description).toHaveLength(2000);
      const itemName = uniq("d");
      await expectCode(api.items.addItem({ name: itemName, description: n(2001, "d") }), Code.InvalidArgument, "description");
      expect(await itemNamed(itemName)).toBeUndefined();
      const item = await addItem();
      await expectCode(api.items.updateItem({ itemId: item.id, description: n(2001, "d") }), Code.InvalidArgument, "description");
      await api.items.updateItem({ itemId: item.id, description: n(2000, "e") });
      expect((await getItem(item.id)).description).toBe(n(2000, "e"));

      const s = must((await api.statuses.addStatus({ name: uniq("d"), description: n(2000, "d"), color: "#000", kind: StatusKind.UP })).status, "status");
      expect(s.description).toHaveLength(2000);
      await expectCode(api.statuses.addStatus({ name: uniq("d"), description: n(2001, "d"), color: "#000", kind: StatusKind.UP }), Code.InvalidArgument, "description");
      await expectCode(api.statuses.updateStatus({ statusId: s.id, description: n(2001, "d") }), Code.InvalidArgument, "description");
      await expectCode(
        api.items.addItem({ name: uniq("d"), initialStatus: { name: uniq("d"), description: n(2001), color: "#000", kind: StatusKind.UP } }),
        Code.InvalidArgument,
        "description",
      );
    });

    it("note text: 1-10,000 characters", async () => {
      const item = await addItem();
      expect((await addNote(item.id, n(10_000, "t"))).text).toHaveLength(10_000);
      await expectCode(api.notes.addNote({ itemId: item.id, noteText: n(10_001, "t") }), Code.InvalidArgument, "note_text");
      await expectCode(api.notes.addNote({ itemId: item.id, noteText: "" }), Code.InvalidArgument, "note_text");
      const note = await addNote(item.id, "short");
      await expectCode(api.notes.updateNote({ noteId: note.id, noteText: n(10_001, "t") }), Code.InvalidArgument, "note_text");
      await expectCode(api.notes.updateNote({ noteId: note.id, noteText: "" }), Code.InvalidArgument, "note_text");
      await api.notes.updateNote({ noteId: note.id, noteText: n(10_000, "u") });
      expect((await api.notes.getNote({ noteId: note.id })).note?.text).toBe(n(10_000, "u"));
      expect((await api.notes.listNotes({ itemId: item.id })).notes).toHaveLength(2);

      const itemName = uniq("long-initial-note");
      await expectCode(api.items.addItem({ name: itemName, initialNoteText: n(10_001, "t") }), Code.InvalidArgument, "initial_note_text");
      expect(await itemNamed(itemName)).toBeUndefined();
    });

    it("colors: #RGB or #RRGGBB, stored as uppercase #RRGGBB; nothing else", async () => {
      expect((await addStatus(uniq("c"), StatusKind.UP, "#abc")).color).toBe("#AABBCC");
      expect((await addStatus(uniq("c"), StatusKind.UP, "#a1B2c3")).color).toBe("#A1B2C3");
      expect((await addStatus(uniq("c"), StatusKind.UP, "#09F")).color).toBe("#0099FF");
      // An empty color is no longer refused: AddStatus defaults it to #5DFC0A (issue #10.17).
      expect((await addStatus(uniq("c"), StatusKind.UP, "")).color).toBe("#5DFC0A");
      for (const bad of ["abc", "#ab", "#abcd", "#abcde", "#abcdeff", "#ggg", "red", "rgb(1,2,3)", "#abc;x", "#12345g", "##abc"]) {
        const name = uniq("bad-color");
        await expectCode(api.statuses.addStatus({ name, color: bad, kind: StatusKind.UP }), Code.InvalidArgument, "color");
        expect(await statusNamed(name)).toBeUndefined();
      }
      const s = await addStatus();
      await api.statuses.updateStatus({ statusId: s.id, color: "#def" });
      expect((await getStatus(s.id)).color).toBe("#DDEEFF");
      await expectCode(api.statuses.updateStatus({ statusId: s.id, color: "blue" }), Code.InvalidArgument, "color");
      expect((await getStatus(s.id)).color).toBe("#DDEEFF");
      await expectCode(api.items.addItem({ name: uniq("c"), initialStatus: { name: uniq("c"), color: "orange", kind: StatusKind.UP } }), Code.InvalidArgument, "color");
    });

    it("kinds: AddStatus needs a defined kind other than UNKNOWN, naming the field", async () => {
      const name = uniq("no-kind");
      await expectCode(api.statuses.addStatus({ name, color: "#000" }), Code.InvalidArgument, "kind");
      await expectCode(api.statuses.addStatus({ name, color: "#000", kind: StatusKind.UNKNOWN }), Code.InvalidArgument, "kind");
      await expectCode(api.statuses.addStatus({ name, color: "#000", kind: 12 as StatusKind }), Code.InvalidArgument, "kind");
      await expectCode(api.statuses.addStatus({ name, color: "#000", kind: -1 as StatusKind }), Code.InvalidArgument, "kind");
      expect(await statusNamed(name)).toBeUndefined();
      const itemName = uniq("no-kind-item");
      await expectCode(api.items.addItem({ name: itemName, initialStatus: { name: uniq("k"), color: "#000" } }), Code.InvalidArgument, "kind");
      expect(await itemNamed(itemName)).toBeUndefined();
      const s = await addStatus(uniq("k"), StatusKind.AVAILABLE);
      await expectCode(api.statuses.updateStatus({ statusId: s.id, kind: 12 as StatusKind }), Code.InvalidArgument, "kind");
      expect((await getStatus(s.id)).kind).toBe(StatusKind.AVAILABLE);
    });

    it("kinds filters must be defined kinds", async () => {
      await expectCode(api.items.listItems({ kinds: [12 as StatusKind] }), Code.InvalidArgument, "kinds");
      await expectCode(api.statuses.listStatus({ kinds: [99 as StatusKind] }), Code.InvalidArgument, "kinds");
    });
  });
});
