import type { NoteRecord } from "../domain.js";
import { notFound } from "../errors.js";
import { newId } from "../ids.js";
import type { ServiceDeps } from "./deps.js";
import { requireId, requireNoteText } from "./validate.js";
import type { AuditActor } from "../store/audit-context.js";

/** Rules for notes, the status updates attached to items. */
export class NotesService {
  constructor(private readonly deps: ServiceDeps) {}

  async get(id: string): Promise<NoteRecord> {
    const noteId = requireId("note_id", id);
    const note = await this.deps.store.getNote(noteId);
    if (!note) throw notFound("note", noteId);
    return note;
  }

  list(itemId: string): Promise<NoteRecord[]> {
    return this.deps.store.listNotes(requireId("item_id", itemId));
  }

  async add(itemId: string, text: string, audit?: AuditActor): Promise<NoteRecord> {
    const now = this.deps.now();
    const note = await this.deps.store.addNote(
      {
        id: newId(),
        itemId: requireId("item_id", itemId),
        text: requireNoteText("note_text", text),
        created: now,
        updated: now,
      },
      audit,
    );
    return note;
  }

  async update(id: string, text: string, audit?: AuditActor): Promise<NoteRecord> {
    const noteId = requireId("note_id", id);
    const note = await this.deps.store.updateNote(noteId, requireNoteText("note_text", text), this.deps.now(), audit);
    return note;
  }

  async delete(id: string, audit?: AuditActor): Promise<void> {
    await this.deps.store.deleteNote(requireId("note_id", id), this.deps.now(), audit);
  }
}
