import { createContextKey } from "@connectrpc/connect";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { NodeRequest } from "../node-request.js";

/** Reads a request header by name, as fetch's `Headers.get` does (repeated ones joined by ", "). */
export type HeaderReader = Pick<Headers, "get">;

/** The parts of an HTTP request the guard looks at, from any transport. */
export interface RequestFacts {
  headers: HeaderReader;
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
  return {
    headers: new NodeHeaderReader(req.headers),
    remoteAddress: req.socket?.remoteAddress ?? "",
    host: req.headers.host ?? (typeof authority === "string" ? authority : ""),
  };
}

/** A Connect call's facts, put into its context values by the app when the call starts. */
export const requestFactsKey = createContextKey<RequestFacts>({ headers: new Headers(), remoteAddress: "", host: "" }, { description: "request facts" });

/**
 * Node's header object read as `toHeaders(headers).get` would, without copying it into a fetch
 * `Headers` first: the guard reads two or three headers of every call.
 */
class NodeHeaderReader implements HeaderReader {
  constructor(private readonly nodeHeaders: IncomingHttpHeaders) {}

  get(name: string): string | null {
    return nodeHeader(this.nodeHeaders, name);
  }
}

/** One header of Node's header object, as `toHeaders(headers).get(name)` would give it (repeated ones joined). */
export function nodeHeader(nodeHeaders: IncomingHttpHeaders, name: string): string | null {
  const key = name.toLowerCase();
  if (key.startsWith(":")) return null;
  let value = nodeHeaders[key];
  // HTTP/2's :authority stands for Host when no Host header came.
  if (key === "host" && value === undefined) value = nodeHeaders[":authority"];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Node's header object as a fetch `Headers` (HTTP/2's :authority as Host), for what needs a whole one. */
export function toHeaders(nodeHeaders: IncomingHttpHeaders): Headers {
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
