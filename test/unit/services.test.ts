import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DESCRIPTION_MAX, NAME_MAX, NOTE_TEXT_MAX } from "../../shared/limits.js";
import type { StatusRecord } from "../../server/domain.js";
import { DomainError } from "../../server/errors.js";
import type { ServiceDeps } from "../../server/service/deps.js";
import { ItemsService, type ItemChanges, type ItemInput } from "../../server/service/items.js";
import { NotesService } from "../../server/service/notes.js";
import { StatusesService, type StatusInput } from "../../server/service/statuses.js";
import { SqliteStore } from "../../server/store/sqlite/sqlite-store.js";
import { caught, expectDomainError } from "../../server/store/conformance.js";

const T0 = new Date("2024-05-01T09:00:00.000Z");
const T1 = new Date("2024-05-01T09:05:00.000Z");
const T2 = new Date("2024-05-01T10:00:00.000Z");
const T3 = new Date("2024-05-02T00:00:00.000Z");

let dir: string;
let dbPath: string;
let store: SqliteStore;
let clock: Date;
let commits: number;
/** Runs inside the store's commit hook; lets a test look at the database at that moment. */
let onCommit: (() => void) | undefined;
let statuses: StatusesService;
let items: ItemsService;
let notes: NotesService;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "statusthing-services-"));
  dbPath = join(dir, "statusthing.db");
  store = new SqliteStore({ path: dbPath });
  clock = T0;
  commits = 0;
  onCommit = undefined;
  store.onCommit(() => {
    commits++;
    onCommit?.();
  });
  const deps: ServiceDeps = { store, now: () => clock };
  statuses = new StatusesService(deps);
  items = new ItemsService(deps, statuses);
  notes = new NotesService(deps);
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const statusInput = (fields: Partial<StatusInput> = {}): StatusInput => ({ name: "Up", description: "", color: "#0F0", kind: 1, ...fields });
const itemInput = (fields: Partial<ItemInput> = {}): ItemInput => ({
  name: "Web",
  description: "",
  initialStatusId: "",
  initialStatus: undefined,
  initialNoteText: "",
  ...fields,
});
const noChange: ItemChanges = { name: "", description: "", statusId: "" };
const noStatusChange: StatusInput = { name: "", description: "", color: "", kind: 0 };

/** Asserts invalid_argument naming `field`, and that nothing was committed. */
async function expectInvalid(field: string, action: () => unknown): Promise<DomainError> {
  const before = commits;
  const error = await expectDomainError(action, "invalid_argument");
  expect(error.field).toBe(field);
  expect(error.message).toContain(field);
  expect(commits).toBe(before);
  return error;
}

const x = (n: number) => "x".repeat(n);
const emoji = (n: number) => "\u{1F600}".repeat(n);

describe("timestamps", () => {
  it("sets created and updated from the clock when a status is added, and only updated when it changes", async () => {
    const status = await statuses.add(statusInput());
    expect(status.created).toEqual(T0);
    expect(status.updated).toEqual(T0);
    clock = T1;
    const changed = await statuses.update(status.id, { ...noStatusChange, description: "all good" });
    expect(changed.created).toEqual(T0);
    expect(changed.updated).toEqual(T1);
    expect(await statuses.get(status.id)).toMatchObject({ created: T0, updated: T1, description: "all good" });
  });

  it("sets an item's updated on every change and keeps created", async () => {
    const up = await statuses.add(statusInput());
    const down = await statuses.add(statusInput({ name: "Down", kind: 2 }));
    const item = await items.add(itemInput({ initialStatusId: up.id }));
    expect(item).toMatchObject({ created: T0, updated: T0 });

    clock = T1;
    await items.update(item.id, { ...noChange, statusId: down.id });
    expect(await items.get(item.id)).toMatchObject({ created: T0, updated: T1, status: { id: down.id } });

    clock = T2;
    await items.update(item.id, { ...noChange, description: "the public site" });
    expect(await items.get(item.id)).toMatchObject({ created: T0, updated: T2, description: "the public site" });

    clock = T3;
    await items.update(item.id, { ...noChange, name: "Website" });
    expect(await items.get(item.id)).toMatchObject({ created: T0, updated: T3, name: "Website" });
  });

  it("sets a note's times, and marks its item updated when a note is added, edited or deleted", async () => {
    const item = await items.add(itemInput());
    clock = T1;
    const note = await notes.add(item.id, "investigating");
    expect(note).toMatchObject({ itemId: item.id, text: "investigating", created: T1, updated: T1 });
    expect(await items.get(item.id)).toMatchObject({ created: T0, updated: T1 });

    clock = T2;
    const edited = await notes.update(note.id, "identified");
    expect(edited).toMatchObject({ text: "identified", created: T1, updated: T2 });
    expect(await notes.get(note.id)).toEqual(edited);
    expect(await items.get(item.id)).toMatchObject({ created: T0, updated: T2 });

    clock = T3;
    await notes.delete(note.id);
    expect(await items.get(item.id)).toMatchObject({ created: T0, updated: T3, notes: [] });
  });

  it("gives a new item's first note the item's creation time", async () => {
    const item = await items.add(itemInput({ initialNoteText: "launched" }));
    expect(item.notes).toEqual([expect.objectContaining({ text: "launched", created: T0, updated: T0 })]);
    expect(await notes.list(item.id)).toEqual(item.notes);
  });
});

