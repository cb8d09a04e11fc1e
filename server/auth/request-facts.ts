import { createContextKey } from "@connectrpc/connect";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { NodeRequest } from "../node-request.js";

/** The parts of an HTTP request the guard looks at, from any transport. */
export interface RequestFacts {
  headers: Headers;
  remoteAddress: string;
  /** Host header (HTTP/1.1) or :authority (HTTP/2). */
  host: string;
}

/**
 * A request's facts, read from the Node request. This is the one road a request's context takes,
 * on every route: its facts are read here, the guard (`AccessGuard.check`) turns them into a
 * `RequestAuth` (who, from which client address, over HTTPS or not), and handlers use that.
 * Connect calls get their facts through `requestFactsKey` and their `RequestAuth` through
 * `requestAuthKey`, because Connect's request has no socket.
 */
export function requestFacts(req: NodeRequest | IncomingMessage): RequestFacts {
  const authority = req.headers[":authority"];
  let headers: Headers | undefined;
  return {
    // Built when first read: many requests (public documents, anonymous reads) never need them.
    get headers() {
      return (headers ??= toHeaders(req.headers));
    },
    remoteAddress: req.socket?.remoteAddress ?? "",
    host: req.headers.host ?? (typeof authority === "string" ? authority : ""),
  };
}

/** A Connect call's facts, put into its context values by the app when the call starts. */
export const requestFactsKey = createContextKey<RequestFacts>({ headers: new Headers(), remoteAddress: "", host: "" }, { description: "request facts" });

/** Node's header object as a fetch `Headers`, so one guard serves every transport. */
function toHeaders(nodeHeaders: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(nodeHeaders)) {
    if (value === undefined || name.startsWith(":")) {
      if (name === ":authority" && typeof value === "string") headers.set("host", value);
      continue;
    }
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  return headers;
}
