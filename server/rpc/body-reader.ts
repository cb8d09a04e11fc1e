import { Code, ConnectError } from "@connectrpc/connect";
import type { NodeRequest } from "../node-request.js";

/** A body cut short: the client went away, or was cut off for sending too slowly; not a server failure. */
export function clientWentAway(cause: Error): ConnectError {
  return new ConnectError("the client went away before sending its whole request", Code.Aborted, undefined, undefined, cause);
}

/**
 * The one reader of request bodies that the server reads itself (Connect unary JSON calls and
 * WatchItems; a cacheable read's small declared body has readDeclaredBody; Connect reads the others, with the same limit as readMaxBytes). Too big means more
 * than `max` bytes on the wire, declared or sent; a compressed body is then held to the same
 * limit once inflated, by whoever inflates it.
 *
 * Resolves to the whole body, or to undefined once it passes `max` bytes (reading stops there,
 * so the connection cannot carry another request).
 */
export function readBody(req: NodeRequest, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers["content-length"] ?? 0) > max) return resolve(undefined);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off("data", onData);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onError = (error: Error) => reject(clientWentAway(error));
    // Once read, no listener stays behind: a watch stream's request lives as long as the stream.
    const onEnd = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      resolve(Buffer.concat(chunks));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}
