import type { ClientBase } from "pg";
import { DatabaseTooNewError } from "../sqlite/migrations.js";
import { incidentTableSql } from "../sql/incidents.js";
import { INLET_TABLES } from "../sql/inlets.js";

export { DatabaseTooNewError };

/**
 * The PostgreSQL schema, as numbered migrations. Migration N brings the schema from version N-1
 * to N and is recorded as a row of `schema_migrations`. Never edit a released migration: append
 * a new one. Names and times follow the SQLite schema: `seq` keeps creation order exactly (KSUIDs
 * only order by second), `name_key` is the trimmed, case-folded name that must be unique.
 */
export const migrations: readonly string[] = [
  // 1: everything as of the first PostgreSQL release.
  `
  CREATE TABLE meta (
    key   text PRIMARY KEY,
    value text NOT NULL
  );
  CREATE TABLE statuses (
    seq         bigserial   PRIMARY KEY,
    id          text        NOT NULL CONSTRAINT statuses_id_unique UNIQUE,
    name        text        NOT NULL,
    name_key    text        NOT NULL CONSTRAINT statuses_name_unique UNIQUE,
    description text        NOT NULL DEFAULT '',
    color       text        NOT NULL,
    kind        integer     NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
  );
  CREATE TABLE items (
    seq         bigserial   PRIMARY KEY,
    id          text        NOT NULL CONSTRAINT items_id_unique UNIQUE,
    name        text        NOT NULL,
    name_key    text        NOT NULL CONSTRAINT items_name_unique UNIQUE,
    description text        NOT NULL DEFAULT '',
    status_id   text        REFERENCES statuses(id),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
  );
  CREATE INDEX items_by_status ON items (status_id);
  CREATE TABLE notes (
    seq         bigserial   PRIMARY KEY,
    id          text        NOT NULL CONSTRAINT notes_id_unique UNIQUE,
    item_id     text        NOT NULL REFERENCES items(id) ON DELETE CASCADE,
    text        text        NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
  );
  CREATE INDEX notes_by_item ON notes (item_id, seq);

  -- The change log. Revisions are handed out from change_log_state.latest, one row updated under
  -- the log's lock in the writing transaction (see write-queue.ts): unlike a SEQUENCE it rolls
  -- back with a failed write (no gaps) and is never reused, even after pruning everything.
  CREATE TABLE change_log_state (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    latest    bigint  NOT NULL
  );
  INSERT INTO change_log_state (latest) VALUES (0);
  CREATE TABLE changes (
    revision  bigint      PRIMARY KEY,
    at        timestamptz NOT NULL,
    kind      text        NOT NULL,
    entity_id text        NOT NULL,
    payload   text        NOT NULL
  );
  CREATE INDEX changes_by_time ON changes (at);

  -- Accounts. Sessions and tokens store only SHA-256 hashes of their secrets.
  CREATE TABLE users (
    seq                  bigserial   PRIMARY KEY,
    id                   text        NOT NULL CONSTRAINT users_id_unique UNIQUE,
    username             text        NOT NULL,
    username_key         text        NOT NULL CONSTRAINT users_username_unique UNIQUE,
    first_name           text        NOT NULL DEFAULT '',
    last_name            text        NOT NULL DEFAULT '',
    email                text        NOT NULL DEFAULT '',
    avatar_url           text        NOT NULL DEFAULT '',
    password_hash        text        NOT NULL,
    must_change_password boolean     NOT NULL DEFAULT false,
    last_login_at        timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
  );
  CREATE TABLE sessions (
    id         text        PRIMARY KEY,
    user_id    text        NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL
  );
  CREATE INDEX sessions_by_user ON sessions (user_id);
  CREATE TABLE api_tokens (
    seq          bigserial   PRIMARY KEY,
    id           text        NOT NULL CONSTRAINT api_tokens_id_unique UNIQUE,
    user_id      text        NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         text        NOT NULL,
    secret_hash  text        NOT NULL CONSTRAINT api_tokens_secret_unique UNIQUE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz
  );
  CREATE INDEX api_tokens_by_user ON api_tokens (user_id);
  CREATE TABLE login_failures (
    id  bigserial   PRIMARY KEY,
    key text        NOT NULL,
    at  timestamptz NOT NULL
  );
  CREATE INDEX login_failures_by_key ON login_failures (key, at);
  `,
  // 2: the change log keeps what changed, not whole items (notes on their own, see
  // change-codec.ts). Rows of the old format held every note of an item at each change (often
  // hundreds of KB each), so they are dropped: change_log_state keeps the revision, and a client
  // resuming from before now gets a fresh snapshot. An index reads an item's note history.
  `
  DELETE FROM changes;
  CREATE INDEX changes_by_entity ON changes (entity_id, revision);
  `,
  // 3: status history, kept forever (no foreign keys: it outlives items and statuses). A row
  // written in a transaction waits for its change's revision in pending_change until the commit
  // numbers the change (write-queue.ts). Each existing item starts with its current status at its
  // creation time, marked reconstructed.
  `
  CREATE TABLE status_transitions (
    seq            bigserial   PRIMARY KEY,
    item_id        text        NOT NULL,
    item_name      text        NOT NULL,
    at             timestamptz NOT NULL,
    revision       bigint      NOT NULL DEFAULT 0,
    pending_change bigint,
    status_id      text,
    status_name    text,
    status_color   text,
    status_kind    integer,
    deleted        boolean     NOT NULL DEFAULT false,
    reconstructed  boolean     NOT NULL DEFAULT false
  );
  CREATE INDEX status_transitions_by_item ON status_transitions (item_id, seq);
  CREATE INDEX status_transitions_pending ON status_transitions (pending_change) WHERE pending_change IS NOT NULL;
  INSERT INTO status_transitions (item_id, item_name, at, revision, status_id, status_name, status_color, status_kind, reconstructed)
    SELECT i.id, i.name, i.created_at, 0, s.id, s.name, s.color, s.kind, true
    FROM items i LEFT JOIN statuses s ON s.id = i.status_id ORDER BY i.seq;
  `,
  // 6: roles and token scopes (#19), as in SQLite's migration 6: existing users are admins, a
  // NULL scope acts with its owner's role, item_ids is comma-separated.
  `
  ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'admin';
  ALTER TABLE api_tokens ADD COLUMN scope text;
  ALTER TABLE api_tokens ADD COLUMN item_ids text NOT NULL DEFAULT '';
  `,
  // 7: the audit log (#19), as in SQLite's migration 7.
  `
  CREATE TABLE audit_events (
    id             text        PRIMARY KEY,
    at             timestamptz NOT NULL,
    actor          text        NOT NULL,
    actor_id       text        NOT NULL,
    procedure      text        NOT NULL,
    object_type    text        NOT NULL,
    object_id      text        NOT NULL,
    client_address text        NOT NULL,
    summary        text        NOT NULL
  );
  CREATE INDEX audit_events_by_actor ON audit_events (actor_id, id);
  CREATE INDEX audit_events_by_object ON audit_events (object_id, id);
  CREATE INDEX audit_events_by_time ON audit_events (at);
  `,
  // 8: history reads new transitions by revision.
  `
  CREATE INDEX status_transitions_by_revision ON status_transitions (revision);
  `,
  // Incidents and maintenance windows: each record whole in \`body\` (JSON), with what lists sort and filter on.
  incidentTableSql("timestamptz", "text", "bigint"),
  // Groups and order (#15): items in at most one group; items and groups have a position. Existing items keep creation order.
  `
  CREATE TABLE item_groups (
    seq         bigserial   PRIMARY KEY,
    id          text        NOT NULL CONSTRAINT item_groups_id_unique UNIQUE,
    name        text        NOT NULL,
    name_key    text        NOT NULL CONSTRAINT item_groups_name_unique UNIQUE,
    description text        NOT NULL DEFAULT '',
    position    integer     NOT NULL,
    collapsed   boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
  );
  ALTER TABLE items ADD COLUMN group_id text REFERENCES item_groups(id) ON DELETE SET NULL;
  ALTER TABLE items ADD COLUMN position integer NOT NULL DEFAULT 0;
  UPDATE items SET position = ranked.n FROM (SELECT id, row_number() OVER (ORDER BY seq) - 1 AS n FROM items) ranked WHERE ranked.id = items.id;
  CREATE INDEX items_by_group ON items (group_id, position);
  `,
  // Page settings (one row, JSON) and the uploaded logo and favicon.
  `
  CREATE TABLE page_settings (
    id         integer     PRIMARY KEY CHECK (id = 1),
    body       text        NOT NULL,
    updated_at timestamptz NOT NULL
  );
  CREATE TABLE page_images (
    slot         text  PRIMARY KEY CHECK (slot IN ('logo', 'favicon')),
    content_type text  NOT NULL,
    sha256       text  NOT NULL,
    bytes        bytea NOT NULL
  );
  `,
  // Inlets: hooks, their calls, heartbeats and per-item inlet state (see sql/inlets.ts).
  INLET_TABLES,
  // The outbox (#18), as in SQLite's migration of the same name.
  `
  CREATE TABLE outbox_events (
    revision bigint      PRIMARY KEY,
    id       text        NOT NULL UNIQUE,
    type     text        NOT NULL,
    item_id  text,
    at       timestamptz NOT NULL,
    data     text        NOT NULL
  );
  CREATE TABLE outbox_item_notices (
    item_id      text PRIMARY KEY,
    name         text NOT NULL,
    status_id    text,
    status_name  text,
    status_color text,
    status_kind  integer
  );
  INSERT INTO outbox_item_notices (item_id, name, status_id, status_name, status_color, status_kind)
    SELECT i.id, i.name, s.id, s.name, s.color, s.kind FROM items i LEFT JOIN statuses s ON s.id = i.status_id;
  CREATE TABLE webhooks (
    id                    text        PRIMARY KEY,
    url                   text        NOT NULL,
    description           text        NOT NULL,
    events                text        NOT NULL,
    item_ids              text        NOT NULL,
    format                text        NOT NULL,
    secret                text        NOT NULL,
    previous_secret       text,
    previous_secret_until timestamptz,
    enabled               boolean     NOT NULL,
    disabled_reason       text        NOT NULL DEFAULT '',
    cursor                bigint      NOT NULL,
    attempts              integer     NOT NULL DEFAULT 0,
    next_attempt_at       timestamptz NOT NULL,
    failing_since         timestamptz,
    lease_owner           text,
    lease_until           timestamptz,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
  );
  CREATE TABLE webhook_deliveries (
    id          text        PRIMARY KEY,
    webhook_id  text        NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id    text        NOT NULL,
    event_type  text        NOT NULL,
    at          timestamptz NOT NULL,
    attempt     integer     NOT NULL,
    status_code integer     NOT NULL,
    duration_ms integer     NOT NULL,
    error       text        NOT NULL,
    ok          boolean     NOT NULL
  );
  CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, at);
  `,
  // Email subscriptions (#18): subscribers (double opt-in: a hashed, expiring confirmation token;
  // per-address throttles), the queue of rendered mails (ordered per address by seq, leased),
  // and the mail cursor over outbox_events (one row, leased like a webhook).
  `
  CREATE TABLE mail_subscribers (
    id                   text    PRIMARY KEY,
    email                text    NOT NULL,
    email_key            text    NOT NULL UNIQUE,
    item_ids             text    NOT NULL,
    pending_item_ids     text,
    confirmed_at         timestamptz,
    confirm_token_hash   text    UNIQUE,
    confirm_expires_at   timestamptz,
    unsubscribe_token    text    NOT NULL UNIQUE,
    created_at           timestamptz NOT NULL,
    last_confirmation_at timestamptz,
    confirmations_since  timestamptz,
    confirmations_count  integer NOT NULL DEFAULT 0,
    window_start         timestamptz,
    window_count         integer NOT NULL DEFAULT 0,
    skipped              integer NOT NULL DEFAULT 0
  );
  CREATE TABLE mail_queue (
    seq             bigserial PRIMARY KEY,
    message_id      text    NOT NULL UNIQUE,
    subscriber_id   text    NOT NULL REFERENCES mail_subscribers(id) ON DELETE CASCADE,
    to_address      text    NOT NULL,
    subject         text    NOT NULL,
    text_body       text    NOT NULL,
    html_body       text    NOT NULL,
    headers         text    NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text    NOT NULL DEFAULT '',
    lease_owner     text,
    lease_until     timestamptz
  );
  CREATE INDEX mail_queue_by_subscriber ON mail_queue(subscriber_id, seq);
  CREATE TABLE mail_cursor (
    id          integer PRIMARY KEY CHECK (id = 1),
    cursor      bigint  NOT NULL,
    lease_owner text,
    lease_until timestamptz
  );
  `,
];

