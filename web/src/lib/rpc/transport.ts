import { fromBinary, toBinary, type DescMessage, type DescMethod, type DescMethodServerStreaming, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type ContextValues, type Transport } from "@connectrpc/connect";
import { compressedFlag, createEnvelopeReadableStream, createMethodUrl, encodeEnvelope, runStreamingCall, runUnaryCall } from "@connectrpc/connect/protocol";
import { endStreamFlag, requestHeader, trailerDemux, validateResponse } from "@connectrpc/connect/protocol-connect";

/**
 * The one transport of the app: Connect over `fetch` to the server that served the page, in the
 * binary format only (smaller and faster to parse than JSON). Created once in the root layout and
 * handed down by context, because a browser talking HTTP/1.1 has only ~6 connections per origin
 * and each open stream holds one.
 *
 * Not `createConnectTransport` from `@connectrpc/connect-web`: that one chooses binary or JSON at
 * run time, so protobuf-es's JSON codec (~6 KB gzipped) came with every page though the app never
 * sends JSON. This is the same Connect protocol with the JSON branch left out. Connect errors are
 * JSON whatever the format (a unary error body, a stream's end message); their small parser is
 * fetched when a stream has brought its first message (after the page has what it shows, and
 * before the server may go away and end the stream with an error), or when an error needs it.
 */
export function createAppTransport(baseUrl: string = location.origin): Transport {
  const errors = errorParser();
  return {
    async unary(method, signal, timeoutMs, header, message, contextValues) {
      return await runUnaryCall({
        signal,
        timeoutMs: positive(timeoutMs),
        req: { stream: false, ...request(baseUrl, method, timeoutMs, header, contextValues), message },
        next: async (req) => {
          const response = await fetch(req.url, {
            redirect: "error",
            method: req.requestMethod,
            headers: req.header,
            signal: req.signal,
            body: encode(method.input, req.message) as BodyInit,
          });
          const { isUnaryError, unaryError } = validateResponse(method.methodKind, true, response.status, response.headers);
          const [demuxedHeader, demuxedTrailer] = trailerDemux(response.headers);
          if (isUnaryError) throw (await errors.load()).unaryError(await response.json(), trailerDemux(response.headers), unaryError);
          return {
            stream: false,
            service: method.parent,
            method,
            header: demuxedHeader,
            message: decode(method.output, new Uint8Array(await response.arrayBuffer())),
            trailer: demuxedTrailer,
          };
        },
      });
    },

    async stream(method, signal, timeoutMs, header, input, contextValues) {
      async function* parseBody(body: ReadableStream<Uint8Array>, trailer: Headers, header: Headers, signal: AbortSignal) {
        const reader = createEnvelopeReadableStream(body).getReader();
        let ended = false;
        for (;;) {
          const result = await reader.read();
          if (result.done) break;
          const { flags, data } = result.value;
          if ((flags & compressedFlag) === compressedFlag) throw new ConnectError("protocol error: received unsupported compressed output", Code.Internal);
          if ((flags & endStreamFlag) === endStreamFlag) {
            ended = true;
            const endStream = (await errors.load()).endStream(data);
            if (endStream.error) {
              const error = endStream.error;
              header.forEach((value, key) => error.metadata.append(key, value));
              throw error;
            }
            endStream.metadata.forEach((value, key) => trailer.set(key, value));
            continue;
          }
          yield decode(method.output, data);
          void errors.load();
        }
        // A signal aborted before `getReader` does not make `read` throw in every runtime.
        signal.throwIfAborted();
        if (!ended) throw new ConnectError("missing EndStreamResponse", Code.Internal);
      }
      return await runStreamingCall({
        signal,
        timeoutMs: positive(timeoutMs),
        req: { stream: true, ...request(baseUrl, method, timeoutMs, header, contextValues), message: input },
        next: async (req) => {
          if (method.methodKind !== "server_streaming") throw new ConnectError("fetch cannot stream a request body", Code.Unimplemented);
          const first = await req.message[Symbol.asyncIterator]().next();
          if (first.done) throw new ConnectError("missing request message", Code.Internal);
          const response = await fetch(req.url, {
            redirect: "error",
            method: req.requestMethod,
            headers: req.header,
            signal: req.signal,
            body: encodeEnvelope(0, encode(method.input, first.value)) as BodyInit,
          });
          validateResponse(method.methodKind, true, response.status, response.headers);
          if (response.body === null) throw new ConnectError("missing response body", Code.Internal);
          const trailer = new Headers();
          return { ...req, header: response.headers, trailer, message: parseBody(response.body, trailer, response.headers, req.signal) };
        },
      });
    },
  };
}

/** What a unary call's request and a stream's have alike: a POST to the method's URL with Connect's headers. */
function request<M extends DescMethod>(baseUrl: string, method: M, timeoutMs: number | undefined, header: HeadersInit | undefined, contextValues: ContextValues | undefined) {
  return {
    service: method.parent,
    method,
    requestMethod: "POST" as const,
    url: createMethodUrl(baseUrl, method),
    header: requestHeader(method.methodKind, true, positive(timeoutMs), header, false),
    contextValues: contextValues ?? createContextValues(),
  };
}

/** A timeout of 0 or less means none, as in connect-web. */
function positive(timeoutMs: number | undefined): number | undefined {
  return timeoutMs === undefined || timeoutMs <= 0 ? undefined : timeoutMs;
}

function encode<Desc extends DescMessage>(desc: Desc, message: MessageShape<Desc>): Uint8Array {
  try {
    return toBinary(desc, message);
  } catch (e) {
    throw new ConnectError(`serialize binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
  }
}

function decode<Desc extends DescMessage>(desc: Desc, data: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(desc, data);
  } catch (e) {
    throw new ConnectError(`parse binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
  }
}

type ErrorParsers = typeof import("./connect-errors.js");

/**
 * The Connect error parser, loaded once, not with the page. A load that failed (the server went
 * away) is tried again when next asked for; meanwhile a unary error keeps the code its HTTP status
 * gives, and a stream's end reads as an unknown error (the watch loop reconnects either way).
 */
function errorParser() {
  let loading: Promise<ErrorParsers> | undefined;
  return {
    load(): Promise<ErrorParsers> {
      loading ??= import("./connect-errors.js").catch((): ErrorParsers => {
        loading = undefined;
        return fallbackParsers;
      });
      return loading;
    },
  };
}

const fallbackParsers: ErrorParsers = {
  unaryError: (_json, [header, trailer], fallback) => {
    header.forEach((value, key) => fallback.metadata.append(key, value));
    trailer.forEach((value, key) => fallback.metadata.append(key, value));
    return fallback;
  },
  endStream: () => ({ metadata: new Headers(), error: new ConnectError("stream ended; its message could not be read", Code.Unknown) }),
};

/**
 * Calls a server-streaming RPC as the generated client's method does (the messages, and the
 * response headers to `onHeader` first), without `createClient`: the live stream every page opens
 * is the one call the first download needs, and `createClient` brings every kind of call with it.
 */
export async function* serverStream<I extends DescMessage, O extends DescMessage>(
  transport: Transport,
  method: DescMethodServerStreaming<I, O>,
  input: MessageInitShape<I>,
  options: { signal?: AbortSignal; onHeader?: (headers: Headers) => void },
): AsyncGenerator<MessageShape<O>> {
  const response = await transport.stream(
    method,
    options.signal,
    undefined,
    undefined,
    (async function* () {
      yield input;
    })(),
  );
  options.onHeader?.(response.header);
  yield* response.message;
}
