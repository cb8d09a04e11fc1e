/**
 * The statements the PostgreSQL store runs: the shared SQL (`../sql/statements.ts`) numbered
 * once, and what only PostgreSQL says this way (array parameters, RETURNING, the change log's state).
 */
import { CHANGE_COLUMNS, ITEM_SELECT, LOGGED_NOTE_COLUMNS, PAGE_ORDER, SQL, STATUS_COLUMNS } from "../sql/statements.js";
import { numbered } from "./dialect.js";

/** The shared statements with PostgreSQL placeholders. */
export const Q = Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, numbered(sql)])) as { readonly [name in keyof typeof SQL]: string };

/** PostgreSQL's own statements. */
export const PG = {
  /** Kinds as an int array; an empty array means any. */
  listStatuses: `SELECT ${STATUS_COLUMNS} FROM statuses WHERE cardinality($1::integer[]) = 0 OR kind = ANY($1::integer[]) ORDER BY seq`,
  /** Seeding: a status the user already made under that name wins. */
  insertStatusUnlessNamed: `${Q.insertStatus} ON CONFLICT (name_key) DO NOTHING RETURNING ${STATUS_COLUMNS}`,
  updateStatus: `${Q.updateStatus} RETURNING ${STATUS_COLUMNS}`,
  statusUsers: "SELECT (SELECT count(*) FROM items WHERE status_id = $1) AS users FROM statuses WHERE id = $1",
  /** Status ids as a text array and kinds as an int array; an empty array means any. */
  listItems: `${ITEM_SELECT}
    WHERE (cardinality($1::text[]) = 0 OR i.status_id = ANY($1::text[])) AND (cardinality($2::integer[]) = 0 OR s.kind = ANY($2::integer[]))
    ${PAGE_ORDER}`,
  allItems: `${ITEM_SELECT} ${PAGE_ORDER}`,
  notesOfItems: `SELECT ${LOGGED_NOTE_COLUMNS} FROM notes WHERE item_id = ANY($1::text[]) ORDER BY seq`,
  /** The item's existence and its notes from one statement, so from one snapshot. */
  notesOfExistingItem: `SELECT n.id, n.item_id, n.text, n.created_at, n.updated_at, i.id IS NOT NULL AS found
    FROM (SELECT $1::text AS id) want LEFT JOIN items i ON i.id = want.id LEFT JOIN notes n ON n.item_id = i.id
    ORDER BY n.seq`,
  /** The note history of some items after a revision: see change-assembly.ts. */
  noteHistory: `SELECT ${CHANGE_COLUMNS} FROM changes
    WHERE entity_id = ANY($1::text[]) AND revision > $2 AND kind IN ('note_upsert', 'note_delete', 'item_delete')`,
  markSeeded: "INSERT INTO meta (key, value) VALUES ('default_statuses_seeded', $1)",
  /**
   * Appends a status transition unless the item's newest one already says the same (status and
   * kind; see isTransition): one statement, since writes hold the log's lock.
   */
  recordTransition: `INSERT INTO status_transitions (item_id, item_name, status_id, status_name, status_color, status_kind, deleted, at, pending_change)
    SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
    WHERE $7 OR NOT EXISTS (
      SELECT 1 FROM (SELECT status_id, status_kind, deleted FROM status_transitions WHERE item_id = $1 ORDER BY seq DESC LIMIT 1) last
      WHERE NOT last.deleted AND last.status_id IS NOT DISTINCT FROM $3 AND last.status_kind IS NOT DISTINCT FROM $6
    )`,
  pruneChanges: "DELETE FROM changes WHERE revision <= (SELECT latest FROM change_log_state) - $1 AND at < $2",
  /** One statement, one snapshot: the newest revision and the oldest retained agree. */
  bounds: "SELECT latest, (SELECT min(revision) FROM changes) AS oldest FROM change_log_state",
} as const;