/** The advisory lock key (an int8, as text) for `name` in the schema `schema`, computed by the server. */
export async function lockKey(client: ClientBase, schema: string, name: string): Promise<string> {
  const { rows } = await client.query<{ key: string }>("SELECT hashtextextended($1, 0)::text AS key", [`statusthing:${schema}:${name}`]);
  return rows[0]!.key;
}

/** The schema StatusThing's tables live in: the first existing one on the search_path. */
export async function currentSchema(client: ClientBase): Promise<string> {
  const { rows } = await client.query<{ schema: string | null }>("SELECT current_schema() AS schema");
  const schema = rows[0]?.schema;
  if (!schema) throw new Error("no schema to create tables in: none of the search_path's schemas exists");
  return schema;
}

/**
 * Applies the migrations the database lacks and refuses a database from a newer StatusThing,
 * all in one transaction under an advisory lock: replicas starting at once migrate one after
 * the other, and the later ones find nothing left to do. A refused database is left exactly as
 * it was. Returns the version before and after.
 */
export async function migrate(client: ClientBase, schema: string): Promise<{ from: number; to: number }> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1::int8)", [await lockKey(client, schema, "migrate")]);
    await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
    const { rows } = await client.query<{ version: number }>("SELECT coalesce(max(version), 0)::integer AS version FROM schema_migrations");
    const from = rows[0]!.version;
    if (from > migrations.length) throw new DatabaseTooNewError(from, migrations.length);
    for (let version = from + 1; version <= migrations.length; version++) {
      await client.query(migrations[version - 1]!);
      await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [version]);
    }
    await client.query("COMMIT");
    return { from, to: migrations.length };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
