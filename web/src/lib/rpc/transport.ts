import type { Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

/**
 * The one transport of the app: Connect over `fetch` to the server that served the page, in the
 * binary format (smaller and faster to parse than JSON). Created once in the root layout and
 * handed down by context, because a browser talking HTTP/1.1 has only ~6 connections per origin
 * and each open stream holds one.
 */
export function createAppTransport(baseUrl: string = location.origin): Transport {
  return createConnectTransport({ baseUrl, useBinaryFormat: true });
}
