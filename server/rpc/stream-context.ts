import { Code, ConnectError, type ContextValues, type HandlerContext } from "@connectrpc/connect";
import type { DescMethod, DescService } from "@bufbuild/protobuf";

/** What a long-lived stream's handler context is made of. */
export interface StreamContextInit {
  service: DescService;
  method: DescMethod;
  protocolName: string;
  url: string;
  /** The request's headers, shared as they are (the caller does not change them). */
  requestHeader: Headers;
  responseHeader: Record<string, string>;
  values: ContextValues;
  /** The client's deadline, if it gave one. */
  timeoutMs: number | undefined;
  shutdownSignal: AbortSignal | undefined;
}

/** A HandlerContext that its handler can end, as Connect's own handlers do. */
export interface StreamContext extends HandlerContext {
  /** Aborts the context's signal (if not aborted yet) and lets go of its timer and listeners. */
  abort(reason?: unknown): void;
}

/**
 * The handler context of one long-lived stream, what `createHandlerContext` makes but held in
 * fewer objects, since an idle watcher keeps it for hours: one AbortController for the deadline,
 * the server's shutdown, the client going away (`clientGone`) and the end, where Connect's links
 * three; the request's headers shared rather than copied. Same signal reasons as Connect's: a
 * deadline_exceeded ConnectError for the deadline, the shutdown signal's reason, an AbortError
 * when the client went away.
 */
export function createStreamContext(init: StreamContextInit): StreamContext & { clientGone(): void } {
  const controller = new AbortController();
  const deadline = init.timeoutMs === undefined ? undefined : Date.now() + init.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const onShutdown = () => abort(init.shutdownSignal!.reason);
  function abort(reason?: unknown): void {
    if (controller.signal.aborted) return;
    clearTimeout(timer);
    init.shutdownSignal?.removeEventListener("abort", onShutdown);
    controller.abort(reason);
  }
  const timedOut = () => abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
  if (init.timeoutMs !== undefined) {
    if (init.timeoutMs <= 0) timedOut();
    else timer = setTimeout(timedOut, init.timeoutMs);
  }
  if (init.shutdownSignal?.aborted) onShutdown();
  else init.shutdownSignal?.addEventListener("abort", onShutdown);
  return {
    service: init.service,
    method: init.method,
    protocolName: init.protocolName,
    requestMethod: "POST",
    url: init.url,
    signal: controller.signal,
    timeoutMs: () => (deadline === undefined ? undefined : deadline - Date.now()),
    requestHeader: init.requestHeader,
    responseHeader: new Headers(init.responseHeader),
    responseTrailer: new Headers(),
    values: init.values,
    abort,
    clientGone: () => abort(),
  };
}
