import type { AccessGuard } from "../auth/guard.js";
import { requestFacts } from "../auth/request-facts.js";
import { DomainError } from "../errors.js";
import type { PageRenderer, RenderedPage } from "../http/server-rendered-page.js";
import type { NodeRequest } from "../node-request.js";
import type { Logger } from "../logger.js";
import type { Store } from "../store/store.js";
import type { DocumentCache } from "./document-cache.js";
import { homePage, itemNotFoundPage, itemPage, privatePage, type PageContext } from "./no-script-html.js";
import { DEFAULT_PAGE_NAME } from "./page-identity.js";

/** What the pages without JavaScript are built from. */
export interface NoScriptPagesOptions {
  /** Built pages are kept here until the next committed change, like the other public documents. */
  cache: DocumentCache;
  store: Store;
  guard: AccessGuard;
  private: boolean;
  /** The zone times are shown in (`--time-zone`), unless the page settings name one. */
  timeZone: string;
  /** The page settings now (its name and time zone), when the app has them. */
  settings?: () => Promise<{ name: string; timeZone: string }>;
  now: () => Date;
  log: Logger;
}

/** Reads of the same data as ListItems: the same rule decides who may see them. */
const ACCESS_AS = "statusthing.v1.ItemsService/ListItems";

/** Ids are KSUIDs: anything else names no item and never reaches the store. */
const ITEM_PAGE = /^\/items\/([^/]+)\/?$/;
const KSUID = /^[0-9A-Za-z]{27}$/;

/**
 * The server-rendered public page (`/`) and item pages (`/items/<id>`), for clients without
 * JavaScript. Each is built once per data version (every commit drops it, as it drops the feeds)
 * however many ask; on a `--private` server only for a signed-in visitor, and then per visitor.
 */
export function createNoScriptPages(options: NoScriptPagesOptions): PageRenderer {
  const { store, cache } = options;
  let refused: RenderedPage | undefined;
  const context = async (): Promise<PageContext> => {
    const settings = await options.settings?.();
    return { pageName: settings?.name || DEFAULT_PAGE_NAME, timeZone: settings?.timeZone || options.timeZone, now: options.now() };
  };

  async function buildItem(id: string): Promise<RenderedPage> {
    const item = KSUID.test(id) ? await store.getItem(id, true) : undefined;
    if (!item) return itemNotFoundPage(await context());
    const [latest] = await store.recentTransitions(item.id, 1);
    // A reconstructed start says only "at least since": the page does not claim it.
    const since = latest && !latest.reconstructed && !latest.deleted ? latest.at : undefined;
    return itemPage(item, since, await context());
  }

  return {
    async render(req: NodeRequest, path: string): Promise<RenderedPage | undefined> {
      const itemMatch = ITEM_PAGE.exec(path);
      if (path !== "/" && !itemMatch) return undefined;
      if (options.private) {
        try {
          await options.guard.check(ACCESS_AS, requestFacts(req));
        } catch (error) {
          // One page for every stranger, so it is composed and compressed once.
          // It names nothing but the default (the settings are not for strangers either).
          if (error instanceof DomainError) return (refused ??= privatePage({ pageName: DEFAULT_PAGE_NAME, timeZone: options.timeZone }));
          throw error;
        }
      }
      try {
        return await built(itemMatch?.[1]);
      } catch (error) {
        options.log.error({ err: error, path }, "rendering the page without JavaScript failed; serving the app alone");
        throw error;
      }
    },
  };

  function built(itemId: string | undefined): Promise<RenderedPage> {
    const key = `no-script\n${itemId === undefined ? "/" : `/items/${itemId}`}`;
    return cache.get(key, async () => {
      const page = itemId !== undefined ? await buildItem(itemId) : await homePage(await store.listItems({ statusIds: [], kinds: [], withNotes: true }), await context());
      // Behind --private only signed-in visitors get here: no shared cache may keep what they saw.
      return options.private ? { ...page, personal: true } : page;
    });
  }
}
