import type { ContextKey, ContextValues } from "@connectrpc/connect";

type Slots = Record<symbol, unknown>;

/**
 * A call's context values, as Connect's `createContextValues` keeps them (each value under its
 * key's symbol, on the object itself) but with `get`, `set` and `delete` on the prototype: Connect
 * makes three closures per call, which a watch stream keeps for its whole life.
 */
export class CallValues implements ContextValues {
  get<T>(key: ContextKey<T>): T {
    return key.id in this ? ((this as unknown as Slots)[key.id] as T) : key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    (this as unknown as Slots)[key.id] = value;
    return this;
  }

  delete(key: ContextKey<unknown>): this {
    delete (this as unknown as Slots)[key.id];
    return this;
  }
}
