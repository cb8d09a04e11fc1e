/**
 * Constraint violations that are the caller's to hear about, recognized by the constraint's name
 * (as the PostgreSQL schema names it; the SQLite backend maps its driver's report to the same
 * names), and the domain errors they mean. Anything else is the store's own failure.
 */
import { type DomainError, hookNameTaken, nameTaken, notFound, usernameTaken } from "../../errors.js";

/** The constraints a write may break because of its input. */
export type KnownConstraint =
  | "statuses_name_unique"
  | "items_name_unique"
  | "item_groups_name_unique"
  | "users_username_unique"
  | "items_status_id_fkey"
  // The name PostgreSQL gives inlet_hooks' unnamed UNIQUE (name_key) (see sql/inlets.ts).
  | "inlet_hooks_name_key_key";

/** What the write was about, to name in the error. */
export interface ConflictSubject {
  name?: string | undefined;
  statusId?: string | undefined;
  username?: string | undefined;
  hookName?: string | undefined;
}

/** The domain error that breaking `constraint` means for `subject`, if it is one the caller caused. */
export function conflictError(constraint: string | undefined, subject: ConflictSubject): DomainError | undefined {
  switch (constraint as KnownConstraint | undefined) {
    case "statuses_name_unique":
      return subject.name === undefined ? undefined : nameTaken("status", subject.name);
    case "items_name_unique":
      return subject.name === undefined ? undefined : nameTaken("item", subject.name);
    case "item_groups_name_unique":
      return subject.name === undefined ? undefined : nameTaken("group", subject.name);
    case "users_username_unique":
      return subject.username === undefined ? undefined : usernameTaken(subject.username);
    case "inlet_hooks_name_key_key":
      return subject.hookName === undefined ? undefined : hookNameTaken(subject.hookName.trim());
    case "items_status_id_fkey":
      return subject.statusId === undefined ? undefined : notFound("status", subject.statusId);
    default:
      return undefined;
  }
}

/**
 * Rethrows a write's `error`: as its domain error when it broke a known constraint, else as it
 * is. `violated` is the backend's reader of its driver's errors (the constraint's name, or undefined).
 */
export function rethrowConflict(error: unknown, violated: (error: unknown) => string | undefined, subject: ConflictSubject): never {
  throw conflictError(violated(error), subject) ?? error;
}
