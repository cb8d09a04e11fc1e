/**
 * The store conformance suite: what every implementation of the `Store` contract must do, to
 * run against a store of one's own (see the README, "Your own store"). It runs under vitest,
 * whose test functions the caller passes in, so this module needs vitest only as a type:
 *
 *     import * as vitest from "vitest";
 *     describeStoreContract("MyStore", async () => ({ store, reopen, cleanup }), vitest);
 */
import type { ChangeRecord, ItemView, StatusRecord, StoreSnapshot } from "../domain.js";
import { PageReplay } from "./page-replay.js";
import { DomainError } from "../errors.js";
import { newId } from "../ids.js";
import { describeAccountsContract } from "./conformance-accounts.js";
import { describeGroupsContract } from "./conformance-groups.js";
import { describeSettingsContract } from "./conformance-settings.js";
import { describeCommitHookContract } from "./conformance-commits.js";
import { describeIncidentsContract } from "./conformance-incidents.js";
import { describeInletsContract } from "./conformance-inlets.js";
import { describeOutboxContract } from "./conformance-outbox.js";
import { describeMailContract } from "./conformance-mail.js";
import { caught, expectDomainError, newItem, newNote, newStatus, type StoreUnderTest, type TestFunctions } from "./conformance-fixtures.js";
import type { NewStatus, Store } from "./store.js";

export { caught, expectDomainError, newItem, newNote, newStatus, type StoreUnderTest, type TestFunctions };

const T0 = new Date("2024-03-01T10:00:00.000Z");
const T1 = new Date("2024-03-01T11:30:00.000Z");
const T2 = new Date("2024-03-02T08:15:00.000Z");

