/**
 * The public page and an item's page as plain HTML, for clients that run no JavaScript. The same
 * facts as the web app (banner, problems first, status by icon and words, notes rendered by the
 * one shared Markdown renderer), in markup that needs no script and no inline style, so the
 * strict Content-Security-Policy holds. Styled by `/no-script.css` (web/static).
 */
import { kindMeta, overallStatus, compareSeverity, type KindIcon, type KindMeta } from "../../shared/status-kinds.js";
import { problemSummary } from "../../shared/problem-summary.js";
import { lazyModule } from "../lazy-module.js";
import { escapeHtml } from "../../shared/escape-html.js";
import type { ItemView, NoteRecord } from "../domain.js";
import type { RenderedPage } from "../http/server-rendered-page.js";

// The Markdown renderer (markdown-it, ~1 MB of heap) is loaded with the first page that shows notes.
const noteMarkdown = lazyModule("markdown-it", () => import("../../shared/markdown/note-markdown.js"));

/** Notes an item's page shows, newest first; older ones are counted (the app shows them all). */
export const NO_SCRIPT_ITEM_NOTES = 100;

/** How often a page without JavaScript reloads itself, so a kiosk stays current. */
export const NO_SCRIPT_REFRESH_SECONDS = 60;

/** What every page says about the site. */
export interface PageContext {
  /** The page's name, e.g. "Status". */
  pageName: string;
  /** The IANA zone times are shown in. */
  timeZone: string;
  now: Date;
}

/** The shapes of each kind's icon, as the web app's StatusIcon draws them (24×24, stroked). */
const ICON_SHAPES: Record<KindIcon, string> = {
  check: '<circle cx="12" cy="12" r="9.5"/><path d="M7.5 12.5l3 3 6-6.5"/>',
  cross: '<circle cx="12" cy="12" r="9.5"/><path d="M8.5 8.5l7 7M15.5 8.5l-7 7"/>',
  power: '<path d="M12 3v8"/><path d="M6.6 6.6a7.7 7.7 0 1 0 10.8 0"/>',
  ban: '<circle cx="12" cy="12" r="9.5"/><path d="M5.5 5.5l13 13"/>',
  alert: '<path d="M12 3.2L2.2 20.2h19.6z"/><path d="M12 10v4.5"/><path d="M12 17.4v.1"/>',
  search: '<circle cx="10.5" cy="10.5" r="6.5"/><path d="M15.5 15.5l5 5"/>',
  eye: '<path d="M2 12s3.6-6.5 10-6.5S22 12 22 12s-3.6 6.5-10 6.5S2 12 2 12z"/><circle cx="12" cy="12" r="2.8"/>',
  plus: '<circle cx="12" cy="12" r="9.5"/><path d="M12 7.5v9M7.5 12h9"/>',
  archive: '<rect x="3" y="4" width="18" height="5" rx="1"/><path d="M5 9v10.5h14V9M10 13h4"/>',
  wrench: '<path d="M14.7 6.3a1 1 0 0 0 0 1.4l1.6 1.6a1 1 0 0 0 1.4 0l3.8-3.8a6 6 0 0 1-7.9 7.9l-6.9 6.9a2.1 2.1 0 0 1-3-3l6.9-6.9a6 6 0 0 1 7.9-7.9z"/>',
  question: '<circle cx="12" cy="12" r="9.5"/><path d="M9.3 9.3a2.8 2.8 0 1 1 3.9 2.6c-.7.3-1.2.9-1.2 1.7v.6"/><path d="M12 17.2v.1"/>',
};

function icon(meta: KindMeta): string {
  return `<svg class="nojs-icon" viewBox="0 0 24 24" width="20" height="20" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">${ICON_SHAPES[meta.icon]}</svg>`;
}

/** A time as the page's zone tells it, e.g. "30 Nov 2026, 14:05 UTC". */
export function formatTime(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).format(at);
}

function time(at: Date, context: PageContext): string {
  return `<time datetime="${at.toISOString()}">${escapeHtml(formatTime(at, context.timeZone))}</time>`;
}

function itemPath(id: string): string {
  return `/items/${encodeURIComponent(id)}`;
}

function statusLine(item: ItemView): string {
  const meta = kindMeta(item.status?.kind);
  const name = item.status?.name ?? meta.label;
  // The kind's words follow a status name that does not already say them ("Degraded (Warning)").
  const kindWords = name.trim().toLowerCase() === meta.label.toLowerCase() ? "" : ` <span class="nojs-kind">(${escapeHtml(meta.label)})</span>`;
  // The tones are the app's own contrast-checked colors (app.css); icon and words say it without color.
  return `<p class="nojs-status"><span class="nojs-pill tone-${meta.tone}">${icon(meta)}<span class="nojs-status-name">${escapeHtml(name)}</span></span>${kindWords}</p>`;
}

function note(note: NoteRecord, context: PageContext, renderNoteHtml: (text: string) => string): string {
  return `<div class="nojs-note"><div class="note-markdown">${renderNoteHtml(note.text)}</div><p class="nojs-when">${time(note.created, context)}</p></div>`;
}

function head(description: string): string {
  return [
    `<meta name="description" content="${escapeHtml(description)}">`,
    `<noscript><meta http-equiv="refresh" content="${NO_SCRIPT_REFRESH_SECONDS}"><link rel="stylesheet" href="/no-script.css"></noscript>`,
  ].join("\n    ");
}