describe("behaviour", () => {
  it("trims names before storing them", async () => {
    const status = await statuses.add(statusInput({ name: "  Degraded \t" }));
    expect(status.name).toBe("Degraded");
    const item = await items.add(itemInput({ name: "\n Web  " }));
    expect(item.name).toBe("Web");
    await items.update(item.id, { ...noChange, name: "  Website " });
    expect((await items.get(item.id)).name).toBe("Website");
  });

  it("stores colors as uppercase #RRGGBB", async () => {
    expect((await statuses.add(statusInput({ name: "a", color: "#abc" }))).color).toBe("#AABBCC");
    expect((await statuses.add(statusInput({ name: "b", color: "#a1b2c3" }))).color).toBe("#A1B2C3");
    const c = await statuses.add(statusInput({ name: "c", color: "#FFF" }));
    expect((await statuses.update(c.id, { ...noStatusChange, color: "#0af" })).color).toBe("#00AAFF");
  });

  it("treats STATUS_KIND_UNKNOWN in an update as unchanged", async () => {
    const status = await statuses.add(statusInput({ kind: 3 }));
    const renamed = await statuses.update(status.id, { ...noStatusChange, name: "Warn", kind: 0 });
    expect(renamed).toMatchObject({ name: "Warn", kind: 3 });
    expect((await statuses.update(status.id, { ...noStatusChange, kind: 2 })).kind).toBe(2);
  });

  it("creates an item with a new status given inline", async () => {
    const item = await items.add(itemInput({ initialStatus: { id: "", name: "Observing", description: "d", color: "#123", kind: 7 } }));
    expect(item.status).toMatchObject({ name: "Observing", description: "d", color: "#112233", kind: 7 });
    expect((await statuses.list([])).map((s) => s.name)).toEqual(["Observing"]);
  });

  it("uses an existing status when initial_status carries only its id", async () => {
    const up = await statuses.add(statusInput());
    const item = await items.add(itemInput({ initialStatus: { id: up.id, name: "", description: "", color: "", kind: 0 } }));
    expect(item.status?.id).toBe(up.id);
    expect(await statuses.list([])).toHaveLength(1);
  });

  it("gives notes only when extended, and always in GetItem", async () => {
    const item = await items.add(itemInput({ initialNoteText: "hello" }));
    expect((await items.list({ statusIds: [], kinds: [], extended: false }))[0]?.notes).toBeUndefined();
    expect((await items.list({ statusIds: [], kinds: [], extended: true }))[0]?.notes?.map((n) => n.text)).toEqual(["hello"]);
    expect((await items.get(item.id)).notes?.map((n) => n.text)).toEqual(["hello"]);
  });

  it("seeds UP, DOWN and WARNING once", async () => {
    await statuses.seedDefaults();
    await statuses.seedDefaults();
    expect((await statuses.list([])).map((s) => [s.name, s.color, s.kind])).toEqual([
      ["UP", "#5DFC0A", 1],
      ["DOWN", "#FF0000", 2],
      ["WARNING", "#EEEB8D", 3],
    ]);
  });

  it("reports a missing record as not_found, naming what was not found", async () => {
    const missing = "2fdwXmXWWC2Ff7J3ZpeSQ1M2ABC";
    for (const action of [
      () => items.get(missing),
      () => items.update(missing, { ...noChange, name: "x" }),
      () => items.delete(missing),
      () => statuses.get(missing),
      () => statuses.update(missing, { ...noStatusChange, name: "x" }),
      () => statuses.delete(missing),
      () => notes.get(missing),
      () => notes.list(missing),
      () => notes.add(missing, "text"),
      () => notes.update(missing, "text"),
      () => notes.delete(missing),
      () => items.add(itemInput({ initialStatusId: missing })),
      () => items.add(itemInput({ initialStatus: { id: missing, name: "", description: "", color: "", kind: 0 } })),
    ]) {
      const error = await expectDomainError(action, "not_found");
      expect(error.message).toContain(missing);
    }
    expect(commits).toBe(0);
  });

  it("refuses a duplicate name as already_exists", async () => {
    await statuses.add(statusInput({ name: "Up" }));
    await expectDomainError(() => statuses.add(statusInput({ name: " UP " })), "already_exists");
    await items.add(itemInput({ name: "Web" }));
    await expectDomainError(() => items.add(itemInput({ name: "web" })), "already_exists");
  });

  it("refuses to delete a status in use as failed_precondition, saying how many items use it", async () => {
    const up = await statuses.add(statusInput());
    await items.add(itemInput({ name: "a", initialStatusId: up.id }));
    await items.add(itemInput({ name: "b", initialStatusId: up.id }));
    await items.add(itemInput({ name: "c", initialStatusId: up.id }));
    const error = await expectDomainError(() => statuses.delete(up.id), "failed_precondition");
    expect(error.message).toBe("status is used by 3 items");
  });

  it("deletes an item together with its notes", async () => {
    const item = await items.add(itemInput({ initialNoteText: "one" }));
    const second = await notes.add(item.id, "two");
    await items.delete(item.id);
    await expectDomainError(() => items.get(item.id), "not_found");
    await expectDomainError(() => notes.get(second.id), "not_found");
    await expectDomainError(() => notes.get(item.notes![0]!.id), "not_found");
  });
});

