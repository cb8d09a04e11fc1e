/**
 * The statements the PostgreSQL store runs: the shared SQL (`../sql/statements.ts`) numbered
 * once, and what only PostgreSQL says this way (array parameters, RETURNING, the change log's state).
 */
import { CHANGE_COLUMNS, ITEM_SELECT, LOGGED_NOTE_COLUMNS, PAGE_ORDER, SQL, STATUS_COLUMNS } from "../sql/statements.js";
import { numbered } from "./dialect.js";

/** The shared statements with PostgreSQL placeholders. */
export const Q = Object.fromEntries(Object.entries(SQL).map(([name, sql]) => [name, numbered(sql)])) as { readonly [name in keyof typeof SQL]: string };

/** The items an UPDATE … RETURNING gave (`i`: ITEM_SELECT's item columns and status_id), with their statuses and notes: ITEM_SELECT's columns, the notes one array per column. */
const UPDATED_ITEMS = `SELECT i.id, i.name, i.description, i.created_at, i.updated_at, i.group_id, i.position,
           s.id AS s_id, s.name AS s_name, s.description AS s_description, s.color AS s_color,
           s.kind AS s_kind, s.created_at AS s_created_at, s.updated_at AS s_updated_at,
           n.ids AS note_ids, n.texts AS note_texts, n.created AS note_created, n.updated AS note_updated
    FROM i LEFT JOIN statuses s ON s.id = i.status_id,
    LATERAL (SELECT coalesce(array_agg(id ORDER BY seq), '{}') AS ids, coalesce(array_agg(text ORDER BY seq), '{}') AS texts,
                    coalesce(array_agg(created_at ORDER BY seq), '{}') AS created, coalesce(array_agg(updated_at ORDER BY seq), '{}') AS updated
             FROM notes WHERE item_id = i.id) n`;

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
   * Q.updateItem (values: itemPatchValues), and the item as updated with its status and notes
   * (ITEM_SELECT's columns, the notes one array per column), in one round trip. The statement's
   * snapshot is from before the update, so the item comes from RETURNING; statuses and notes
   * it does not change.
   */
  updateItemReturning: `WITH i AS (${Q.updateItem} RETURNING id, name, description, created_at, updated_at, group_id, position, status_id) ${UPDATED_ITEMS}`,
  /**
   * updateItemReturning for several items at once, none renamed and none twice (values: their ids,
   * descriptions, status ids and update times as arrays; a null keeps what the item has). One row
   * per item found, in no particular order.
   */
  updateItemsReturning: `WITH p AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS p(id, description, status_id, updated_at)
    ), i AS (
      UPDATE items SET description = coalesce(p.description, items.description), status_id = coalesce(p.status_id, items.status_id), updated_at = p.updated_at
      FROM p WHERE items.id = p.id RETURNING items.id, items.name, items.description, items.created_at, items.updated_at, items.group_id, items.position, items.status_id
    ) ${UPDATED_ITEMS}`,
  pruneChanges: "DELETE FROM changes WHERE revision <= (SELECT latest FROM change_log_state) - $1 AND at < $2",
  /** One statement, one snapshot: the newest revision and the oldest retained agree. */
  bounds: "SELECT latest, (SELECT min(revision) FROM changes) AS oldest FROM change_log_state",
} as const;
