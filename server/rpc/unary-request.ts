import { Code, ConnectError, type ContextValues } from "@connectrpc/connect";
import type { UniversalServerRequest } from "@connectrpc/connect/protocol";
import type { NodeRequest, NodeResponse } from "../node-request.js";
import { toHeaders } from "../auth/request-facts.js";

/**
 * A unary call whose body the adapter has read, as Connect's handler takes it: what
 * `universalRequestFromNodeRequest` makes, but with a signal that aborts only when the client
 * goes away before its answer is written. Connect's aborts at the end of every call, and
 * `abort()` makes an AbortError with a stack each time (~3% of a signed-in call's CPU).
 * Its reason is the same AbortError as Connect's for a client gone away.
 */
export function unaryRequest(req: NodeRequest, res: NodeResponse, body: Uint8Array, contextValues: ContextValues): UniversalServerRequest {
  const encrypted = "encrypted" in req.socket && req.socket.encrypted === true;
  const authority = "authority" in req ? req.authority : req.headers.host;
  if (authority === undefined) throw new ConnectError("unable to determine request authority from Node.js server request", Code.Internal);
  return {
    httpVersion: req.httpVersion,
    method: req.method ?? "",
    url: new URL(req.url ?? "", `${encrypted ? "https" : "http"}://${authority}`).toString(),
    header: toHeaders(req.headers),
    body: (async function* () {
      yield body;
    })(),
    signal: clientGoneSignal(res),
    contextValues,
  };
}

/** Aborts when the response closes unanswered: the client went away (or reset the stream). */
function clientGoneSignal(res: NodeResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableEnded) controller.abort();
  });
  return controller.signal;
}
