import type { IncomingHttpHeaders } from "node:http";
import type { ConnectionFacts } from "../rpc/call-record.js";
import type { NodeRequest } from "./request-log.js";

/** The peer's address and the requested host, over HTTP/1.1 (Host) or HTTP/2 (:authority). */
export function connectionFacts(req: NodeRequest): ConnectionFacts {
  const authority = req.headers[":authority"];
  return {
    remoteAddress: req.socket?.remoteAddress ?? "",
    host: req.headers.host ?? (typeof authority === "string" ? authority : ""),
  };
}

/** Node's header object as a fetch `Headers`, so one guard serves every transport. */
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