function frame(context: PageContext, main: string): string {
  return [
    '<noscript><div class="nojs" data-testid="no-script-page">',
    `<header class="nojs-header"><p class="nojs-brand"><a href="/">${escapeHtml(context.pageName)}</a></p><p class="nojs-as-of">As of ${time(context.now, context)}</p></header>`,
    `<main class="nojs-main">${main}</main>`,
    '<footer class="nojs-footer"><p>This page reloads every minute. ',
    'Follow changes in a feed reader: <a href="/feed.atom">Atom</a> · <a href="/feed.rss">RSS</a>. ',
    "Live updates, history and the wall display need JavaScript.</p></footer>",
    "</div></noscript>",
  ].join("");
}

/** The public page: the overall banner, then every item, problems first, with its latest note. */
export async function homePage(items: readonly ItemView[], context: PageContext): Promise<RenderedPage> {
  const { renderNoteHtml } = await noteMarkdown();
  const sorted = [...items].sort((a, b) => compareSeverity(a.status?.kind, b.status?.kind));
  const overall = overallStatus(sorted.map((item) => item.status?.kind));
  const summary = problemSummary(sorted.map((item) => ({ name: item.name, kind: item.status?.kind })));
  const banner = items.length === 0 ? "Nothing is listed here yet" : overall.banner;
  const cards = sorted.map((item) => {
    const latest = item.notes?.at(-1);
    return [
      `<li class="nojs-item" data-item-id="${escapeHtml(item.id)}">`,
      `<h3 class="nojs-item-name"><a href="${itemPath(item.id)}">${escapeHtml(item.name)}</a></h3>`,
      statusLine(item),
      item.description ? `<p class="nojs-description">${escapeHtml(item.description)}</p>` : "",
      latest ? note(latest, context, renderNoteHtml) : "",
      "</li>",
    ].join("");
  });
  const tone = items.length === 0 ? "neutral" : overall.worst.tone;
  const main = [
    `<section class="nojs-banner tone-${tone}" aria-labelledby="nojs-banner-title">`,
    `<h1 id="nojs-banner-title">${items.length ? icon(overall.worst) : ""}${escapeHtml(banner)}</h1>`,
    summary ? `<p>${escapeHtml(summary)}.</p>` : "",
    "</section>",
    items.length ? `<h2 class="nojs-section-title">Systems</h2><ul class="nojs-items">${cards.join("")}</ul>` : "",
  ].join("");
  return {
    status: 200,
    title: `${banner} · ${context.pageName}`,
    head: head(summary ? `${banner}: ${summary}.` : `${banner}.`),
    body: frame(context, main),
    personal: false,
  };
}

/** An item's page: its status (and since when, when known), description and every note, newest first. */
export async function itemPage(item: ItemView, statusSince: Date | undefined, context: PageContext): Promise<RenderedPage> {
  const { renderNoteHtml } = await noteMarkdown();
  const all = item.notes ?? [];
  const notes = all.slice(-NO_SCRIPT_ITEM_NOTES).reverse();
  const older = all.length - notes.length;
  const meta = kindMeta(item.status?.kind);
  const main = [
    '<p class="nojs-back"><a href="/">← All systems</a></p>',
    `<article class="nojs-item nojs-item-page" data-item-id="${escapeHtml(item.id)}">`,
    `<h1 class="nojs-item-name">${escapeHtml(item.name)}</h1>`,
    statusLine(item),
    statusSince ? `<p class="nojs-since">Since ${time(statusSince, context)}</p>` : "",
    item.description ? `<p class="nojs-description">${escapeHtml(item.description)}</p>` : "",
    '<h2 class="nojs-section-title">Updates</h2>',
    notes.length
      ? `<ol class="nojs-notes" reversed>${notes.map((n) => `<li>${note(n, context, renderNoteHtml)}</li>`).join("")}</ol>`
      : '<p class="nojs-empty">No updates yet.</p>',
    older > 0 ? `<p class="nojs-older">${older} older ${older === 1 ? "update is" : "updates are"} not shown here; the feed and the page with JavaScript have them.</p>` : "",
    `<p class="nojs-feed"><a href="${itemPath(item.id)}/feed.atom">Updates for ${escapeHtml(item.name)} as a feed (Atom)</a></p>`,
    "</article>",
  ].join("");
  return {
    status: 200,
    title: `${item.name}: ${item.status?.name ?? meta.label} · ${context.pageName}`,
    head: head(`${item.name} is ${meta.state}.`),
    body: frame(context, main),
    personal: false,
  };
}

/** The answer for an item that does not exist (or never could: a malformed id). */
export function itemNotFoundPage(context: PageContext): RenderedPage {
  const main = '<h1>Page not found</h1><p>There is no such item on this page. It may have been removed.</p><p><a href="/">See all systems</a></p>';
  return { status: 404, title: `Not found · ${context.pageName}`, head: head("Page not found."), body: frame(context, main), personal: false };
}

/** What a private page says to a visitor who has not signed in: nothing about the systems. */
export function privatePage(context: Omit<PageContext, "now">): RenderedPage {
  const body = [
    '<noscript><div class="nojs" data-testid="no-script-page"><main class="nojs-main">',
    `<h1>${escapeHtml(context.pageName)}</h1>`,
    '<p>This status page is private. Sign in at <a href="/admin">/admin</a> with a browser that runs JavaScript.</p>',
    "</main></div></noscript>",
  ].join("");
  return { status: 200, title: context.pageName, head: '<noscript><link rel="stylesheet" href="/no-script.css"></noscript>', body, personal: true };
}
