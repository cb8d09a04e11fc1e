import type { NodeRequest } from "../node-request.js";

/**
 * Reads a request body of a declared, small Content-Length (Node's parser holds the body to it)
 * and calls back once: with the body, or with the error that cut it short. No promise: a read
 * the cache answers at once should cost what reading it costs.
 */
export function readDeclaredBody(req: NodeRequest, done: (error: Error | undefined, body: Buffer) => void): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  const onData = (chunk: Buffer) => {
    if (first === undefined) first = chunk;
    else (more ??= [first]).push(chunk);
  };
  const onError = (error: Error) => {
    req.off("data", onData);
    req.off("end", onEnd);
    done(error, EMPTY);
  };
  // Once read, no listener stays behind.
  const onEnd = () => {
    req.off("data", onData);
    req.off("error", onError);
    done(undefined, more ? Buffer.concat(more) : (first ?? EMPTY));
  };
  req.on("data", onData);
  req.on("end", onEnd);
  req.on("error", onError);
}

const EMPTY = Buffer.alloc(0);