describe("validation: invalid_argument naming the field", () => {
  let up: StatusRecord;
  let itemId: string;
  let noteId: string;
  beforeEach(async () => {
    up = await statuses.add(statusInput({ name: "Existing" }));
    const item = await items.add(itemInput({ name: "Existing item", initialNoteText: "a note" }));
    itemId = item.id;
    noteId = item.notes![0]!.id;
    commits = 0;
  });

  describe("names: 1-200 characters after trimming", () => {
    it.each([
      ["empty", ""],
      ["only white space", " \t\n "],
      ["201 characters", x(NAME_MAX + 1)],
      ["201 emoji", emoji(NAME_MAX + 1)],
    ])("refuses a name that is %s", async (_what, name) => {
      await expectInvalid("name", () => items.add(itemInput({ name })));
      await expectInvalid("name", () => statuses.add(statusInput({ name })));
      await expectInvalid("initial_status.name", () => items.add(itemInput({ name: "New", initialStatus: { ...statusInput({ name }), id: "" } })));
    });

    it.each([
      ["201 characters", x(NAME_MAX + 1)],
      ["201 emoji", emoji(NAME_MAX + 1)],
    ])("refuses renaming to a name of %s", async (_what, name) => {
      await expectInvalid("name", () => items.update(itemId, { ...noChange, name }));
      await expectInvalid("name", () => statuses.update(up.id, { ...noStatusChange, name }));
    });

    it("accepts 200 characters, counting each emoji as one, and ignoring surrounding space", async () => {
      expect((await items.add(itemInput({ name: x(NAME_MAX) }))).name).toBe(x(NAME_MAX));
      expect((await items.add(itemInput({ name: emoji(NAME_MAX) }))).name).toBe(emoji(NAME_MAX));
      expect((await statuses.add(statusInput({ name: `  ${"s".repeat(NAME_MAX)}  ` }))).name).toBe("s".repeat(NAME_MAX));
    });
  });

  describe("descriptions: at most 2,000 characters", () => {
    it("refuses 2,001 characters everywhere a description is taken", async () => {
      const long = x(DESCRIPTION_MAX + 1);
      await expectInvalid("description", () => items.add(itemInput({ name: "New", description: long })));
      await expectInvalid("description", () => items.update(itemId, { ...noChange, description: long }));
      await expectInvalid("description", () => statuses.add(statusInput({ name: "New", description: long })));
      await expectInvalid("description", () => statuses.update(up.id, { ...noStatusChange, description: long }));
      await expectInvalid("initial_status.description", () =>
        items.add(itemInput({ name: "New", initialStatus: { ...statusInput({ name: "Fresh", description: long }), id: "" } })),
      );
      await expectInvalid("description", () => items.add(itemInput({ name: "New", description: emoji(DESCRIPTION_MAX + 1) })));
    });

    it("accepts exactly 2,000 characters", async () => {
      expect((await items.add(itemInput({ name: "New", description: emoji(DESCRIPTION_MAX) }))).description).toBe(emoji(DESCRIPTION_MAX));
      expect((await statuses.add(statusInput({ name: "New", description: x(DESCRIPTION_MAX) }))).description).toHaveLength(DESCRIPTION_MAX);
    });
  });

  describe("note text: 1-10,000 characters", () => {
    it.each([
      ["empty", ""],
      ["only white space", "  \n\t "],
      ["10,001 characters", x(NOTE_TEXT_MAX + 1)],
    ])("refuses note text that is %s", async (_what, text) => {
      await expectInvalid("note_text", () => notes.add(itemId, text));
      await expectInvalid("note_text", () => notes.update(noteId, text));
    });

    it.each([
      ["only white space", "   "],
      ["10,001 characters", x(NOTE_TEXT_MAX + 1)],
    ])("refuses an initial note that is %s", async (_what, text) => {
      await expectInvalid("initial_note_text", () => items.add(itemInput({ name: "New", initialNoteText: text })));
      expect((await items.list({ statusIds: [], kinds: [], extended: false })).map((i) => i.name)).toEqual(["Existing item"]);
    });

    it("accepts exactly 10,000 characters, counting each emoji as one", async () => {
      expect((await notes.add(itemId, emoji(NOTE_TEXT_MAX))).text).toBe(emoji(NOTE_TEXT_MAX));
      expect((await notes.update(noteId, x(NOTE_TEXT_MAX))).text).toHaveLength(NOTE_TEXT_MAX);
    });
  });

  describe("color: #RGB or #RRGGBB only", () => {
    it.each([["red"], ["#12"], ["#1234"], ["#12345"], ["#1234567"], ["123456"], ["#GGG"], ["#12345G"], ["#FFF;background:url(x)"], ["rgb(0,0,0)"]])("refuses %j", async (color) => {
      await expectInvalid("color", () => statuses.add(statusInput({ name: "New", color })));
      await expectInvalid("color", () => statuses.update(up.id, { ...noStatusChange, color }));
      await expectInvalid("initial_status.color", () => items.add(itemInput({ name: "New", initialStatus: { ...statusInput({ name: "Fresh", color }), id: "" } })));
    });

    // Issue #10.17: the original defaulted a missing color, and its Postman collection relies on it.
    it("gives a new status without a color the original's default, #5DFC0A", async () => {
      expect((await statuses.add(statusInput({ name: "New", color: "" }))).color).toBe("#5DFC0A");
    });
  });

  describe("kind: a defined StatusKind other than UNKNOWN", () => {
    it.each([[0], [12], [-1], [2.5], [99]])("refuses kind %d for a new status", async (kind) => {
      await expectInvalid("kind", () => statuses.add(statusInput({ name: "New", kind })));
      await expectInvalid("initial_status.kind", () => items.add(itemInput({ name: "New", initialStatus: { ...statusInput({ name: "Fresh", kind }), id: "" } })));
    });

    it.each([[12], [-1], [2.5]])("refuses kind %d in an update", async (kind) => {
      await expectInvalid("kind", () => statuses.update(up.id, { ...noStatusChange, kind }));
    });

    it("accepts every defined kind, 1 to 11", async () => {
      for (let kind = 1; kind <= 11; kind++) expect((await statuses.add(statusInput({ name: `kind ${kind}`, kind }))).kind).toBe(kind);
    });

    it.each([[12], [-1]])("refuses filtering by kind %d", async (kind) => {
      await expectInvalid("kinds", () => statuses.list([1, kind]));
      await expectInvalid("kinds", () => items.list({ statusIds: [], kinds: [kind], extended: false }));
    });
  });

  describe("ids are required", () => {
    it.each([[""], ["   "]])("refuses the id %j", async (id) => {
      await expectInvalid("item_id", () => items.get(id));
      await expectInvalid("item_id", () => items.update(id, { ...noChange, name: "x" }));
      await expectInvalid("item_id", () => items.delete(id));
      await expectInvalid("status_id", () => statuses.get(id));
      await expectInvalid("status_id", () => statuses.update(id, { ...noStatusChange, name: "x" }));
      await expectInvalid("status_id", () => statuses.delete(id));
      await expectInvalid("note_id", () => notes.get(id));
      await expectInvalid("note_id", () => notes.update(id, "text"));
      await expectInvalid("note_id", () => notes.delete(id));
      await expectInvalid("item_id", () => notes.list(id));
      await expectInvalid("item_id", () => notes.add(id, "text"));
    });
  });

  describe("updates must change something", () => {
    it("refuses an item update with nothing to change", async () => {
      const before = await items.get(itemId);
      const error = await expectDomainError(() => items.update(itemId, noChange), "invalid_argument");
      expect(error.message).toMatch(/nothing to change/);
      expect(await items.get(itemId)).toEqual(before);
      expect(commits).toBe(0);
    });

    it("refuses a status update with nothing to change (kind UNKNOWN counts as nothing)", async () => {
      const error = await expectDomainError(() => statuses.update(up.id, noStatusChange), "invalid_argument");
      expect(error.message).toMatch(/nothing to change/);
      expect(await statuses.get(up.id)).toEqual(up);
      expect(commits).toBe(0);
    });
  });

  it("refuses initial_status_id together with initial_status", async () => {
    await expectInvalid("initial_status", () => items.add(itemInput({ name: "New", initialStatusId: up.id, initialStatus: { ...statusInput({ name: "Fresh" }), id: "" } })));
    expect((await statuses.list([])).map((s) => s.name)).toEqual(["Existing"]);
  });
});

