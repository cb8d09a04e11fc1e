/**
 * Who is writing, and through what: made once per request (by the audit interceptor) or per job
 * (the scheduler, a hook, the CLI), and handed explicitly along each write's path (handler,
 * service, store method) to the store's write queue, which writes the audit row into the same
 * transaction as the change. Passed, not kept in async context storage: that turns on Node's promise
 * hooks for every promise in the process, 7-18% of a write's CPU (#13).
 */
export interface AuditActor {
  /** "user:<username>", "token:<token name> (<username>)", "scheduler", "hook:<name>", "cli" or "system". */
  actor: string;
  /** The user's id, for users and their tokens; "" otherwise. */
  actorId: string;
  /** The RPC, e.g. "statusthing.v1.ItemsService/UpdateItem", or the job's name. */
  procedure: string;
  /** What kind of object the call writes ("item", "status", "note", "user", "api_token"). */
  objectType: string;
  /** The object's id when the request names it (an update or delete); else the store fills it in from what it wrote. */
  objectId: string;
  /** Where the request came from (after --trust-proxy); "" for jobs. */
  clientAddress: string;
  /** The request in a few words, secrets removed (see summarizeRequest). */
  summary: string;
  /** Set once the call's audit row is committed: a call that writes several times is recorded once, with its first write. */
  recorded?: boolean;
}

/** Names the object `actor`'s call writes, when the store cannot tell it from what it wrote (a new token). */
export function noteAuditObject(actor: AuditActor | undefined, id: string): void {
  if (actor && actor.objectId === "") actor.objectId = id;
}

/**
 * For a job's write that found nothing to do (a transition another replica already made): says
 * so from inside the write, so that no audit row is written for it.
 */
export function skipAudit(actor: AuditActor | undefined): void {
  if (actor) actor.recorded = true;
}
