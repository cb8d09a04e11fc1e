/** A form's field values: strings and numbers, compared by value. */
export type Fields = Record<string, string | number>;

/**
 * The edit form of a record that others can change at the same time. It remembers the record as
 * it was when editing began (`base`); when the live stream brings a different version, the fields
 * that changed are `conflicts` and the form says so instead of overwriting the admin's typing. The
 * admin chooses: take theirs, or keep theirs out and save their own. Saving sends only the fields
 * that differ from the latest version, so an untouched field never undoes someone else's change.
 */
export class Draft<T extends Fields> {
  values = $state() as T;
  #base = $state.raw() as T;
  #latest = $state.raw() as T;
  /** The record was deleted by someone else while being edited. */
  deleted = $state(false);

  constructor(initial: T) {
    this.values = { ...initial };
    this.#base = initial;
    this.#latest = initial;
  }

  /** The latest version from the server (the live stream), or undefined once it is deleted. */
  update(latest: T | undefined): void {
    if (latest === undefined) {
      this.deleted = true;
      return;
    }
    this.#latest = latest;
  }

  /** Fields someone else changed since editing began, and that the admin has not settled. */
  get conflicts(): (keyof T & string)[] {
    return (Object.keys(this.#latest) as (keyof T & string)[]).filter((k) => this.#latest[k] !== this.#base[k] && this.values[k] !== this.#latest[k]);
  }

  /** The other version's value of a field. */
  theirs<K extends keyof T>(field: K): T[K] {
    return this.#latest[field];
  }

  /** Fields the admin's version would change: what a save sends. */
  get edited(): (keyof T & string)[] {
    return (Object.keys(this.values) as (keyof T & string)[]).filter((k) => this.values[k] !== this.#latest[k]);
  }

  /** Takes the other version of every conflicting field. */
  useTheirs(): void {
    for (const k of this.conflicts) this.values[k] = this.#latest[k];
    this.#base = this.#latest;
  }

  /** Keeps the admin's values; the notice goes, and a save will replace theirs knowingly. */
  keepMine(): void {
    this.#base = this.#latest;
  }

  /** After a save: what was sent is now the base. */
  saved(): void {
    this.#base = { ...this.values };
    this.#latest = { ...this.values };
  }
}
