/**
 * StatusThing as a library: build the app around a store of your own and serve it.
 * See the README, "Your own store".
 */
export { createApp, API_SERVICES, type App, type AppOptions } from "./app.js";
export { serve, type RunningServer } from "./http/serve.js";
export { createLogger, type Logger } from "./logger.js";
export type { Store, NewStatus, StatusPatch, NewItem, ItemPatch } from "./store/store.js";
export type { ItemView, NoteRecord, StatusRecord, ItemFilter } from "./domain.js";
export { nameKey } from "./domain.js";
export { DomainError, errorCatalog, notFound, nameTaken, usernameTaken, statusInUse, invalidArgument, unavailable, type ErrorEntry } from "./errors.js";
export { SqliteStore, type SqliteStoreOptions } from "./store/sqlite/sqlite-store.js";
export { PostgresStore, type PostgresStoreOptions } from "./store/postgres/postgres-store.js";
