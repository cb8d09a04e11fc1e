/**
 * Atom 1.0 and RSS 2.0 feeds of what happened on the page, newest first, written by the `feed`
 * library. Entries are the notes (status updates) people post on items, the changes of items'
 * statuses, and (on the page's feed) the updates of incidents.
 */
import type { Feed } from "feed";
import type { ItemView, StatusTransition } from "../domain.js";
import type { IncidentRecord } from "../incident-records.js";
import type { PageIdentity } from "./page-identity.js";
import { lazyModule } from "../lazy-module.js";

// Loaded with the first feed, not at start-up (it brings an XML writer an idle server never needs).
const feedLibrary = lazyModule("feed", () => import("feed"));
// Notes are Markdown: their plain text comes from the shared renderer (markdown-it), loaded likewise.
const noteMarkdown = lazyModule("markdown-it", () => import("../../shared/markdown/note-markdown.js"));

type PlainText = (markdown: string) => string;

/** How many entries a feed carries. */
export const FEED_ENTRIES = 50;

/** One thing that happened, as a feed shows it. */
interface FeedEvent {
  /** Stable across rebuilds and replicas, so readers never show an entry twice. */
  id: string;
  /** The item's page, or undefined when the item is gone. */
  itemId: string | undefined;
  title: string;
  /** Plain text. */
  summary: string;
  /** Plain text; lines become line breaks. */
  body: string;
  published: Date;
  updated: Date;
  /** A page of its own (an incident's permalink), instead of the item's. */
  path?: string;
}

/** Characters XML 1.0 cannot carry at all (most C0 controls, U+FFFE/U+FFFF, lone surrogates). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: XML cannot carry them.
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

function noteEvents(items: readonly ItemView[], noteToPlainText: PlainText): FeedEvent[] {
  return items.flatMap((item) =>
    (item.notes ?? []).map((note) => {
      // Notes are Markdown; a feed carries their words, not their marks.
      const text = noteToPlainText(note.text);
      return {
        id: `note:${note.id}`,
        itemId: item.id,
        title: `${item.name}: ${headline(text)}`,
        summary: `${item.name} — ${item.status?.name ?? "no status"}: ${text}`,
        body: text,
        published: note.created,
        updated: note.updated,
      };
    }),
  );
}

/**
 * Status changes as events, from transitions newest first. Each says what came before when the
 * previous transition of the item is among those given. Reconstructed starts (made by a
 * migration, not seen happening) are not news.
 */
function transitionEvents(transitions: readonly StatusTransition[], present: ReadonlySet<string>): FeedEvent[] {
  const events: FeedEvent[] = [];
  // Walked oldest first, so each item's previous transition is at hand in one pass.
  const previous = new Map<string, StatusTransition>();
  for (const t of [...transitions].reverse()) {
    const before = previous.get(t.itemId);
    previous.set(t.itemId, t);
    if (t.reconstructed) continue;
    const was = before && !before.deleted ? (before.status?.name ?? "no status") : undefined;
    const now = t.status?.name ?? "no status";
    const [title, text] = t.deleted
      ? [`${t.itemName} was removed from the page`, `${t.itemName} was removed from the page${was ? ` (it was ${was})` : ""}.`]
      : was === undefined
        ? [`${t.itemName}: ${now}`, `${t.itemName} is ${now}.`]
        : [`${t.itemName}: ${was} → ${now}`, `${t.itemName} is ${now} (was ${was}).`];
    events.push({
      id: `status:${t.itemId}:${t.revision}`,
      itemId: present.has(t.itemId) ? t.itemId : undefined,
      title,
      summary: text,
      body: text,
      published: t.at,
      updated: t.at,
    });
  }
  return events;
}

const STATE_NAMES: Record<number, string> = { 1: "Investigating", 2: "Identified", 3: "Monitoring", 4: "Resolved" };

