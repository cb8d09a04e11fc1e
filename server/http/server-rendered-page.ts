import type { NodeRequest } from "../node-request.js";

/**
 * A page's current content as plain HTML, for clients that run no JavaScript (crawlers, text
 * browsers, locked-down kiosks). The web handler puts it into the app's `index.html`: `head`
 * before `</head>`, `body` first thing in the app's element, `title` as the document's title.
 * Both parts live inside `<noscript>`, so when JavaScript runs the app takes over and they are
 * inert text.
 */
export interface RenderedPage {
  /** 200, or 404 for an item that does not exist. */
  status: number;
  title: string;
  head: string;
  body: string;
  /** The content depends on who asked (a private page): no shared cache may keep it. */
  personal: boolean;
}

/** Renders the pages the server has content for; undefined for any other path. */
export interface PageRenderer {
  render(req: NodeRequest, path: string): Promise<RenderedPage | undefined>;
}
