/**
 * Atom 1.0 and RSS 2.0 feeds of what happened on the page, newest first, written by the `feed`
 * library. Entries are the notes (status updates) people post on items.
 */
import { Feed } from "feed";
import type { ItemView, NoteRecord } from "../domain.js";
import type { PageIdentity } from "./page-identity.js";

/** How many entries a feed carries. */
export const FEED_ENTRIES = 50;

/** One thing that happened, as a feed shows it. */
interface FeedEvent {
  /** Stable across rebuilds and replicas, so readers never show an entry twice. */
  id: string;
  item: ItemView;
  note: NoteRecord;
}

/** Characters XML 1.0 cannot carry at all (most C0 controls, U+FFFE/U+FFFF, lone surrogates). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text for an element the feed declares as HTML: escaped, so a name is never markup. */
function html(text: string): string {
  return text.replace(NOT_XML, "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The first line of a note, shortened for a title. */
function headline(text: string): string {
  const line = text.trim().split("\n", 1)[0]!;
  const chars = [...line];
  return chars.length > 120 ? `${chars.slice(0, 119).join("")}…` : line;
}

/** The newest events among these items' notes. */
function latestEvents(items: readonly ItemView[]): FeedEvent[] {
  const events: FeedEvent[] = [];
  for (const item of items) for (const note of item.notes ?? []) events.push({ id: `note:${note.id}`, item, note });
  events.sort((a, b) => b.note.created.getTime() - a.note.created.getTime() || (a.note.id < b.note.id ? 1 : -1));
  return events.slice(0, FEED_ENTRIES);
}

/** The paths a feed lives at, relative to the page. */
export interface FeedScope {
  /** The item, for an item's own feed; undefined for the whole page. */
  item?: ItemView;
}

/** Builds the feed for the page or one item, with its entries; the caller picks the format. */
export function buildFeed(identity: PageIdentity, items: readonly ItemView[], scope: FeedScope): { feed: Feed; updated: Date } {
  const base = identity.url;
  const scoped = scope.item ? [scope.item] : items;
  const events = latestEvents(scoped);
  const pageLink = scope.item ? `${base}/items/${encodeURIComponent(scope.item.id)}` : `${base}/`;
  // Adding, editing or deleting a note updates its item, so the items' times cover the entries.
  const updated = scoped.reduce((latest, item) => (item.updated > latest ? item.updated : latest), new Date(0));
  const feed = new Feed({
    id: `${pageLink}#feed`,
    title: html(scope.item ? `${scope.item.name} · ${identity.name}` : identity.name),
    description: html(scope.item ? `Status updates for ${scope.item.name}` : `Status updates from ${identity.name}`),
    link: pageLink,
    updated,
    generator: false,
    author: { name: html(identity.name), link: `${base}/` },
    feedLinks: scope.item ? { atom: `${pageLink}/feed.atom` } : { atom: `${base}/feed.atom`, rss: `${base}/feed.rss` },
  });
  for (const { id, item, note } of events) {
    const link = `${base}/items/${encodeURIComponent(item.id)}`;
    feed.addItem({
      id: `${base}/#${id}`,
      guid: `${base}/#${id}`,
      title: html(`${item.name}: ${headline(note.text)}`),
      link,
      date: note.updated,
      published: note.created,
      description: html(`${item.name} — ${item.status?.name ?? "no status"}: ${note.text}`),
      content: html(note.text).replace(/\n/g, "<br>"),
    });
  }
  return { feed, updated };
}
