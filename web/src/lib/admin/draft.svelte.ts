import { untrack } from "svelte";

/** A form's field values: strings and numbers, compared by value. */
export type Fields = Record<string, string | number>;

/**
 * The edit form of a record that others can change at the same time.
 *
 * It remembers, per field, the version the admin's value started from (`base`). When the live
 * stream brings someone else's change:
 * - a field the admin has not touched takes the new value, and `adopted` lists it so the form can
 *   say so (nothing of the admin's is lost: they had typed nothing there);
 * - a field the admin has changed keeps the admin's value and becomes a conflict: the form says
 *   what it is now and the admin chooses, theirs or mine. Nothing is overwritten silently.
 * Saving sends only the fields that differ from the latest version, so a save never undoes
 * someone else's change to a field the admin did not edit.
 */
export class Draft<T extends Fields> {
  values = $state() as T;
  #base = $state.raw() as T;
  #latest = $state.raw() as T;
  /** Fields that took someone else's new value because the admin had not touched them. */
  adopted = $state.raw<(keyof T & string)[]>([]);
  /** The record was deleted by someone else while being edited. */
  deleted = $state(false);

  constructor(initial: T) {
    this.values = { ...initial };
    this.#base = { ...initial };
    this.#latest = { ...initial };
  }

  /** The latest version from the server (the live stream), or undefined once it is deleted. */
  update(latest: T | undefined): void {
    // Called from an effect that tracks the record: what this reads must not become its dependency.
    untrack(() => this.#apply(latest));
  }

  #apply(latest: T | undefined): void {
    if (latest === undefined) {
      this.deleted = true;
      return;
    }
    const base = { ...this.#base };
    const adopted = new Set(this.adopted);
    for (const k of Object.keys(latest) as (keyof T & string)[]) {
      if (latest[k] === this.#latest[k]) continue;
      if (this.values[k] === base[k]) {
        this.values[k] = latest[k];
        base[k] = latest[k];
        adopted.add(k);
      }
    }
    this.#base = base;
    this.#latest = { ...latest };
    this.adopted = [...adopted];
  }

  /** Fields the admin changed that someone else changed too, to another value: the admin must choose. */
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
    this.#base = { ...this.#latest };
  }

  /** Keeps the admin's values; the notice goes, and a save will replace theirs knowingly. */
  keepMine(): void {
    this.#base = { ...this.#latest };
  }

  /** The admin has read the note about adopted fields. */
  dismissAdopted(): void {
    this.adopted = [];
  }

  /** After a save: what was sent is now the base. */
  saved(): void {
    this.#base = { ...this.values };
    this.#latest = { ...this.values };
    this.adopted = [];
  }
}
