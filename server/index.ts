/**
 * StatusThing as a library: build the app around a store of your own and serve it.
 * See the README, "Your own store"; the conformance suite a store must pass is the
 * `statusthing/testing` entry (server/testing.ts).
 */
export { createApp, API_SERVICES, type App, type AppOptions } from "./app.js";
export { serve, type RunningServer, type ServeOptions, type ServedApp } from "./http/serve.js";
export { createLogger, type Logger } from "./logger.js";
export type { Store, NewStatus, StatusPatch, NewItem, ItemPatch } from "./store/store.js";
export type { CommitListener } from "./store/commit-hooks.js";
export type { AuthStore, UserPatch } from "./store/auth-store.js";
export { placeAt, type GroupStore, type NewGroup, type GroupPatch } from "./store/group-store.js";
export { applySettingsPatch, EMPTY_SETTINGS, type SettingsPatch, type SettingsStore } from "./store/settings-store.js";
export type { BrandImage, ImageSlot, PageSettingsRecord, StoredImage } from "./domain.js";
export type * from "./store/inlet-store.js";
export type { OutboxStore, OutboxEvent, WebhookRecord, NewWebhook, WebhookPatch, WebhookProgress, WebhookFormat, DeliveryRecord } from "./store/outbox-store.js";
export { deriveOutboxEvent, noticeKey, type ItemNotice } from "./store/sql/outbox.js";
export type { MailStore, SubscriberRecord, MailRecipient, MailDraft, QueuedMail, ConfirmationRequest, FanOut, SubscriberPage } from "./store/mail-store.js";
export type { IncidentStore, IncidentKind, IncidentKinds, IncidentListQuery, IncidentWrite, ItemChange, ItemNow, WriteFacts, WriteOutcome } from "./store/incident-store.js";
export type { AffectedItemRecord, IncidentRecord, IncidentUpdateRecord, MaintenanceRecord } from "./incident-records.js";
export type {
  ApiTokenRecord,
  ChangeRecord,
  GroupRecord,
  ItemFilter,
  ItemView,
  NoteRecord,
  SessionRecord,
  StatusRecord,
  StatusTransition,
  StoreSnapshot,
  UserRecord,
} from "./domain.js";
export { nameKey, usernameKey } from "./domain.js";
export {
  DomainError,
  errorCatalog,
  notFound,
  nameTaken,
  usernameTaken,
  statusInUse,
  invalidArgument,
  unavailable,
  lastAdmin,
  hookNameTaken,
  hookNotFound,
  type DomainErrorKind,
  type ErrorEntry,
} from "./errors.js";
export { SqliteStore, type SqliteStoreOptions } from "./store/sqlite/sqlite-store.js";
export { PostgresStore, type PostgresStoreOptions } from "./store/postgres/postgres-store.js";
