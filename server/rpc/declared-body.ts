import type { NodeRequest } from "../node-request.js";

/**
 * Reads a request body of a declared, small Content-Length (Node's parser holds the body to it)
 * and calls back once: with the body, or with the error that cut it short. No promise: a read
 * the cache answers at once should cost what reading it costs.
 */
export function readDeclaredBody(req: NodeRequest, done: (error: Error | undefined, body: Buffer) => void): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  // The listeners stay on the request (a unary call's, which goes when answered): called back once.
  let settled = false;
  req.on("data", (chunk: Buffer) => {
    if (first === undefined) first = chunk;
    else (more ??= [first]).push(chunk);
  });
  req.on("end", () => {
    if (settled) return;
    settled = true;
    done(undefined, more ? Buffer.concat(more) : (first ?? EMPTY));
  });
  req.on("error", (error: Error) => {
    if (settled) return;
    settled = true;
    done(error, EMPTY);
  });
}

const EMPTY = Buffer.alloc(0);
