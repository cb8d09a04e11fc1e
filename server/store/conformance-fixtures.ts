/** What the conformance suite (conformance.ts) is written with: vitest's functions, and valid new records. */
import type { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NoteRecord, StatusRecord } from "../domain.js";
import { DomainError, type DomainErrorKind } from "../errors.js";
import { newId } from "../ids.js";
import type { NewItem, NewStatus, Store } from "./store.js";

/** The vitest functions the suite is written with (e.g. `import * as vitest from "vitest"`). */
export interface TestFunctions {
  describe: typeof describe;
  it: typeof it;
  expect: typeof expect;
  beforeEach: typeof beforeEach;
  afterEach: typeof afterEach;
}

/**
 * A store under test, as a conformance suite needs it: a fresh, empty store, a way to restart it
 * on the same data, and a way to throw the data away.
 */
export interface StoreUnderTest {
  /** A store on fresh, empty data (no statuses, items or notes). */
  store: Store;
  /** Closes the current store and opens a new one on the same data, as a server restart would. */
  reopen(): Promise<Store>;
  /** Closes whatever store is open and deletes the data. */
  cleanup(): Promise<void>;
}

/** Awaits `action` and returns what it threw (synchronously or as a rejection), or undefined. */
export async function caught(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Asserts that `action` fails with a DomainError of `kind`, and returns the error. */
export async function expectDomainError(action: () => unknown, kind: DomainErrorKind): Promise<DomainError> {
  const error = await caught(action);
  if (!(error instanceof DomainError)) throw new Error(`expected a DomainError "${kind}", got ${String(error)}`);
  if (error.kind !== kind) throw new Error(`expected a DomainError "${kind}", got "${error.kind}": ${error.message}`);
  return error;
}

const T0 = new Date("2024-03-01T10:00:00.000Z");

/** A valid new status, as a service would hand it to the store. */
export function newStatus(name: string, fields: Partial<StatusRecord> = {}): NewStatus {
  return { id: newId(), name, description: "", color: "#00FF00", kind: 1, created: T0, updated: T0, ...fields };
}

/** A valid new item, as a service would hand it to the store. */
export function newItem(name: string, fields: Partial<NewItem> = {}): NewItem {
  return { id: newId(), name, description: "", created: T0, ...fields };
}

/** A valid new note, as a service would hand it to the store. */
export function newNote(itemId: string, text: string, at: Date = T0): NoteRecord {
  return { id: newId(), itemId, text, created: at, updated: at };
}