/** `count` fresh ids in descending order, so that ordering by id is the reverse of creation order. */
function descendingIds(count: number): string[] {
  return Array.from({ length: count }, () => newId()).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

const DEFAULTS = (): NewStatus[] => [
  newStatus("UP", { color: "#5DFC0A", kind: 1 }),
  newStatus("DOWN", { color: "#FF0000", kind: 2 }),
  newStatus("WARNING", { color: "#EEEB8D", kind: 3 }),
];

const time = (d: Date | undefined) => d?.getTime();

/**
 * The store conformance suite: what every implementation of the `Store` contract must do,
 * checked only through the interface and the DomainError kinds. Run it for each store, e.g.
 * `describeStoreContract("SqliteStore", async () => ({ store, reopen, cleanup }), vitest)`; a store
 * that keeps no email subscriptions passes `{ mail: false }` last.
 */
/** The optional parts of the contract a store leaves out (the server then runs without them). */
export interface OptionalParts {
  /** `Store.mail`: without it the server sends no email (GetSubscribeOptions says so). */
  mail?: boolean;
}

export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>, test: TestFunctions, keeps: OptionalParts = { mail: true }): void {
  const { describe, it, expect, beforeEach, afterEach } = test;
  describe(`Store contract: ${name}`, () => {
    let subject: StoreUnderTest;
    let store: Store;

    beforeEach(async () => {
      subject = await makeStore();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    /** Adds a status and returns what the store gave back. */
    const addStatus = (statusName: string, fields: Partial<StatusRecord> = {}) => store.addStatus(newStatus(statusName, fields));

    describe("statuses", () => {
      it("starts empty", async () => {
        expect(await store.listStatuses([])).toEqual([]);
        expect(await store.listItems({ statusIds: [], kinds: [], withNotes: true })).toEqual([]);
      });

      it("adds a status and reads it back with every field", async () => {
        const input = newStatus("Degraded", { description: "slow", color: "#FFA500", kind: 3, created: T0, updated: T1 });
        const added = await store.addStatus(input);
        expect(added).toEqual(input);
        expect(await store.getStatus(input.id)).toEqual(input);
      });

      it("returns undefined for a status that does not exist", async () => {
        expect(await store.getStatus(newId())).toBeUndefined();
      });

      it("lists statuses in creation order, also when created in the same millisecond", async () => {
        const ids = descendingIds(25);
        for (const [i, id] of ids.entries()) await store.addStatus(newStatus(`status ${i}`, { id }));
        expect((await store.listStatuses([])).map((s) => s.id)).toEqual(ids);
      });

      it("filters statuses by kind", async () => {
        const up = await addStatus("Up", { kind: 1 });
        const down = await addStatus("Down", { kind: 2 });
        const warn = await addStatus("Warn", { kind: 3 });
        expect((await store.listStatuses([2])).map((s) => s.id)).toEqual([down.id]);
        expect((await store.listStatuses([3, 1])).map((s) => s.id)).toEqual([up.id, warn.id]);
        expect(await store.listStatuses([11])).toEqual([]);
      });

      it("updates only the given fields, sets updated and keeps created", async () => {
        const status = await addStatus("Maintenance", { description: "planned", color: "#0000FF", kind: 4 });
        const renamed = await store.updateStatus(status.id, { name: "Planned maintenance", updated: T1 });
        expect(renamed).toEqual({ ...status, name: "Planned maintenance", updated: T1 });
        const recolored = await store.updateStatus(status.id, { color: "#123456", kind: 5, description: "", updated: T2 });
        expect(recolored).toEqual({ ...status, name: "Planned maintenance", color: "#123456", kind: 5, description: "", updated: T2 });
        expect(await store.getStatus(status.id)).toEqual(recolored);
      });

      it("refuses to update a status that does not exist", async () => {
        await expectDomainError(() => store.updateStatus(newId(), { name: "x", updated: T1 }), "not_found");
      });

      it("deletes a status", async () => {
        const keep = await addStatus("Keep");
        const gone = await addStatus("Gone");
        await store.deleteStatus(gone.id);
        expect(await store.getStatus(gone.id)).toBeUndefined();
        expect(await store.listStatuses([])).toEqual([keep]);
      });

      it("refuses to delete a status that does not exist", async () => {
        await expectDomainError(() => store.deleteStatus(newId()), "not_found");
      });

      it("refuses to delete a status used by items, saying how many, and keeps it", async () => {
        const status = await addStatus("Busy");
        await store.addItem(newItem("a", { statusId: status.id }));
        await store.addItem(newItem("b", { statusId: status.id }));
        const error = await expectDomainError(() => store.deleteStatus(status.id), "failed_precondition");
        expect(error.message).toMatch(/used by 2 items/);
        expect(await store.getStatus(status.id)).toEqual(status);
        expect((await store.listItems({ statusIds: [status.id], kinds: [], withNotes: false })).length).toBe(2);
      });

      it("allows deleting a status once no item uses it any more", async () => {
        const old = await addStatus("Old");
        const fresh = await addStatus("Fresh");
        const item = await store.addItem(newItem("svc", { statusId: old.id }));
        await store.updateItem(item.id, { statusId: fresh.id, updated: T1 });
        await store.deleteStatus(old.id);
        expect(await store.getStatus(old.id)).toBeUndefined();
      });
    });

    describe("name uniqueness (trimmed, case-insensitive)", () => {
      it.each([["Degraded"], ["degraded"], ["DEGRADED"], ["  Degraded  "], ["\tdEgRaDeD\n"]])("refuses a status named %j when 'Degraded' exists", async (taken) => {
        await addStatus("Degraded");
        await expectDomainError(() => addStatus(taken), "already_exists");
        expect((await store.listStatuses([])).map((s) => s.name)).toEqual(["Degraded"]);
      });

      it.each([["API"], ["api"], [" Api "]])("refuses an item named %j when 'API' exists", async (taken) => {
        await store.addItem(newItem("API"));
        await expectDomainError(() => store.addItem(newItem(taken)), "already_exists");
        expect((await store.listItems({ statusIds: [], kinds: [], withNotes: false })).map((i) => i.name)).toEqual(["API"]);
      });

      it("treats composed and decomposed accents as the same name", async () => {
        await store.addItem(newItem("Caf\u00e9"));
        await expectDomainError(() => store.addItem(newItem("CAFE\u0301")), "already_exists");
      });

      it("refuses renaming a status or an item onto a taken name, and leaves it unchanged", async () => {
        await addStatus("Up");
        const down = await addStatus("Down");
        await expectDomainError(() => store.updateStatus(down.id, { name: " UP ", updated: T1 }), "already_exists");
        expect(await store.getStatus(down.id)).toEqual(down);

        await store.addItem(newItem("Web"));
        const db = await store.addItem(newItem("Database"));
        await expectDomainError(() => store.updateItem(db.id, { name: "web", description: "changed", updated: T1 }), "already_exists");
        const after = await store.getItem(db.id, false);
        expect(after?.name).toBe("Database");
        expect(after?.description).toBe("");
        expect(time(after?.updated)).toBe(T0.getTime());
      });

      it("allows renaming a record to a different case of its own name", async () => {
        const status = await addStatus("degraded");
        expect((await store.updateStatus(status.id, { name: "Degraded", updated: T1 })).name).toBe("Degraded");
        const item = await store.addItem(newItem("web"));
        expect((await store.updateItem(item.id, { name: "WEB", updated: T1 })).name).toBe("WEB");
      });

      it("frees a name when its record is deleted", async () => {
        const status = await addStatus("Temp");
        await store.deleteStatus(status.id);
        await expect(addStatus("temp")).resolves.toMatchObject({ name: "temp" });
        const item = await store.addItem(newItem("Temp item"));
        await store.deleteItem(item.id);
        await expect(store.addItem(newItem("TEMP ITEM"))).resolves.toMatchObject({ name: "TEMP ITEM" });
      });

      it("keeps item names and status names apart", async () => {
        await addStatus("Core");
        await expect(store.addItem(newItem("Core"))).resolves.toMatchObject({ name: "Core" });
      });
    });

    describe("items", () => {
      it("adds an item with an existing status and reads it back", async () => {
        const status = await addStatus("Up");
        const input = newItem("Web", { description: "the site", statusId: status.id, created: T1 });
        const added = await store.addItem(input);
        expect(added).toMatchObject({ id: input.id, name: "Web", description: "the site", status });
        expect(time(added.created)).toBe(T1.getTime());
        expect(time(added.updated)).toBe(T1.getTime());
        const read = await store.getItem(input.id, true);
        expect(read).toEqual({ id: input.id, name: "Web", description: "the site", status, notes: [], position: 0, created: T1, updated: T1 });
      });

      it("adds an item without a status", async () => {
        const item = await store.addItem(newItem("Loose"));
        expect((await store.getItem(item.id, false))?.status).toBeUndefined();
      });

      it("adds an item together with a new status", async () => {
        const status = newStatus("Brand new", { kind: 6, color: "#ABCDEF" });
        const item = await store.addItem(newItem("Svc", { newStatus: status }));
        expect(item.status).toEqual(status);
        expect(await store.getStatus(status.id)).toEqual(status);
        expect((await store.getItem(item.id, false))?.status).toEqual(status);
      });

      it("adds an item with its first note", async () => {
        const input = newItem("Svc");
        const note = newNote(input.id, "first!");
        await store.addItem({ ...input, initialNote: note });
        expect((await store.getItem(input.id, true))?.notes).toEqual([note]);
        expect(await store.getNote(note.id)).toEqual(note);
      });

      it("refuses an item whose status does not exist, and creates nothing", async () => {
        const input = newItem("Orphan", { statusId: newId() });
        await expectDomainError(() => store.addItem({ ...input, initialNote: newNote(input.id, "hi") }), "not_found");
        expect(await store.getItem(input.id, true)).toBeUndefined();
        expect(await store.listItems({ statusIds: [], kinds: [], withNotes: false })).toEqual([]);
      });

      it("is atomic: a taken item name leaves no new status and no note behind", async () => {
        await store.addItem(newItem("Taken"));
        const status = newStatus("Would be new");
        const input = newItem("taken", { newStatus: status });
        const note = newNote(input.id, "never");
        await expectDomainError(() => store.addItem({ ...input, initialNote: note }), "already_exists");
        expect(await store.getStatus(status.id)).toBeUndefined();
        expect(await store.listStatuses([])).toEqual([]);
        expect(await store.getNote(note.id)).toBeUndefined();
        // The name of the status that was rolled back is still free.
        await expect(addStatus("Would be new")).resolves.toMatchObject({ name: "Would be new" });
      });

      it("is atomic: a taken name for the new status leaves no item behind", async () => {
        await addStatus("Existing");
        const input = newItem("Fresh item", { newStatus: newStatus("existing") });
        await expectDomainError(() => store.addItem(input), "already_exists");
        expect(await store.getItem(input.id, false)).toBeUndefined();
        await expect(store.addItem(newItem("Fresh item"))).resolves.toMatchObject({ name: "Fresh item" });
      });

      it("returns undefined for an item that does not exist", async () => {
        expect(await store.getItem(newId(), true)).toBeUndefined();
      });

      it("gives notes only when asked", async () => {
        const item = await store.addItem(newItem("Svc"));
        await store.addNote(newNote(item.id, "one"));
        expect((await store.getItem(item.id, false))?.notes).toBeUndefined();
        expect((await store.getItem(item.id, true))?.notes?.map((n) => n.text)).toEqual(["one"]);
        const [listed] = await store.listItems({ statusIds: [], kinds: [], withNotes: false });
        expect(listed?.notes).toBeUndefined();
        const [extended] = await store.listItems({ statusIds: [], kinds: [], withNotes: true });
        expect(extended?.notes?.map((n) => n.text)).toEqual(["one"]);
      });

      it("lists items in creation order, also when created in the same millisecond", async () => {
        const ids = descendingIds(25);
        for (const [i, id] of ids.entries()) await store.addItem(newItem(`item ${i}`, { id, created: T0 }));
        expect((await store.listItems({ statusIds: [], kinds: [], withNotes: false })).map((i) => i.id)).toEqual(ids);
        expect((await store.listItems({ statusIds: [], kinds: [], withNotes: true })).map((i) => i.id)).toEqual(ids);
      });

      it("lists each item with its own notes in creation order, and [] when it has none", async () => {
        const a = await store.addItem(newItem("a"));
        const b = await store.addItem(newItem("b"));
        const c = await store.addItem(newItem("c"));
        await store.addNote(newNote(b.id, "b1"));
        await store.addNote(newNote(a.id, "a1"));
        await store.addNote(newNote(b.id, "b2"));
        const list = await store.listItems({ statusIds: [], kinds: [], withNotes: true });
        expect(list.map((i) => [i.id, i.notes?.map((n) => n.text)])).toEqual([
          [a.id, ["a1"]],
          [b.id, ["b1", "b2"]],
          [c.id, []],
        ]);
      });

      it("filters items by status id and by kind", async () => {
        const up = await addStatus("Up", { kind: 1 });
        const down = await addStatus("Down", { kind: 2 });
        const alsoDown = await addStatus("Also down", { kind: 2 });
        const web = await store.addItem(newItem("web", { statusId: up.id }));
        const db = await store.addItem(newItem("db", { statusId: down.id }));
        const mail = await store.addItem(newItem("mail", { statusId: alsoDown.id }));
        const none = await store.addItem(newItem("none"));
        const ids = async (filter: { statusIds?: string[]; kinds?: number[] }) =>
          (await store.listItems({ statusIds: filter.statusIds ?? [], kinds: filter.kinds ?? [], withNotes: false })).map((i) => i.id);
        expect(await ids({})).toEqual([web.id, db.id, mail.id, none.id]);
        expect(await ids({ statusIds: [down.id] })).toEqual([db.id]);
        expect(await ids({ statusIds: [alsoDown.id, up.id] })).toEqual([web.id, mail.id]);
        expect(await ids({ kinds: [2] })).toEqual([db.id, mail.id]);
        expect(await ids({ kinds: [1, 2], statusIds: [down.id] })).toEqual([db.id]);
        expect(await ids({ kinds: [5] })).toEqual([]);
        expect(await ids({ statusIds: [newId()] })).toEqual([]);
      });

      it("shows a status change on every item that uses the status", async () => {
        const status = await addStatus("Up", { color: "#00FF00" });
        const item = await store.addItem(newItem("web", { statusId: status.id }));
        await store.updateStatus(status.id, { name: "Operational", color: "#00AA00", updated: T1 });
        const [listed] = await store.listItems({ statusIds: [], kinds: [], withNotes: false });
        expect(listed?.status).toMatchObject({ name: "Operational", color: "#00AA00" });
        expect((await store.getItem(item.id, false))?.status?.name).toBe("Operational");
      });

      it("updates only the given fields, sets updated and keeps created", async () => {
        const up = await addStatus("Up");
        const down = await addStatus("Down", { kind: 2 });
        const item = await store.addItem(newItem("web", { description: "site", statusId: up.id, created: T0 }));
        const moved = await store.updateItem(item.id, { statusId: down.id, updated: T1 });
        expect(moved).toMatchObject({ name: "web", description: "site", status: down });
        expect(time(moved.created)).toBe(T0.getTime());
        expect(time(moved.updated)).toBe(T1.getTime());
        const renamed = await store.updateItem(item.id, { name: "Website", description: "public site", updated: T2 });
        expect(renamed).toMatchObject({ name: "Website", description: "public site", status: down });
        expect(time(renamed.updated)).toBe(T2.getTime());
        const read = await store.getItem(item.id, false);
        expect(read).toMatchObject({ name: "Website", description: "public site", status: down });
        expect(time(read?.created)).toBe(T0.getTime());
        expect(time(read?.updated)).toBe(T2.getTime());
      });

      it("refuses to update an item that does not exist", async () => {
        await expectDomainError(() => store.updateItem(newId(), { name: "x", updated: T1 }), "not_found");
      });

      it("refuses to move an item to a status that does not exist, and leaves it unchanged", async () => {
        const up = await addStatus("Up");
        const item = await store.addItem(newItem("web", { statusId: up.id }));
        await expectDomainError(() => store.updateItem(item.id, { statusId: newId(), name: "renamed", updated: T1 }), "not_found");
        const read = await store.getItem(item.id, false);
        expect(read?.name).toBe("web");
        expect(read?.status?.id).toBe(up.id);
      });

      it("deletes an item with all its notes, and nothing else", async () => {
        const doomed = await store.addItem(newItem("doomed"));
        const other = await store.addItem(newItem("other"));
        const notes = [newNote(doomed.id, "1"), newNote(doomed.id, "2"), newNote(doomed.id, "3")];
        for (const note of notes) await store.addNote(note);
        const kept = await store.addNote(newNote(other.id, "kept"));
        await store.deleteItem(doomed.id);
        expect(await store.getItem(doomed.id, true)).toBeUndefined();
        for (const note of notes) expect(await store.getNote(note.id)).toBeUndefined();
        await expectDomainError(() => store.listNotes(doomed.id), "not_found");
        expect(await store.getNote(kept.id)).toEqual(kept);
        expect((await store.listItems({ statusIds: [], kinds: [], withNotes: true })).map((i) => [i.id, i.notes?.length])).toEqual([[other.id, 1]]);
      });

      it("refuses to delete an item that does not exist", async () => {
        await expectDomainError(() => store.deleteItem(newId()), "not_found");
      });
    });

    describe("notes", () => {
      let item: ItemView;
      beforeEach(async () => {
        item = await store.addItem(newItem("Svc", { created: T0 }));
      });

      it("adds a note, reads it back, and marks its item updated", async () => {
        const note = newNote(item.id, "investigating", T1);
        expect(await store.addNote(note)).toEqual(note);
        expect(await store.getNote(note.id)).toEqual(note);
        const read = await store.getItem(item.id, true);
        expect(read?.notes).toEqual([note]);
        expect(time(read?.updated)).toBe(T1.getTime());
        expect(time(read?.created)).toBe(T0.getTime());
      });

      it("returns undefined for a note that does not exist", async () => {
        expect(await store.getNote(newId())).toBeUndefined();
      });

      it("refuses a note on an item that does not exist", async () => {
        const note = newNote(newId(), "lost");
        await expectDomainError(() => store.addNote(note), "not_found");
        expect(await store.getNote(note.id)).toBeUndefined();
      });

      it("allows two notes with the same text", async () => {
        await store.addNote(newNote(item.id, "same"));
        await store.addNote(newNote(item.id, "same"));
        expect((await store.listNotes(item.id)).map((n) => n.text)).toEqual(["same", "same"]);
      });

      it("lists notes in creation order, also when created in the same millisecond", async () => {
        const ids = descendingIds(25);
        for (const [i, id] of ids.entries()) await store.addNote({ ...newNote(item.id, `note ${i}`, T1), id });
        expect((await store.listNotes(item.id)).map((n) => n.id)).toEqual(ids);
        expect((await store.getItem(item.id, true))?.notes?.map((n) => n.id)).toEqual(ids);
      });

      it("lists only the notes of the given item", async () => {
        const other = await store.addItem(newItem("Other"));
        const mine = await store.addNote(newNote(item.id, "mine"));
        await store.addNote(newNote(other.id, "theirs"));
        expect(await store.listNotes(item.id)).toEqual([mine]);
      });

      it("refuses to list the notes of an item that does not exist", async () => {
        await expectDomainError(() => store.listNotes(newId()), "not_found");
      });

      it("updates a note's text, sets updated, keeps created, and marks its item updated", async () => {
        const note = await store.addNote(newNote(item.id, "draft", T0));
        const updated = await store.updateNote(note.id, "final", T2);
        expect(updated).toEqual({ ...note, text: "final", updated: T2 });
        expect(await store.getNote(note.id)).toEqual(updated);
        expect(time((await store.getItem(item.id, false))?.updated)).toBe(T2.getTime());
      });

      it("refuses to update a note that does not exist", async () => {
        await expectDomainError(() => store.updateNote(newId(), "text", T1), "not_found");
      });

      it("deletes a note and marks its item updated at the given time", async () => {
        const gone = await store.addNote(newNote(item.id, "gone", T0));
        const kept = await store.addNote(newNote(item.id, "kept", T0));
        await store.deleteNote(gone.id, T2);
        expect(await store.getNote(gone.id)).toBeUndefined();
        expect(await store.listNotes(item.id)).toEqual([kept]);
        expect(time((await store.getItem(item.id, false))?.updated)).toBe(T2.getTime());
      });

      it("refuses to delete a note that does not exist", async () => {
        await expectDomainError(() => store.deleteNote(newId(), T1), "not_found");
      });
    });

    describe("default statuses", () => {
      it("creates the defaults in order on a fresh store", async () => {
        const defaults = DEFAULTS();
        await store.seedDefaultStatuses(defaults);
        expect(await store.listStatuses([])).toEqual(defaults);
      });

      it("does not create them twice", async () => {
        await store.seedDefaultStatuses(DEFAULTS());
        await store.seedDefaultStatuses(DEFAULTS());
        expect((await store.listStatuses([])).map((s) => s.name)).toEqual(["UP", "DOWN", "WARNING"]);
      });

      it("keeps a status the user already made under a default's name", async () => {
        const mine = await addStatus("up", { color: "#123456", kind: 9 });
        await store.seedDefaultStatuses(DEFAULTS());
        const statuses = await store.listStatuses([]);
        expect(statuses.map((s) => s.name)).toEqual(["up", "DOWN", "WARNING"]);
        expect(statuses[0]).toEqual(mine);
      });

      it("seeds only once in the life of the data: deleted defaults do not come back after a restart", async () => {
        await store.seedDefaultStatuses(DEFAULTS());
        for (const status of await store.listStatuses([])) await store.deleteStatus(status.id);
        await store.seedDefaultStatuses(DEFAULTS());
        expect(await store.listStatuses([])).toEqual([]);

        store = await subject.reopen();
        await store.seedDefaultStatuses(DEFAULTS());
        expect(await store.listStatuses([])).toEqual([]);
      });
    });

    describe("change log", () => {
      /** Every retained change, oldest first. */
      const allChanges = () => store.readChanges(0, 1_000_000);
      /** The changes committed since `after`. */
      const since = (after: number) => store.readChanges(after, 1_000_000);
      const latest = async () => (await store.changeLogBounds()).latest;
      const summary = (changes: ChangeRecord[]) =>
        changes.map((c) =>
          c.kind === "item_upsert"
            ? `item_upsert ${c.item.name}`
            : c.kind === "status_upsert"
              ? `status_upsert ${c.status.name}`
              : c.kind === "group_upsert"
                ? `group_upsert ${c.group.name}`
                : c.kind === "settings_upsert"
                  ? `settings_upsert ${c.settings.name}`
                  : `${c.kind} ${"id" in c ? c.id : ""}`,
        );

      it("starts empty: latest 0, oldest 1, nothing to read, an empty snapshot at revision 0", async () => {
        expect(await store.changeLogBounds()).toEqual({ oldest: 1, latest: 0 });
        expect(await allChanges()).toEqual([]);
        expect(await store.snapshot()).toEqual({ revision: 0, items: [], statuses: [], groups: [] });
      });

      it("logs each write's changes with revisions that go up by one, carrying the records after the change", async () => {
        const up = await addStatus("Up");
        expect(await allChanges()).toEqual([{ revision: 1, kind: "status_upsert", status: up }]);

        const fresh = newStatus("Fresh", { kind: 2 });
        const input = newItem("web", { newStatus: fresh });
        const first = newNote(input.id, "hello", T1);
        await store.addItem({ ...input, initialNote: first });
        const afterAdd = await since(1);
        expect(afterAdd.map((c) => [c.revision, c.kind])).toEqual([
          [2, "status_upsert"],
          [3, "item_upsert"],
        ]);
        expect(afterAdd[0]).toMatchObject({ status: fresh });
        expect(afterAdd[1]).toEqual({ revision: 3, kind: "item_upsert", item: await store.getItem(input.id, true) });
        expect((afterAdd[1] as { item: ItemView }).item.notes).toEqual([first]);

        const second = await store.addNote(newNote(input.id, "second", T2));
        const [noteAdded] = await since(3);
        expect(noteAdded).toEqual({ revision: 4, kind: "item_upsert", item: await store.getItem(input.id, true) });
        expect((noteAdded as { item: ItemView }).item.notes?.map((n) => n.text)).toEqual(["hello", "second"]);

        await store.updateNote(second.id, "second, edited", T2);
        await store.deleteNote(first.id, T2);
        await store.updateItem(input.id, { description: "site", updated: T2 });
        const edits = await since(4);
        expect(edits.map((c) => [c.revision, c.kind])).toEqual([
          [5, "item_upsert"],
          [6, "item_upsert"],
          [7, "item_upsert"],
        ]);
        expect((edits[0] as { item: ItemView }).item.notes?.map((n) => n.text)).toEqual(["hello", "second, edited"]);
        expect((edits[1] as { item: ItemView }).item.notes?.map((n) => n.text)).toEqual(["second, edited"]);
        expect(edits[2]).toEqual({ revision: 7, kind: "item_upsert", item: await store.getItem(input.id, true) });

        await store.deleteItem(input.id);
        await store.deleteStatus(fresh.id);
        expect(await since(7)).toEqual([
          { revision: 8, kind: "item_delete", id: input.id },
          { revision: 9, kind: "status_delete", id: fresh.id },
        ]);
        expect(await store.changeLogBounds()).toEqual({ oldest: 1, latest: 9 });
      });

      it("follows a status change with a change of every item that shows the status", async () => {
        const up = await addStatus("Up");
        const other = await addStatus("Other");
        const a = await store.addItem(newItem("a", { statusId: up.id }));
        await store.addItem(newItem("b", { statusId: other.id }));
        const c = await store.addItem(newItem("c", { statusId: up.id }));
        const before = await latest();
        await store.updateStatus(up.id, { name: "Operational", updated: T1 });
        const changes = await since(before);
        expect(summary(changes)).toEqual(["status_upsert Operational", "item_upsert a", "item_upsert c"]);
        expect(changes.map((ch) => ch.revision)).toEqual([before + 1, before + 2, before + 3]);
        for (const [i, id] of [a.id, c.id].entries()) {
          expect(changes[i + 1]).toMatchObject({ kind: "item_upsert", item: { id, status: { name: "Operational", updated: T1 } } });
        }
      });

      it("logs each default status created by seeding, and nothing when seeding again", async () => {
        await store.seedDefaultStatuses(DEFAULTS());
        expect(summary(await allChanges())).toEqual(["status_upsert UP", "status_upsert DOWN", "status_upsert WARNING"]);
        await store.seedDefaultStatuses(DEFAULTS());
        expect(await latest()).toBe(3);
      });

      it("logs nothing for a write that fails", async () => {
        const up = await addStatus("Up");
        const item = await store.addItem(newItem("web", { statusId: up.id }));
        const before = await latest();
        const failures: Array<() => Promise<unknown>> = [
          () => addStatus("UP"),
          () => store.addItem(newItem("WEB", { newStatus: newStatus("never") })),
          () => store.addItem(newItem("x", { statusId: newId() })),
          () => store.updateStatus(newId(), { name: "x", updated: T1 }),
          () => store.deleteStatus(up.id),
          () => store.updateItem(item.id, { statusId: newId(), updated: T1 }),
          () => store.deleteItem(newId()),
          () => store.addNote(newNote(newId(), "x")),
          () => store.updateNote(newId(), "x", T1),
          () => store.deleteNote(newId(), T1),
        ];
        for (const failure of failures) expect(await caught(failure)).toBeInstanceOf(DomainError);
        expect(await latest()).toBe(before);
        expect(await since(before)).toEqual([]);
      });

      it("leaves no gap in revisions when a concurrent write fails", async () => {
        await store.addItem(newItem("Taken"));
        await Promise.allSettled([
          store.addItem(newItem("a")),
          store.addItem(newItem("taken", { newStatus: newStatus("ghost") })),
          store.addStatus(newStatus("b")),
          store.addItem(newItem("TAKEN")),
          store.addItem(newItem("c")),
        ]);
        const revisions = (await allChanges()).map((c) => c.revision);
        expect(revisions).toEqual([1, 2, 3, 4]);
        expect(await latest()).toBe(4);
      });

      it("reads changes after a revision, oldest first, at most the limit", async () => {
        for (let i = 0; i < 6; i++) await addStatus(`s${i}`);
        expect((await store.readChanges(2, 3)).map((c) => c.revision)).toEqual([3, 4, 5]);
        expect((await store.readChanges(5, 10)).map((c) => c.revision)).toEqual([6]);
        expect(await store.readChanges(6, 10)).toEqual([]);
      });

      it("gives snapshots that are exactly the log replayed up to their revision, also amid writes", async () => {
        const up = await addStatus("Up");
        let done = false;
        const writer = (async () => {
          for (let i = 0; i < 15; i++) {
            const item = await store.addItem(newItem(`svc ${i}`, { statusId: up.id }));
            await store.addNote(newNote(item.id, `note ${i}`));
            if (i % 3 === 0) await store.updateStatus(up.id, { description: `round ${i}`, updated: T1 });
            if (i % 4 === 0) await store.deleteItem(item.id);
          }
        })().finally(() => (done = true));
        const snapshots = [await store.snapshot()];
        while (!done) {
          snapshots.push(await store.snapshot());
          await new Promise((resolve) => setImmediate(resolve));
        }
        await writer;
        snapshots.push(await store.snapshot());
        // Snapshots were taken at many different revisions, not all before or after the writes.
        expect(new Set(snapshots.map((s) => s.revision)).size).toBeGreaterThan(5);

        const log = await allChanges();
        for (const snapshot of snapshots) {
          const items = new Map<string, ItemView>();
          const statuses = new Map<string, StatusRecord>();
          for (const change of log) {
            if (change.revision > snapshot.revision) break;
            if (change.kind === "item_upsert") items.set(change.item.id, change.item);
            else if (change.kind === "item_delete") items.delete(change.id);
            else if (change.kind === "status_upsert") statuses.set(change.status.id, change.status);
            else if (change.kind === "status_delete") statuses.delete(change.id);
          }
          const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
          expect([...snapshot.items].sort(byId), `snapshot at revision ${snapshot.revision}`).toEqual([...items.values()].sort(byId));
          expect([...snapshot.statuses].sort(byId), `snapshot at revision ${snapshot.revision}`).toEqual([...statuses.values()].sort(byId));
        }
        const final = snapshots[snapshots.length - 1]!;
        expect(final.revision).toBe(await latest());
        expect(final.items).toHaveLength(11);
      });

      it("prunes only what is outside both the newest N and the time window", async () => {
        for (let i = 0; i < 10; i++) await addStatus(`s${i}`);
        const hourAgo = new Date(Date.now() - 3_600_000);
        const inAnHour = new Date(Date.now() + 3_600_000);
        // Every change is newer than an hour ago: the time window keeps them all.
        expect(await store.pruneChanges(3, hourAgo)).toBe(0);
        expect(await store.changeLogBounds()).toEqual({ oldest: 1, latest: 10 });
        // All are older than in an hour: only the newest 3 stay.
        expect(await store.pruneChanges(3, inAnHour)).toBe(7);
        expect(await store.changeLogBounds()).toEqual({ oldest: 8, latest: 10 });
        expect((await allChanges()).map((c) => c.revision)).toEqual([8, 9, 10]);
        // The records themselves are untouched.
        expect(await store.listStatuses([])).toHaveLength(10);
      });

      it("never reuses a revision, even after pruning everything or a restart", async () => {
        for (let i = 0; i < 4; i++) await addStatus(`s${i}`);
        expect(await store.pruneChanges(0, new Date(Date.now() + 3_600_000))).toBe(4);
        expect(await store.changeLogBounds()).toEqual({ oldest: 5, latest: 4 });
        expect(await allChanges()).toEqual([]);
        await addStatus("after pruning");
        expect((await allChanges()).map((c) => c.revision)).toEqual([5]);

        store = await subject.reopen();
        expect(await store.changeLogBounds()).toEqual({ oldest: 5, latest: 5 });
        await addStatus("after restart");
        expect((await allChanges()).map((c) => c.revision)).toEqual([5, 6]);
        expect((await store.snapshot()).revision).toBe(6);
      });
    });

    describe("status history", () => {
      const transitions = async (itemId?: string) => store.recentTransitions(itemId, 100);
      const changeRevisionOf = async (itemId: string) => {
        const changes = await store.readChanges(0, 10_000);
        return changes.filter((c) => (c.kind === "item_upsert" && c.item.id === itemId) || (c.kind === "item_delete" && c.id === itemId)).map((c) => c.revision);
      };

      it("records an item's first status, each move, a kind change and its deletion, newest first, with the log's revisions", async () => {
        const up = await addStatus("Up", { kind: 1, color: "#00FF00" });
        const down = await addStatus("Down", { kind: 2, color: "#FF0000" });
        const item = await store.addItem(newItem("api", { statusId: up.id, created: T0 }));
        await store.updateItem(item.id, { statusId: down.id, updated: T1 });
        await store.updateStatus(down.id, { kind: 10, updated: T2 });
        await store.deleteItem(item.id);
        const history = await transitions(item.id);
        expect(history.map((t) => [t.status?.name, t.status?.kind, t.deleted])).toEqual([
          [undefined, undefined, true],
          ["Down", 10, false],
          ["Down", 2, false],
          ["Up", 1, false],
        ]);
        expect(history.map((t) => t.itemName)).toEqual(["api", "api", "api", "api"]);
        expect(time(history[3]!.at)).toBe(time(T0));
        expect(time(history[2]!.at)).toBe(time(T1));
        expect(time(history[1]!.at)).toBe(time(T2));
        expect(history.every((t) => !t.reconstructed)).toBe(true);
        // Each transition carries the revision of the change that made it.
        const revisions = await changeRevisionOf(item.id);
        for (const t of history) expect(revisions).toContain(t.revision);
        expect(history.map((t) => t.revision)).toEqual([...history.map((t) => t.revision)].sort((a, b) => b - a));
      });

      it("records nothing for a rename, a note, or a status's new name or color, and keeps the status as it was", async () => {
        const up = await addStatus("Up", { kind: 1, color: "#00FF00" });
        const item = await store.addItem(newItem("web", { statusId: up.id }));
        await store.updateItem(item.id, { name: "website", updated: T1 });
        await store.addNote(newNote(item.id, "deployed", T1));
        await store.updateItem(item.id, { statusId: up.id, updated: T1 });
        await store.updateStatus(up.id, { name: "Operational", color: "#00AA00", updated: T2 });
        const history = await transitions(item.id);
        expect(history).toHaveLength(1);
        expect(history[0]!.status).toEqual({ id: up.id, name: "Up", color: "#00FF00", kind: 1 });
        expect(history[0]!.itemName).toBe("web");
      });

      it("decides each transition of writes committed together against the one before it, a failed write's left out", async () => {
        const up = await addStatus("Up", { kind: 1 });
        const down = await addStatus("Down", { kind: 2 });
        const a = await store.addItem(newItem("a", { statusId: up.id }));
        const b = await store.addItem(newItem("b", { statusId: up.id }));
        const sizes: number[] = [];
        store.observeWrites?.((size) => sizes.push(size));
        const update = (id: string, statusId: string | undefined, name?: string) => store.updateItem(id, { statusId, name, updated: T1 });
        // Issued together, so they share a commit (group commit): a's own earlier writes in it decide.
        await Promise.all([update(a.id, down.id), update(b.id, down.id), update(a.id, down.id), update(a.id, undefined, "a2"), update(a.id, up.id), update(a.id, up.id)]);
        // The same with a write that fails in the middle: it records nothing, and the ones after it
        // are decided against the one before it that committed.
        const results = await Promise.allSettled([update(b.id, up.id), update(b.id, newId()), update(b.id, up.id), update(b.id, down.id), update(a.id, up.id)]);
        expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled", "fulfilled"]);
        if (store.observeWrites) expect(Math.max(...sizes)).toBeGreaterThan(1);
        expect((await transitions(a.id)).map((t) => [t.status?.name, t.itemName])).toEqual([
          ["Up", "a2"],
          ["Down", "a"],
          ["Up", "a"],
        ]);
        const history = await transitions(b.id);
        expect(history.map((t) => t.status?.name)).toEqual(["Down", "Up", "Down", "Up"]);
        const revisions = await changeRevisionOf(b.id);
        for (const t of history) expect(revisions).toContain(t.revision);
        expect(history.map((t) => t.revision)).toEqual([...history.map((t) => t.revision)].sort((x, y) => y - x));
      });

      it("keeps an item without a status, and the history of all items newest first across items", async () => {
        const up = await addStatus("Up", { kind: 1 });
        const a = await store.addItem(newItem("a"));
        const b = await store.addItem(newItem("b", { statusId: up.id }));
        await store.updateItem(a.id, { statusId: up.id, updated: T1 });
        const all = await transitions();
        expect(all.map((t) => [t.itemId, t.status?.name])).toEqual([
          [a.id, "Up"],
          [b.id, "Up"],
          [a.id, undefined],
        ]);
        expect((await store.recentTransitions(undefined, 2)).map((t) => t.itemId)).toEqual([a.id, b.id]);
      });

      it("rolls back with a failed write and keeps its history across a restart", async () => {
        const up = await addStatus("Up", { kind: 1 });
        const item = await store.addItem(newItem("kept", { statusId: up.id }));
        await store.addItem(newItem("Taken"));
        await expectDomainError(() => store.addItem(newItem(" taken ", { statusId: up.id })), "already_exists");
        await expectDomainError(() => store.updateItem(item.id, { statusId: newId(), updated: T1 }), "not_found");
        const results = await Promise.allSettled([store.addItem(newItem("TAKEN", { statusId: up.id })), store.addItem(newItem("concurrent", { statusId: up.id }))]);
        expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
        store = await subject.reopen();
        const all = await transitions();
        expect(all.map((t) => t.itemName)).toEqual(["concurrent", "Taken", "kept"]);
        expect(all.every((t) => t.revision > 0)).toBe(true);
      });

      it("gives the transitions after a revision, oldest first, for a reader that keeps up", async () => {
        const up = await addStatus("Up", { kind: 1 });
        const down = await addStatus("Down", { kind: 2 });
        const item = await store.addItem(newItem("api", { statusId: up.id, created: T0 }));
        const first = await store.transitionsAfter(-1);
        expect(first.map((t) => t.status?.name)).toEqual(["Up"]);
        await store.updateItem(item.id, { statusId: down.id, updated: T1 });
        await store.deleteItem(item.id);
        const next = await store.transitionsAfter(first[0]!.revision);
        expect(next.map((t) => [t.status?.name, t.deleted])).toEqual([
          ["Down", false],
          [undefined, true],
        ]);
        expect(next[0]!.revision).toBeLessThan(next[1]!.revision);
        expect(await store.transitionsAfter(next[1]!.revision)).toEqual([]);
      });

      it("replays its log forward to exactly the snapshot at any revision, across replay checkpoints", async () => {
        const up = await addStatus("Up", { kind: 1 });
        const down = await addStatus("Down", { kind: 2 });
        const snapshots: StoreSnapshot[] = [];
        const every = 60;
        const live: string[] = [];
        const notes = new Map<string, string[]>();
        // Mixed writes until the log passes two checkpoints; a snapshot now and then.
        for (let n = 0; (await store.changeLogBounds()).latest < 2 * every + 20; n++) {
          const pick = live[n % Math.max(1, live.length)];
          if (n % 9 === 0 || !pick) {
            const id = newId();
            const item = await store.addItem(newItem(`item ${n}`, { id, statusId: up.id, initialNote: n % 2 === 0 ? newNote(id, `first ${n}`) : undefined }));
            live.push(item.id);
            if (item.notes?.length)
              notes.set(
                item.id,
                item.notes.map((x) => x.id),
              );
          } else if (n % 9 === 1) await store.updateItem(pick, { name: `renamed ${n}`, description: `desc ${n}`, updated: T1 });
          else if (n % 9 === 2) await store.updateItem(pick, { statusId: n % 2 ? down.id : up.id, updated: T1 });
          else if (n % 9 === 3 || n % 9 === 4) {
            const note = await store.addNote(newNote(pick, `note ${n}`));
            notes.set(pick, [...(notes.get(pick) ?? []), note.id]);
          } else if (n % 9 === 5 && notes.get(pick)?.length) await store.updateNote(notes.get(pick)![0]!, `edited ${n}`, T2);
          else if (n % 9 === 6 && notes.get(pick)?.length) await store.deleteNote(notes.get(pick)!.shift()!, T2);
          else if (n % 9 === 7) await store.updateStatus(n % 2 ? down.id : up.id, { name: `Status ${n}`, updated: T2 });
          else if (n % 9 === 8 && live.length > 5) {
            await store.deleteItem(pick);
            live.splice(live.indexOf(pick), 1);
          }
          if (n % 7 === 0) snapshots.push(await store.snapshot());
        }
        snapshots.push(await store.snapshot());
        const replay = new PageReplay(store, every);
        const shuffled = [...snapshots].sort((a, b) => ((a.revision * 7919) % 101) - ((b.revision * 7919) % 101));
        for (const snapshot of shuffled) {
          const page = await replay.stateAt(snapshot.revision);
          expect(page.items, `revision ${snapshot.revision}`).toEqual(snapshot.items);
          expect(page.statuses, `revision ${snapshot.revision}`).toEqual(snapshot.statuses);
        }
      });

      it("places an instant in the change log: the newest change at or before it and when the next came", async () => {
        expect(await store.changeAt(new Date())).toEqual({ revision: 0, at: undefined, nextAt: undefined });
        await addStatus("Up", { kind: 1 });
        const { latest: first } = await store.changeLogBounds();
        await new Promise((resolve) => setTimeout(resolve, 20));
        const between = new Date();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await addStatus("Down", { kind: 2 });
        const atFirst = await store.changeAt(between);
        expect(atFirst.revision).toBe(first);
        expect(atFirst.at!.getTime()).toBeLessThanOrEqual(between.getTime());
        expect(atFirst.nextAt!.getTime()).toBeGreaterThan(between.getTime());
        const now = await store.changeAt(new Date(Date.now() + 1_000));
        expect(now.revision).toBe(first + 1);
        expect(now.nextAt).toBeUndefined();
        expect((await store.changeAt(new Date(0))).revision).toBe(0);
      });
    });

    describe("persistence", () => {
      it("keeps every record across a restart", async () => {
        const status = await addStatus("Up", { description: "all good" });
        const item = await store.addItem(newItem("web", { description: "site", statusId: status.id, created: T0 }));
        const note = await store.addNote(newNote(item.id, "deployed", T1));
        store = await subject.reopen();
        expect(await store.listStatuses([])).toEqual([status]);
        expect(await store.getItem(item.id, true)).toEqual({
          id: item.id,
          name: "web",
          description: "site",
          status,
          notes: [note],
          position: 0,
          created: T0,
          updated: T1,
        });
      });

      it("finishes writes that are still pending when it is closed", async () => {
        const writes = Array.from({ length: 20 }, (_, i) => store.addItem(newItem(`pending ${i}`)));
        await store.close();
        const settled = await Promise.allSettled(writes);
        const acknowledged = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value.id] : []));
        expect(acknowledged.length).toBe(20);
        store = await subject.reopen();
        const listed = (await store.listItems({ statusIds: [], kinds: [], withNotes: false })).map((i) => i.id);
        expect(listed.sort()).toEqual(acknowledged.sort());
      });
    });

    describe("concurrent writes", () => {
      it("commits many concurrent writes, each visible afterwards", async () => {
        const status = await addStatus("Up");
        const items = await Promise.all(Array.from({ length: 100 }, (_, i) => store.addItem(newItem(`svc ${i}`, { statusId: status.id }))));
        const notes = await Promise.all(items.map((it, i) => store.addNote(newNote(it.id, `note ${i}`))));
        const listed = await store.listItems({ statusIds: [], kinds: [], withNotes: true });
        expect(listed.map((i) => i.id).sort()).toEqual(items.map((i) => i.id).sort());
        for (const note of notes) expect(await store.getNote(note.id)).toEqual(note);
      });

      it("fails only the write that breaks a rule; the concurrent ones commit", async () => {
        await store.addItem(newItem("Taken"));
        const results = await Promise.allSettled([
          store.addItem(newItem("first")),
          store.addItem(newItem("second")),
          store.addItem(newItem(" TAKEN ", { newStatus: newStatus("ghost status") })),
          store.addItem(newItem("third")),
          store.addStatus(newStatus("fourth")),
        ]);
        expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
        const failure = results[2] as PromiseRejectedResult;
        expect(failure.reason).toBeInstanceOf(DomainError);
        expect((failure.reason as DomainError).kind).toBe("already_exists");
        // Concurrent writes have no order among themselves, so compare as sets.
        expect((await store.listItems({ statusIds: [], kinds: [], withNotes: false })).map((i) => i.name).sort()).toEqual(["Taken", "first", "second", "third"]);
        expect((await store.listStatuses([])).map((s) => s.name)).toEqual(["fourth"]);
      });
    });

    describeCommitHookContract(() => store, test);
    describeAccountsContract(() => store, test);
    describeIncidentsContract(() => store, test);
    describeGroupsContract(() => store, test);
    describeSettingsContract(
      () => store,
      async () => (store = await subject.reopen()),
      test,
    );
    describeOutboxContract(
      () => store,
      async () => (store = await subject.reopen()),
      test,
    );
    if (keeps.mail !== false) {
      describeMailContract(
        () => store,
        async () => (store = await subject.reopen()),
        test,
      );
    }
    describeInletsContract(
      () => store,
      () => subject.reopen().then((s) => (store = s)),
      test,
    );
  });
}
