/**
 * The public documents other tools read with a plain GET: Statuspage v2 JSON (`/api/v2/*.json`),
 * Atom and RSS feeds, and SVG badges. Each is built once per data version (see DocumentCache),
 * served with an ETag (and Last-Modified for feeds) so that pollers mostly get 304s, and behind
 * `--private` like every read.
 */
import { overallStatus } from "../../shared/status-kinds.js";
import type { AccessGuard } from "../auth/guard.js";
import { requestOrigin } from "../auth/guard.js";
import { DomainError, headerInvalid, notFound } from "../errors.js";
import { requestFacts, type RequestFacts } from "../auth/request-facts.js";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import type { Logger } from "../logger.js";
import type { CallRecord } from "../rpc/call-record.js";
import type { Store } from "../store/store.js";
import type { ItemView } from "../domain.js";
import { itemBadge, notFoundBadge, pageBadge, parseBadgeOptions, type BadgeOptions } from "./badges.js";
import { DocumentCache, etagOf, type BuiltDocument } from "./document-cache.js";
import { buildFeed, FEED_ENTRIES } from "./feeds.js";
import { pageIdentity, type PageIdentity } from "./page-identity.js";
import type { PageSettingsView } from "../page-settings-view.js";
import { STATUSPAGE_DOCUMENTS, statuspageView } from "./statuspage.js";
import type { IncidentsView } from "./statuspage-incidents.js";
import { PHASE_ACTIVE, PHASE_COMPLETED, PHASE_SCHEDULED } from "../incident-records.js";

/** What the read endpoints need from the app. */
export interface ReadEndpointsOptions {
  /** Where built documents are kept; the app drops them after every committed change. */
  cache: DocumentCache;
  store: Store;
  guard: AccessGuard;
  private: boolean;
  /** How many proxies' X-Forwarded-* to believe (`--trust-proxy`), for the page's own URL. */
  trustProxy: number;
  /** The page's public URL (`--public-url`): documents link there whatever host was asked. */
  publicUrl: string | undefined;
  now: () => Date;
  log: Logger;
  /** The page settings now (name, time zone, logo): every document names the page by them. */
  settings?: () => Promise<PageSettingsView>;
}

/** The public read endpoints: a request handler that says whether the path was its own. */
export interface ReadEndpoints {
  /** Serves the request and returns true when its path (without the query) is one of these documents. */
  handle(req: NodeRequest, res: NodeResponse, record: CallRecord, path: string): boolean;
}

/** Reads of the same data as ListItems: the same rule decides who may make them. */
const ACCESS_AS = "statusthing.v1.ItemsService/ListItems";

const JSON_TYPE = "application/json; charset=utf-8";
const SVG_TYPE = "image/svg+xml; charset=utf-8";
const ATOM_TYPE = "application/atom+xml; charset=utf-8";
const RSS_TYPE = "application/rss+xml; charset=utf-8";

/** Ids are KSUIDs: anything else names no item, and never reaches the store. */
const ITEM_PATH = /^\/items\/([0-9A-Za-z]{27})\/(badge\.svg|feed\.atom)$/;
const ANY_ITEM_PATH = /^\/items\/[^/]*\/(badge\.svg|feed\.atom)$/;

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Status changes read for a feed: its 50 entries, and the ones before them to say what each changed from. */
const TRANSITIONS_READ = 200;

/** How long a client or proxy may reuse each kind of answer without asking again. */
const MAX_AGE_SECONDS = { json: 5, feed: 30, badge: 10 } as const;

type Route =
  | { kind: "statuspage"; path: string }
  | { kind: "page-badge" }
  | { kind: "page-feed"; format: "atom" | "rss" }
  | { kind: "item-badge"; id: string | undefined }
  | { kind: "item-feed"; id: string | undefined };

/** The endings of every path here: anything else (every RPC) is turned away by one look at the end. */
const ENDINGS = [".json", ".svg", ".atom", ".rss"];

/** The badge without `?style=` or `?label=`. */
const DEFAULT_BADGE: BadgeOptions = { style: "flat", label: undefined };

function maxAgeOf(r: Route): number {
  return MAX_AGE_SECONDS[r.kind === "statuspage" ? "json" : r.kind.endsWith("badge") ? "badge" : "feed"];
}

function route(path: string): Route | undefined {
  if (!ENDINGS.some((ending) => path.endsWith(ending))) return undefined;
  if (Object.hasOwn(STATUSPAGE_DOCUMENTS, path)) return { kind: "statuspage", path };
  if (path === "/badge.svg") return { kind: "page-badge" };
  if (path === "/feed.atom") return { kind: "page-feed", format: "atom" };
  if (path === "/feed.rss") return { kind: "page-feed", format: "rss" };
  const item = ITEM_PATH.exec(path);
  const anyItem = item ?? ANY_ITEM_PATH.exec(path);
  if (!anyItem) return undefined;
  const id = item?.[1];
  return anyItem[anyItem.length - 1] === "badge.svg" ? { kind: "item-badge", id } : { kind: "item-feed", id };
}

