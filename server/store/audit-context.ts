import { AsyncLocalStorage } from "node:async_hooks";

/**
 * Who is writing, and through what: set once per request (by the auth interceptor) or per job
 * (the scheduler, a hook, the CLI), and read by the store when it commits a write, so the audit
 * row goes into the same transaction as the change without any service passing it along.
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

const storage = new AsyncLocalStorage<AuditActor>();

/** Runs `work` with `actor` as the audit context of every write it makes. */
export function withAuditActor<T>(actor: AuditActor, work: () => T): T {
  return storage.run(actor, work);
}

/** The audit context of the current request or job; undefined outside one (start-up seeding). */
export function currentAuditActor(): AuditActor | undefined {
  return storage.getStore();
}

/** Names the object the current call writes, when the store cannot tell it from what it wrote (a new token). */
export function noteAuditObject(id: string): void {
  const actor = storage.getStore();
  if (actor && actor.objectId === "") actor.objectId = id;
}

/**
 * For a job whose write may find nothing to do (a transition another replica already made):
 * returns how to say so from inside the write, so that no audit row is written for it. Captured
 * before the write, since the write may run in another call's context.
 */
export function auditSkipper(): () => void {
  const actor = storage.getStore();
  return () => {
    if (actor) actor.recorded = true;
  };
}