describe("the store's commit hook (onCommit)", () => {
  it("is called once after each successful write, with the change already committed", async () => {
    const reader = new BetterSqlite3(dbPath, { readonly: true });
    try {
      const visible: Array<[string, number]> = [];
      const count = (table: string) => reader.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
      onCommit = () => visible.push(["statuses", count("statuses")], ["items", count("items")], ["notes", count("notes")]);

      const up = await statuses.add(statusInput());
      expect(commits).toBe(1);
      expect(visible.splice(0)).toEqual([
        ["statuses", 1],
        ["items", 0],
        ["notes", 0],
      ]);

      const item = await items.add(itemInput({ initialStatusId: up.id }));
      expect(commits).toBe(2);
      expect(visible.splice(0)).toEqual([
        ["statuses", 1],
        ["items", 1],
        ["notes", 0],
      ]);

      const note = await notes.add(item.id, "hello");
      expect(commits).toBe(3);
      expect(visible.splice(0)).toEqual([
        ["statuses", 1],
        ["items", 1],
        ["notes", 1],
      ]);

      onCommit = undefined;
      await statuses.update(up.id, { ...noStatusChange, name: "Operational" });
      await items.update(item.id, { ...noChange, name: "Site" });
      await notes.update(note.id, "edited");
      expect(commits).toBe(6);
      await notes.delete(note.id);
      await items.delete(item.id);
      await statuses.delete(up.id);
      expect(commits).toBe(9);
    } finally {
      reader.close();
    }
  });

  it("is not called when a write fails, in validation or in the store", async () => {
    const up = await statuses.add(statusInput());
    const item = await items.add(itemInput({ initialStatusId: up.id }));
    commits = 0;
    const failures = [
      () => statuses.add(statusInput({ name: "" })),
      () => statuses.add(statusInput({ name: "up" })),
      () => statuses.update(up.id, { ...noStatusChange, color: "blue" }),
      () => statuses.delete(up.id),
      () => items.add(itemInput({ name: "WEB" })),
      () => items.add(itemInput({ name: "Other", initialStatusId: "nope" })),
      () => items.update(item.id, noChange),
      () => items.update(item.id, { ...noChange, statusId: "nope" }),
      () => items.delete("nope"),
      () => notes.add(item.id, ""),
      () => notes.add("nope", "text"),
      () => notes.update("nope", "text"),
      () => notes.delete("nope"),
    ];
    for (const failure of failures) expect(await caught(failure)).toBeInstanceOf(DomainError);
    expect(commits).toBe(0);
  });

  it("is not called for reads", async () => {
    const item = await items.add(itemInput({ initialNoteText: "n" }));
    commits = 0;
    await items.get(item.id);
    await items.list({ statusIds: [], kinds: [], extended: true });
    await statuses.list([]);
    await notes.list(item.id);
    await notes.get(item.notes![0]!.id);
    expect(commits).toBe(0);
  });
});