function document(status: number, contentType: string, text: string, lastModified?: Date): BuiltDocument {
  const body = Buffer.from(text, "utf8");
  return { status, contentType, body, etag: etagOf(body), ...(lastModified ? { lastModified } : {}) };
}

/** Whether the client's validators match, so a 304 answers. */
function notModified(req: NodeRequest, doc: BuiltDocument): boolean {
  const ifNoneMatch = req.headers["if-none-match"];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch
      .split(",")
      .map((tag) => tag.trim().replace(/^W\//, ""))
      .some((tag) => tag === "*" || tag === doc.etag);
  }
  const ifModifiedSince = req.headers["if-modified-since"];
  if (ifModifiedSince !== undefined && doc.lastModified) {
    const since = Date.parse(ifModifiedSince);
    // HTTP dates have whole seconds.
    return !Number.isNaN(since) && Math.floor(doc.lastModified.getTime() / 1000) * 1000 <= since;
  }
  return false;
}

const HTTP_STATUS: Record<string, number> = { invalid_argument: 400, unauthenticated: 401, permission_denied: 403, not_found: 404 };

/** How many incidents and windows the Statuspage lists carry. */
const STATUSPAGE_LIST_SIZE = 50;

/** The incidents and maintenance the Statuspage documents show. */
async function readIncidents(store: Store): Promise<IncidentsView> {
  const latest = { phases: [], from: undefined, to: undefined, order: "newest", limit: STATUSPAGE_LIST_SIZE, after: undefined } as const;
  const [recent, live, maintenances] = await Promise.all([
    store.incidents.list({ ...latest, kind: "incident" }),
    store.incidents.live(),
    store.incidents.list({ ...latest, kind: "maintenance", phases: [PHASE_SCHEDULED, PHASE_ACTIVE, PHASE_COMPLETED] }),
  ]);
  return { recent, unresolved: live.incidents, maintenances };
}

/** Builds the read endpoints over a store. */
export function createReadEndpoints(options: ReadEndpointsOptions): ReadEndpoints {
  const { store, guard, cache } = options;

  const listItems = (withNotes: boolean) => store.listItems({ statusIds: [], kinds: [], withNotes });
  const getItem = (id: string | undefined, withNotes: boolean): Promise<ItemView | undefined> => (id === undefined ? Promise.resolve(undefined) : store.getItem(id, withNotes));

  function build(r: Route, identity: PageIdentity, badge: BadgeOptions | undefined): Promise<BuiltDocument> {
    switch (r.kind) {
      case "statuspage":
        return Promise.all([listItems(false), readIncidents(store)]).then(([items, incidents]) => {
          const view = statuspageView(identity, items, options.now(), incidents);
          return document(200, JSON_TYPE, JSON.stringify(STATUSPAGE_DOCUMENTS[r.path]!(view)));
        });
      case "page-badge":
        return listItems(false).then(async (items) => {
          const overall = overallStatus(items.map((item) => item.status?.kind));
          return document(200, SVG_TYPE, await pageBadge(overall.banner, overall.worst.kind, badge!));
        });
      case "item-badge":
        return getItem(r.id, false).then(async (item) => (item ? document(200, SVG_TYPE, await itemBadge(item, badge!)) : document(404, SVG_TYPE, await notFoundBadge(badge!))));
      case "page-feed":
        return Promise.all([
          listItems(true),
          store.recentTransitions(undefined, TRANSITIONS_READ),
          store.incidents.list({ kind: "incident", phases: [], from: undefined, to: undefined, order: "newest", limit: FEED_ENTRIES, after: undefined }),
        ]).then(async ([items, transitions, incidents]) => {
          const { feed, updated } = await buildFeed(identity, items, transitions, { incidents });
          return document(200, r.format === "atom" ? ATOM_TYPE : RSS_TYPE, r.format === "atom" ? feed.atom1() : feed.rss2(), updated);
        });
      case "item-feed":
        return getItem(r.id, true).then(async (item) => {
          if (!item) throw notFound("item", r.id ?? "");
          const { feed, updated } = await buildFeed(identity, [], await store.recentTransitions(item.id, TRANSITIONS_READ), { item });
          return document(200, ATOM_TYPE, feed.atom1(), updated);
        });
    }
  }

  /** A document's response headers: the same for every request of it, so made once (see BuiltDocument.headers). */
  function headersOf(doc: BuiltDocument, maxAge: number): NonNullable<BuiltDocument["headers"]> {
    const headers: Record<string, string> = {
      "content-type": doc.contentType,
      etag: doc.etag,
      "cache-control": options.private ? `private, max-age=${maxAge}` : `public, max-age=${maxAge}`,
      "x-content-type-options": "nosniff",
    };
    if (options.private) headers.vary = "Cookie, Authorization";
    else headers["access-control-allow-origin"] = "*";
    if (doc.lastModified) headers["last-modified"] = doc.lastModified.toUTCString();
    // An SVG opened on its own is a document: nothing in it may run or load.
    if (doc.contentType === SVG_TYPE) headers["content-security-policy"] = "default-src 'none'; style-src 'unsafe-inline'";
    return { notModified: headers, full: { ...headers, "content-length": String(doc.body.length) } };
  }

  function send(req: NodeRequest, res: NodeResponse, record: CallRecord, doc: BuiltDocument, maxAge: number): void {
    // A document is served under one route, so with one max-age.
    const headers = (doc.headers ??= headersOf(doc, maxAge));
    record.code = doc.status === 200 ? "ok" : "not_found";
    if (doc.status === 200 && notModified(req, doc)) {
      res.writeHead(304, headers.notModified);
      res.end();
      return;
    }
    res.writeHead(doc.status, headers.full);
    if (req.method === "HEAD") res.end();
    else res.end(doc.body);
  }

  function sendError(res: NodeResponse, record: CallRecord, error: unknown): void {
    const known = error instanceof DomainError;
    if (!known) options.log.error({ err: error }, "building a public document failed");
    const code = known ? error.kind : "internal";
    record.code = code;
    if (res.headersSent) return void res.end();
    const body = JSON.stringify({ code, message: known ? error.message : "internal error", reason: known ? error.reason : "INTERNAL" });
    res.writeHead(HTTP_STATUS[code] ?? 500, { "content-type": JSON_TYPE, "content-length": String(Buffer.byteLength(body)), "cache-control": "no-store" });
    res.end(body);
  }

  /** The page's URL as this request reached it. */
  function requestedOrigin(facts: Parameters<typeof requestOrigin>[0]): string {
    const { host, secure } = requestOrigin(facts, options.trustProxy);
    // The host goes into links in the documents: a name or an address and a port, nothing else.
    if (!HOST.test(host)) throw headerInvalid("Host", "is not a host name");
    return `${secure ? "https" : "http"}://${host}`;
  }

  const publicOrigin = options.publicUrl === undefined ? undefined : new URL(options.publicUrl).href.replace(/\/$/, "");

  /** Which document a request asks for; throws what a bad Host or badge option is answered with. */
  function keyOf(r: Route, path: string, query: URLSearchParams | undefined, facts: RequestFacts): { key: string; origin: string; badge: BadgeOptions | undefined } {
    const origin = publicOrigin ?? requestedOrigin(facts);
    const badge = r.kind === "page-badge" || r.kind === "item-badge" ? (query ? parseBadgeOptions(query) : DEFAULT_BADGE) : undefined;
    return { key: `${path}\n${origin}\n${badge?.style ?? ""}\n${badge?.label ?? "\0"}`, origin, badge };
  }

  async function serveRoute(r: Route, path: string, query: URLSearchParams | undefined, req: NodeRequest, res: NodeResponse, record: CallRecord): Promise<void> {
    const facts = requestFacts(req);
    if (options.private) await guard.check(ACCESS_AS, facts);
    const { key, origin, badge } = keyOf(r, path, query, facts);
    const doc = await cache.get(key, async () => build(r, pageIdentity(origin, await options.settings?.()), badge));
    send(req, res, record, doc, maxAgeOf(r));
  }

  /**
   * A public request for a document already built, answered at once (no promise); false when
   * it must take serveRoute's road (an access check, a build, an error to answer).
   */
  function servedAtOnce(r: Route, path: string, req: NodeRequest, res: NodeResponse, record: CallRecord): boolean {
    if (options.private) return false;
    let key: string;
    try {
      ({ key } = keyOf(r, path, undefined, requestFacts(req)));
    } catch {
      return false;
    }
    const doc = cache.peek(key);
    if (doc === undefined) return false;
    send(req, res, record, doc, maxAgeOf(r));
    return true;
  }

  return {
    handle(req, res, record, path) {
      const r = route(path);
      if (!r) return false;
      // The path as sent names the document (the route is read from it); only a query needs parsing.
      const url = req.url ?? "/";
      let query: URLSearchParams | undefined;
      if (url.length > path.length) {
        try {
          query = new URL(url, "http://localhost").searchParams;
        } catch {
          return false;
        }
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        record.code = "invalid_argument";
        res.writeHead(405, { allow: "GET, HEAD", "content-type": JSON_TYPE });
        res.end(JSON.stringify({ code: "invalid_argument", message: "use GET or HEAD" }));
        return true;
      }
      if (query === undefined && servedAtOnce(r, path, req, res, record)) return true;
      serveRoute(r, path, query, req, res, record).catch((error: unknown) => sendError(res, record, error));
      return true;
    },
  };
}
