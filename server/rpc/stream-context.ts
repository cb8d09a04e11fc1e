import { Code, ConnectError, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import type { IncomingHttpHeaders } from "node:http";
import { toHeaders } from "../auth/request-facts.js";

/** What a long-lived stream's handler context is made of. */
export interface StreamContextInit {
  service: DescService;
  method: DescMethod;
  protocolName: string;
  url: string;
  /** The request's headers as Node has them; read into a fetch `Headers` only when asked for. */
  requestHeaders: IncomingHttpHeaders;
  responseHeader: Record<string, string>;
  values: ContextValues;
  /** The client's deadline, if it gave one. */
  timeoutMs: number | undefined;
  /** The handler's streams, all ended when the server shuts down. */
  shutdown: StreamShutdown | undefined;
}

/** Told once when a StreamContext is aborted, without an AbortSignal (see StreamContext.listen). */
export interface StreamAbortListener {
  /** `reason` is the deadline's ConnectError, the shutdown signal's reason, or undefined when the client went away or the stream ended. */
  streamAborted(reason: unknown): void;
}

/**
 * The open streams of one handler, and the one listener on the server's shutdown signal that
 * aborts them all (a listener per stream would cost every idle stream an entry in the signal's
 * listener list and a closure).
 */
export class StreamShutdown {
  private readonly open = new Set<StreamContext>();

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener("abort", () => {
      for (const ctx of [...this.open]) ctx.abort(signal.reason);
    });
  }

  /** Registers a new stream; one that starts after the shutdown began is aborted at once. */
  add(ctx: StreamContext): void {
    if (this.signal.aborted) ctx.abort(this.signal.reason);
    else this.open.add(ctx);
  }

  delete(ctx: StreamContext): void {
    this.open.delete(ctx);
  }
}

function timedOut(ctx: StreamContext): void {
  ctx.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
}

/**
 * The handler context of one long-lived stream, what `createHandlerContext` makes but held in
 * fewer objects, since an idle watcher keeps it for hours. One object, its methods on the
 * prototype; the AbortSignal made only when something reads `signal` (WatchItems itself is told
 * through `listen`), where Connect links three for the deadline, the server's shutdown and the
 * client going away; the shutdown watched by one listener per handler (StreamShutdown); the
 * request's headers read from Node's object when asked for, and not kept once the stream has
 * started (`started`); the response trailer made when first used. Same signal reasons as
 * Connect's: a deadline_exceeded ConnectError for the deadline, the shutdown signal's reason, an
 * AbortError when the client went away.
 */
export class StreamContext implements HandlerContext {
  readonly service: DescService;
  readonly method: DescMethod;
  readonly protocolName: string;
  readonly url: string;
  readonly values: ContextValues;
  readonly responseHeader: Headers;
  private readonly nodeHeaders: IncomingHttpHeaders;
  private requestHeaders: Headers | undefined;
  private trailer: Headers | undefined;
  private controller: AbortController | undefined;
  private aborted = false;
  private reason: unknown;
  private readonly deadline: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private listener: StreamAbortListener | undefined;
  private readonly shutdown: StreamShutdown | undefined;

  constructor(init: StreamContextInit) {
    this.service = init.service;
    this.method = init.method;
    this.protocolName = init.protocolName;
    this.url = init.url;
    this.values = init.values;
    this.responseHeader = new Headers(init.responseHeader);
    this.nodeHeaders = init.requestHeaders;
    this.shutdown = init.shutdown;
    this.deadline = init.timeoutMs === undefined ? undefined : Date.now() + init.timeoutMs;
    if (init.timeoutMs !== undefined) {
      if (init.timeoutMs <= 0) timedOut(this);
      else this.timer = setTimeout(timedOut, init.timeoutMs, this);
    }
    if (!this.aborted) this.shutdown?.add(this);
  }

  get requestMethod(): string {
    return "POST";
  }

  get requestHeader(): Headers {
    return (this.requestHeaders ??= toHeaders(this.nodeHeaders));
  }

  get responseTrailer(): Headers {
    return (this.trailer ??= new Headers());
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  timeoutMs(): number | undefined {
    return this.deadline === undefined ? undefined : this.deadline - Date.now();
  }

  /**
   * Tells `listener` when the context is aborted (at once if it is already), in place of a
   * listener on `signal`; one listener at a time, `undefined` to stop listening.
   */
  listen(listener: StreamAbortListener | undefined): void {
    this.listener = listener;
    if (listener && this.aborted) listener.streamAborted(this.reason);
  }

  /** The stream has started: the request's headers need not be kept (they are read again if asked for). */
  started(): void {
    this.requestHeaders = undefined;
  }

  /** Aborts the context's signal (if not aborted yet) and lets go of its timer and listeners. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.shutdown?.delete(this);
    // Signal listeners first, then the stream's own, as a listener added to the signal before it.
    this.controller?.abort(reason);
    const listener = this.listener;
    this.listener = undefined;
    listener?.streamAborted(reason);
  }

  /** The client went away (a reset stream or a closed connection). */
  clientGone(): void {
    this.abort();
  }
}
