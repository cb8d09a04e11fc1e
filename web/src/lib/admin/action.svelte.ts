import { Code } from "@connectrpc/connect";
import { explainError, type Explained, type Subject } from "./errors.js";
import type { AdminSession } from "./session.svelte.js";

/**
 * One form's call to the server: whether it is running, and what went wrong in words. A form
 * shows `error.message` at its top and `fieldError(name)` beside each field. An expired session
 * sends the whole console back to sign-in.
 */
export class Action {
  busy = $state(false);
  error = $state.raw<Explained | undefined>(undefined);

  readonly #subject: Subject;
  readonly #session: AdminSession | undefined;

  constructor(subject: Subject, session?: AdminSession) {
    this.#subject = subject;
    this.#session = session;
  }

  /** Runs `call`; returns its result, or undefined when it failed (and `error` says why). */
  async run<T>(call: () => Promise<T>): Promise<T | undefined> {
    if (this.busy) return undefined;
    this.busy = true;
    this.error = undefined;
    try {
      return await call();
    } catch (error) {
      this.error = explainError(error, this.#subject);
      if (this.error.code === Code.Unauthenticated) this.#session?.expired();
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  /** The server's problem with one request field, if it named that field. */
  fieldError(field: string): string | undefined {
    return this.error?.fields[field];
  }

  /**
   * Forgets the last failure. Forms call it on input: the server's verdict was about the values
   * sent, so its banner should not stay after the admin has fixed them.
   */
  clear(): void {
    this.error = undefined;
  }
}
