import { INLET_TABLES } from "../sql/inlets.js";
import type { Database } from "better-sqlite3";
import { incidentTableSql } from "../sql/incidents.js";

/**
 * The SQLite schema, as numbered migrations. Migration N brings `PRAGMA user_version` from N-1
 * to N. Never edit a released migration: append a new one.
 */
export const migrations: readonly string[] = [
  // 1: statuses, items, notes. `seq` keeps creation order exactly (KSUIDs only order by second);
  // `name_key` is the trimmed, case-folded name that must be unique.
  `
  CREATE TABLE statuses (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    color       TEXT    NOT NULL,
    kind        INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE TABLE items (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    status_id   TEXT    REFERENCES statuses(id),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE INDEX items_by_status ON items(status_id);
  CREATE TABLE notes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    item_id     TEXT    NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    text        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE INDEX notes_by_item ON notes(item_id, seq);
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: the change log. AUTOINCREMENT never reuses a revision, even after pruning.
  `
  CREATE TABLE changes (
    revision   INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    kind       TEXT    NOT NULL,
    entity_id  TEXT    NOT NULL,
    payload    TEXT    NOT NULL
  );
  CREATE INDEX changes_by_time ON changes(at);
  `,
  // 3: accounts. Sessions and tokens store only SHA-256 hashes of their secrets.
  `
  CREATE TABLE users (
    seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
    id                   TEXT    NOT NULL UNIQUE,
    username             TEXT    NOT NULL,
    username_key         TEXT    NOT NULL UNIQUE,
    first_name           TEXT    NOT NULL DEFAULT '',
    last_name            TEXT    NOT NULL DEFAULT '',
    email                TEXT    NOT NULL DEFAULT '',
    avatar_url           TEXT    NOT NULL DEFAULT '',
    password_hash        TEXT    NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    last_login_at        INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_by_user ON sessions(user_id);
  CREATE TABLE api_tokens (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    user_id      TEXT    NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER
  );
  CREATE INDEX api_tokens_by_user ON api_tokens(user_id);
  CREATE TABLE login_failures (
    key TEXT    NOT NULL,
    at  INTEGER NOT NULL
  );
  CREATE INDEX login_failures_by_key ON login_failures(key, at);
  `,
  // 4: the change log keeps what changed, not whole items (notes on their own, see
  // change-codec.ts). Rows of the old format held every note of an item at each change (often
  // hundreds of KB each), so they are dropped: the revision counter stays, and a client resuming
  // from before now gets a fresh snapshot. An index reads an item's note history.
  `
  DELETE FROM changes;
  CREATE INDEX changes_by_entity ON changes(entity_id, revision);
  `,
  // 5: status history, kept forever (no foreign keys: it outlives items and statuses). Each
  // existing item starts with its current status at its creation time, marked reconstructed.
  `
  CREATE TABLE status_transitions (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id       TEXT    NOT NULL,
    item_name     TEXT    NOT NULL,
    at            INTEGER NOT NULL,
    revision      INTEGER NOT NULL,
    status_id     TEXT,
    status_name   TEXT,
    status_color  TEXT,
    status_kind   INTEGER,
    deleted       INTEGER NOT NULL DEFAULT 0,
    reconstructed INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX status_transitions_by_item ON status_transitions(item_id, seq);
  INSERT INTO status_transitions (item_id, item_name, at, revision, status_id, status_name, status_color, status_kind, reconstructed)
    SELECT i.id, i.name, i.created_at, 0, s.id, s.name, s.color, s.kind, 1
    FROM items i LEFT JOIN statuses s ON s.id = i.status_id ORDER BY i.seq;
  `,
  // 6: roles and token scopes (#19). Users from before roles could do everything: they are
  // admins. A token's scope stays NULL (it acts with its owner's role); item_ids is a
  // comma-separated list of item ids (KSUIDs hold no comma), empty for no limit.
  `
  ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
  ALTER TABLE api_tokens ADD COLUMN scope TEXT;
  ALTER TABLE api_tokens ADD COLUMN item_ids TEXT NOT NULL DEFAULT '';
  `,
  // 7: the audit log (#19): one row per audited call, written with its first write. Ids are
  // KSUIDs, so "newest first" is by id; kept --audit-days.
  `
  CREATE TABLE audit_events (
    id             TEXT    PRIMARY KEY,
    at             INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    actor_id       TEXT    NOT NULL,
    procedure      TEXT    NOT NULL,
    object_type    TEXT    NOT NULL,
    object_id      TEXT    NOT NULL,
    client_address TEXT    NOT NULL,
    summary        TEXT    NOT NULL
  );
  CREATE INDEX audit_events_by_actor ON audit_events(actor_id, id);
  CREATE INDEX audit_events_by_object ON audit_events(object_id, id);
  CREATE INDEX audit_events_by_time ON audit_events(at);
  `,
  // 8: history reads new transitions by revision.
  `
  CREATE INDEX status_transitions_by_revision ON status_transitions(revision);
  `,
  // Incidents and maintenance windows: each record whole in \`body\` (JSON), with what lists sort and filter on.
  incidentTableSql("INTEGER", "TEXT", "INTEGER"),
  // Groups and order (#15): items in at most one group; items and groups have a position. Existing items keep creation order.
  `
  CREATE TABLE item_groups (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    position    INTEGER NOT NULL,
    collapsed   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  ALTER TABLE items ADD COLUMN group_id TEXT REFERENCES item_groups(id) ON DELETE SET NULL;
  ALTER TABLE items ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
  UPDATE items SET position = (SELECT count(*) FROM items o WHERE o.seq < items.seq);
  CREATE INDEX items_by_group ON items(group_id, position);
  `,
  // Page settings (one row, JSON) and the uploaded logo and favicon.
  `
  CREATE TABLE page_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    body       TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE page_images (
    slot         TEXT PRIMARY KEY CHECK (slot IN ('logo', 'favicon')),
    content_type TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    bytes        BLOB NOT NULL
  );
  `,
  // Inlets: hooks, their calls, heartbeats and per-item inlet state (see sql/inlets.ts).
  INLET_TABLES,
  // The outbox (#18): events written with the change that causes them (keyed by its revision),
  // what subscribers were last told per item (seeded from the items), webhooks with their
  // delivery cursor and lease, and their recent delivery attempts.
  `
  CREATE TABLE outbox_events (
    revision INTEGER PRIMARY KEY,
    id       TEXT    NOT NULL UNIQUE,
    type     TEXT    NOT NULL,
    item_id  TEXT,
    at       INTEGER NOT NULL,
    data     TEXT    NOT NULL
  );
  CREATE TABLE outbox_item_notices (
    item_id      TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    status_id    TEXT,
    status_name  TEXT,
    status_color TEXT,
    status_kind  INTEGER
  );
  INSERT INTO outbox_item_notices (item_id, name, status_id, status_name, status_color, status_kind)
    SELECT i.id, i.name, s.id, s.name, s.color, s.kind FROM items i LEFT JOIN statuses s ON s.id = i.status_id;
  CREATE TABLE webhooks (
    id                    TEXT    PRIMARY KEY,
    url                   TEXT    NOT NULL,
    description           TEXT    NOT NULL,
    events                TEXT    NOT NULL,
    item_ids              TEXT    NOT NULL,
    format                TEXT    NOT NULL,
    secret                TEXT    NOT NULL,
    previous_secret       TEXT,
    previous_secret_until INTEGER,
    enabled               INTEGER NOT NULL,
    disabled_reason       TEXT    NOT NULL DEFAULT '',
    cursor                INTEGER NOT NULL,
    attempts              INTEGER NOT NULL DEFAULT 0,
    next_attempt_at       INTEGER NOT NULL,
    failing_since         INTEGER,
    lease_owner           TEXT,
    lease_until           INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    id          TEXT    PRIMARY KEY,
    webhook_id  TEXT    NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id    TEXT    NOT NULL,
    event_type  TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    error       TEXT    NOT NULL,
    ok          INTEGER NOT NULL
  );
  CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, at);
  `,
  // Email subscriptions (#18): subscribers (double opt-in: a hashed, expiring confirmation token;
  // per-address throttles), the queue of rendered mails (ordered per address by seq, leased),
  // and the mail cursor over outbox_events (one row, leased like a webhook).
  `
  CREATE TABLE mail_subscribers (
    id                   TEXT    PRIMARY KEY,
    email                TEXT    NOT NULL,
    email_key            TEXT    NOT NULL UNIQUE,
    item_ids             TEXT    NOT NULL,
    pending_item_ids     TEXT,
    confirmed_at         INTEGER,
    confirm_token_hash   TEXT    UNIQUE,
    confirm_expires_at   INTEGER,
    unsubscribe_token    TEXT    NOT NULL UNIQUE,
    created_at           INTEGER NOT NULL,
    last_confirmation_at INTEGER,
    confirmations_since  INTEGER,
    confirmations_count  INTEGER NOT NULL DEFAULT 0,
    window_start         INTEGER,
    window_count         INTEGER NOT NULL DEFAULT 0,
    skipped              INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE mail_queue (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT    NOT NULL UNIQUE,
    subscriber_id   TEXT    NOT NULL REFERENCES mail_subscribers(id) ON DELETE CASCADE,
    to_address      TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    headers         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    lease_owner     TEXT,
    lease_until     INTEGER
  );
  CREATE INDEX mail_queue_by_subscriber ON mail_queue(subscriber_id, seq);
  CREATE TABLE mail_cursor (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    cursor      INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER
  );
  `,
];

/** Thrown when the database was written by a newer StatusThing than this one. */
export class DatabaseTooNewError extends Error {
  constructor(found: number, known: number) {
    super(
      `the database has schema version ${found}, but this StatusThing knows only up to ${known}: ` +
        `it was used by a newer StatusThing. Upgrade StatusThing, or restore a backup made by this version.`,
    );
    this.name = "DatabaseTooNewError";
  }
}

/** Throws DatabaseTooNewError for a database from a newer StatusThing; returns its version. */
export function refuseNewerSchema(db: Database): number {
  const version = db.pragma("user_version", { simple: true }) as number;
  if (version > migrations.length) throw new DatabaseTooNewError(version, migrations.length);
  return version;
}

/**
 * Applies the migrations the database lacks, each in its own transaction with its version bump,
 * and refuses a database from the future. Returns the version before and after.
 */
export function migrate(db: Database): { from: number; to: number } {
  const from = refuseNewerSchema(db);
  for (let version = from + 1; version <= migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version - 1]!);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
  return { from, to: migrations.length };
}
