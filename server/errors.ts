import { Code } from "@connectrpc/connect";

/**
 * The catalog of domain errors. Services and stores throw these; the RPC layer turns them into
 * Connect codes in one place (`rpc/error-interceptor.ts`). Anything else that is thrown is a bug
 * and reaches clients only as a generic `internal` error.
 */
export type DomainErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "unauthenticated"
  | "permission_denied"
  | "resource_exhausted"
  | "unavailable";

/** A failure the caller can act on; its message is safe to show to clients. */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** The request field at fault, when one is. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

/** Maps each domain error kind to its Connect code. */
export const codeOfKind: Record<DomainErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
};

/** A request field is missing or malformed. The message names the field. */
export function invalidArgument(field: string, problem: string): DomainError {
  return new DomainError("invalid_argument", `${field}: ${problem}`, field);
}

/** The record named by `id` does not exist. */
export function notFound(what: "item" | "status" | "note", id: string): DomainError {
  return new DomainError("not_found", `${what} ${JSON.stringify(id)} not found`);
}

/** Another record already has this name. */
export function nameTaken(what: "item" | "status", name: string): DomainError {
  return new DomainError("already_exists", `${what === "item" ? "an item" : "a status"} named ${JSON.stringify(name)} already exists`, "name");
}

/** The database cannot be reached or stopped taking writes: nothing was done, the caller may retry. */
export function unavailable(message: string): DomainError {
  return new DomainError("unavailable", message);
}
