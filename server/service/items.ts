import type { ItemView } from "../domain.js";
import { invalidArgument, notFound } from "../errors.js";
import { newId } from "../ids.js";
import type { ItemPatch, NewItem } from "../store/store.js";
import type { ServiceDeps } from "./deps.js";
import type { StatusesService, StatusInput } from "./statuses.js";
import { checkDescription, checkKinds, descriptionUpdate, optionalName, requireId, requireName, requireNoteText } from "./validate.js";
import type { AuditActor } from "../store/audit-context.js";

/** AddItem's fields, as a client sends them. */
export interface ItemInput {
  name: string;
  description: string;
  initialStatusId: string;
  /** A status to create with the item, or one with only an id to use an existing one. */
  initialStatus: (StatusInput & { id: string }) | undefined;
  initialNoteText: string;
}

/** UpdateItem's fields; empty strings mean unchanged. */
export interface ItemChanges {
  name: string;
  description: string;
  statusId: string;
}

/** Rules for items: validation and the write operations. */
export class ItemsService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly statuses: StatusesService,
  ) {}

  /** One item, always with its notes. */
  async get(id: string): Promise<ItemView> {
    const itemId = requireId("item_id", id);
    const item = await this.deps.store.getItem(itemId, true);
    if (!item) throw notFound("item", itemId);
    return item;
  }

  list(filter: { statusIds: readonly string[]; kinds: readonly number[]; extended: boolean }): Promise<ItemView[]> {
    return this.deps.store.listItems({
      statusIds: filter.statusIds,
      kinds: checkKinds("kinds", filter.kinds),
      withNotes: filter.extended,
    });
  }

  async add(input: ItemInput, audit?: AuditActor): Promise<ItemView> {
    const now = this.deps.now();
    const item: NewItem = {
      id: newId(),
      name: requireName("name", input.name),
      description: checkDescription("description", input.description),
      created: now,
    };
    const existingStatusId = input.initialStatusId.trim() || input.initialStatus?.id.trim() || "";
    const wantsNewStatus = input.initialStatus !== undefined && input.initialStatus.id.trim() === "";
    if (input.initialStatusId.trim() !== "" && input.initialStatus !== undefined) {
      throw invalidArgument("initial_status", "give initial_status_id or initial_status, not both");
    }
    if (existingStatusId !== "") item.statusId = existingStatusId;
    else if (wantsNewStatus) item.newStatus = this.statuses.prepare(input.initialStatus!, "initial_status.");
    if (input.initialNoteText !== "") {
      item.initialNote = {
        id: newId(),
        itemId: item.id,
        text: requireNoteText("initial_note_text", input.initialNoteText),
        created: now,
        updated: now,
      };
    }
    const created = await this.deps.store.addItem(item, audit);
    return created;
  }

  async update(id: string, changes: ItemChanges, audit?: AuditActor): Promise<ItemView> {
    const itemId = requireId("item_id", id);
    const patch: ItemPatch = { updated: this.deps.now() };
    const name = optionalName("name", changes.name);
    if (name !== undefined) patch.name = name;
    const description = descriptionUpdate("description", changes.description);
    if (description !== undefined) patch.description = description;
    if (changes.statusId.trim() !== "") patch.statusId = changes.statusId.trim();
    if (Object.keys(patch).length === 1) throw invalidArgument("item", "nothing to change: give name, description or status_id");
    const item = await this.deps.store.updateItem(itemId, patch, audit);
    return item;
  }

  async delete(id: string, audit?: AuditActor): Promise<void> {
    await this.deps.store.deleteItem(requireId("item_id", id), this.deps.now(), audit);
  }
}