/** Each update of each incident, linking to the incident's page. */
function incidentEvents(incidents: readonly IncidentRecord[], noteToPlainText: PlainText): FeedEvent[] {
  return incidents.flatMap((incident) =>
    incident.updates.map((update) => ({
      id: `incident:${incident.id}:${update.id}`,
      itemId: undefined,
      title: `${incident.title} — ${STATE_NAMES[update.state]}`,
      // Updates are Markdown, like notes: a feed reader gets their plain text.
      summary: `${incident.title} — ${STATE_NAMES[update.state]}: ${noteToPlainText(update.message)}`,
      body: noteToPlainText(update.message),
      published: update.created,
      updated: update.created,
      path: `/incidents/${encodeURIComponent(incident.id)}`,
    })),
  );
}

/** The newest events, notes, status changes and incident updates together. */
function latestEvents(items: readonly ItemView[], transitions: readonly StatusTransition[], incidents: readonly IncidentRecord[], noteToPlainText: PlainText): FeedEvent[] {
  const present = new Set(items.map((item) => item.id));
  const events = [...noteEvents(items, noteToPlainText), ...transitionEvents(transitions, present), ...incidentEvents(incidents, noteToPlainText)];
  events.sort((a, b) => b.published.getTime() - a.published.getTime() || (a.id < b.id ? 1 : -1));
  return events.slice(0, FEED_ENTRIES);
}

/** The paths a feed lives at, relative to the page. */
export interface FeedScope {
  /** The item, for an item's own feed; undefined for the whole page. */
  item?: ItemView;
  /** The latest incidents, for the page's feed. */
  incidents?: readonly IncidentRecord[];
}

/**
 * Builds the feed for the page or one item, with its entries; the caller picks the format.
 * `transitions` are the newest status changes (of that item alone, for an item's feed), newest first.
 */
export async function buildFeed(
  identity: PageIdentity,
  items: readonly ItemView[],
  transitions: readonly StatusTransition[],
  scope: FeedScope,
): Promise<{ feed: Feed; updated: Date }> {
  const [{ Feed }, { noteToPlainText }] = await Promise.all([feedLibrary(), noteMarkdown()]);
  const base = identity.url;
  const scoped = scope.item ? [scope.item] : items;
  const events = latestEvents(scoped, transitions, scope.item ? [] : (scope.incidents ?? []), noteToPlainText);
  const pageLink = scope.item ? `${base}/items/${encodeURIComponent(scope.item.id)}` : `${base}/`;
  // Adding, editing or deleting a note updates its item, so the items' times and the newest
  // status change (which may be an item's deletion) cover the entries.
  const updated = [...scoped.map((item) => item.updated), ...transitions.slice(0, 1).map((t) => t.at), ...(scope.incidents ?? []).map((i) => i.updated)].reduce(
    (latest, at) => (at > latest ? at : latest),
    new Date(0),
  );
  const feed = new Feed({
    id: `${pageLink}#feed`,
    title: html(scope.item ? `${scope.item.name} · ${identity.name}` : identity.name),
    description: html(scope.item ? `Status updates for ${scope.item.name}` : identity.description || `Status updates from ${identity.name}`),
    link: pageLink,
    updated,
    generator: false,
    author: { name: html(identity.name), link: `${base}/` },
    ...(identity.logoUrl && { image: identity.logoUrl }),
    ...(identity.faviconUrl && { favicon: identity.faviconUrl }),
    feedLinks: scope.item ? { atom: `${pageLink}/feed.atom` } : { atom: `${base}/feed.atom`, rss: `${base}/feed.rss` },
  });
  for (const event of events) {
    feed.addItem({
      id: `${base}/#${event.id}`,
      guid: `${base}/#${event.id}`,
      title: html(event.title),
      link: event.path !== undefined ? `${base}${event.path}` : event.itemId === undefined ? `${base}/` : `${base}/items/${encodeURIComponent(event.itemId)}`,
      date: event.updated,
      published: event.published,
      description: html(event.summary),
      content: html(event.body).replace(/\n/g, "<br>"),
    });
  }
  return { feed, updated };
}
