import type { StatusRecord } from "../domain.js";
import { invalidArgument, notFound, statusInMaintenance } from "../errors.js";
import { newId } from "../ids.js";
import type { StatusPatch } from "../store/store.js";
import type { ServiceDeps } from "./deps.js";
import { checkDescription, checkKinds, descriptionUpdate, optionalName, requireColor, requireId, requireKind, requireName } from "./validate.js";
import type { AuditActor } from "../store/audit-context.js";

/** The fields of a new status, as a client sends them. */
export interface StatusInput {
  name: string;
  description: string;
  color: string;
  kind: number;
}

/** The color of a status added without one: the original's default, which its Postman collection relies on. */
export const DEFAULT_STATUS_COLOR = "#5DFC0A";

/** The statuses a fresh database starts with, as the behaviour table specifies. */
export const DEFAULT_STATUSES: readonly Omit<StatusInput, "description">[] = [
  { name: "UP", color: "#5DFC0A", kind: 1 },
  { name: "DOWN", color: "#FF0000", kind: 2 },
  { name: "WARNING", color: "#EEEB8D", kind: 3 },
];

/** Rules for statuses: validation, defaults, and the write operations. */
export class StatusesService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Validates a new status and gives it an id; `prefix` names the request field it came from. */
  prepare(input: StatusInput, prefix = ""): StatusRecord {
    const now = this.deps.now();
    return {
      id: newId(),
      name: requireName(`${prefix}name`, input.name),
      description: checkDescription(`${prefix}description`, input.description),
      color: input.color.trim() === "" ? DEFAULT_STATUS_COLOR : requireColor(`${prefix}color`, input.color),
      kind: requireKind(`${prefix}kind`, input.kind),
      created: now,
      updated: now,
    };
  }

  async get(id: string): Promise<StatusRecord> {
    const statusId = requireId("status_id", id);
    const status = await this.deps.store.getStatus(statusId);
    if (!status) throw notFound("status", statusId);
    return status;
  }

  list(kinds: readonly number[]): Promise<StatusRecord[]> {
    return this.deps.store.listStatuses(checkKinds("kinds", kinds));
  }

  async add(input: StatusInput, audit?: AuditActor): Promise<StatusRecord> {
    const status = await this.deps.store.addStatus(this.prepare(input), audit);
    return status;
  }

  async update(id: string, input: StatusInput, audit?: AuditActor): Promise<StatusRecord> {
    const statusId = requireId("status_id", id);
    const patch: StatusPatch = { updated: this.deps.now() };
    const name = optionalName("name", input.name);
    if (name !== undefined) patch.name = name;
    const description = descriptionUpdate("description", input.description);
    if (description !== undefined) patch.description = description;
    if (input.color !== "") patch.color = requireColor("color", input.color);
    // In an update, STATUS_KIND_UNKNOWN means "unchanged".
    if (input.kind !== 0) patch.kind = requireKind("kind", input.kind);
    if (Object.keys(patch).length === 1) throw invalidArgument("status", "nothing to change: give name, description, color or kind");
    const status = await this.deps.store.updateStatus(statusId, patch, audit);
    return status;
  }

  async delete(id: string, audit?: AuditActor): Promise<void> {
    const statusId = requireId("status_id", id);
    // A window due to show it would start without changing its items: refused while one is.
    const windows = (await this.deps.store.incidents.live()).maintenances.filter((m) => m.statusId === statusId).length;
    if (windows > 0) throw statusInMaintenance(windows);
    await this.deps.store.deleteStatus(statusId, audit);
  }

  /** Creates UP, DOWN and WARNING the first time a store is used. */
  seedDefaults(): Promise<void> {
    return this.deps.store.seedDefaultStatuses(DEFAULT_STATUSES.map((s) => this.prepare({ ...s, description: "" })));
  }
}
