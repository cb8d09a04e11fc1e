import type { ServiceImpl } from "@connectrpc/connect";
import type { NotesService as NotesApi } from "../../shared/gen/statusthing/v1/notes_service_pb.js";
import type { NotesService } from "../service/notes.js";
import { toNoteMessage } from "../wire/convert.js";
import { auditOf } from "./audit-interceptor.js";

/** `statusthing.v1.NotesService`: maps requests to the notes service and results back. */
export function createNotesRpc(notes: NotesService): ServiceImpl<typeof NotesApi> {
  return {
    async getNote(req) {
      return { note: toNoteMessage(await notes.get(req.noteId)) };
    },
    async listNotes(req) {
      return { notes: (await notes.list(req.itemId)).map(toNoteMessage) };
    },
    async addNote(req, ctx) {
      return { note: toNoteMessage(await notes.add(req.itemId, req.noteText, auditOf(ctx))) };
    },
    async updateNote(req, ctx) {
      await notes.update(req.noteId, req.noteText, auditOf(ctx));
      return {};
    },
    async deleteNote(req, ctx) {
      await notes.delete(req.noteId, auditOf(ctx));
      return {};
    },
  };
}
