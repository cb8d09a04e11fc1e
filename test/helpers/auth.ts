/**
 * Helpers for the auth tests: raw JSON calls as a given caller (admin token, another token, a
 * session cookie, or nobody), logins that keep the Set-Cookie header, a generic call of any RPC
 * through a real client, and the `/ws` upgrade answer.
 */
import { create, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { ConnectError, createClient, type CallOptions, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import WebSocket from "ws";
import { adminTokenFor } from "./credentials.js";
import { codeString } from "./watch.js";

/** Who makes a call: the test server's admin (its registered token), nobody, a token or a cookie. */
export type Caller = "admin" | "anonymous" | { token: string } | { cookie: string };

export interface RpcResult {
  status: number;
  /** "ok", or the Connect error code of the answer. */
  code: string;
  body: Record<string, unknown>;
  /** The raw response body. */
  text: string;
  headers: Headers;
}

function credentialHeaders(baseUrl: string, caller: Caller): Record<string, string> {
  if (caller === "anonymous") return {};
  if (caller === "admin") {
    const token = adminTokenFor(baseUrl);
    if (!token) throw new Error(`no admin token registered for ${baseUrl}`);
    return { authorization: `Bearer ${token}` };
  }
  if ("token" in caller) return { authorization: `Bearer ${caller.token}` };
  return { cookie: caller.cookie };
}

/** A unary Connect JSON call with plain fetch, as a script or a browser page makes it. */
export async function rpc(baseUrl: string, procedure: string, body: object = {}, caller: Caller = "admin", headers: Record<string, string> = {}): Promise<RpcResult> {
  const res = await fetch(`${baseUrl}/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...credentialHeaders(baseUrl, caller), ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { raw: text };
  }
  const code = res.status === 200 ? "ok" : typeof parsed.code === "string" ? parsed.code : `http_${res.status}`;
  return { status: res.status, code, body: parsed, text, headers: res.headers };
}

/** One Set-Cookie header, taken apart. Attribute names are lowercased. */
export interface SetCookie {
  name: string;
  value: string;
  attributes: Map<string, string>;
  raw: string;
}

export function parseSetCookie(raw: string): SetCookie {
  const [pair, ...attrs] = raw.split(";").map((s) => s.trim());
  const eq = pair!.indexOf("=");
  const attributes = new Map<string, string>();
  for (const attr of attrs) {
    if (!attr) continue;
    const i = attr.indexOf("=");
    if (i < 0) attributes.set(attr.toLowerCase(), "");
    else attributes.set(attr.slice(0, i).toLowerCase(), attr.slice(i + 1));
  }
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attributes, raw };
}

/** The session cookies a response sets. */
export function sessionCookies(headers: Headers): SetCookie[] {
  return headers
    .getSetCookie()
    .map(parseSetCookie)
    .filter((c) => c.name === "statusthing_session");
}

export interface LoginResult extends RpcResult {
  /** The Set-Cookie header for the session, parsed, when one was set. */
  setCookie: SetCookie | undefined;
  /** "statusthing_session=<token>", ready for a Cookie header, when one was set. */
  cookie: string | undefined;
  /** The session token alone. */
  sessionToken: string | undefined;
}

/** AuthService/Login with plain fetch, anonymously; keeps what the cookie header said. */
export async function login(baseUrl: string, username: string, password: string, headers: Record<string, string> = {}): Promise<LoginResult> {
  const res = await rpc(baseUrl, "statusthing.v1.AuthService/Login", { username, password }, "anonymous", headers);
  const setCookie = sessionCookies(res.headers)[0];
  return {
    ...res,
    setCookie,
    cookie: setCookie && `${setCookie.name}=${setCookie.value}`,
    sessionToken: setCookie?.value,
  };
}

/** Logs in and returns the cookie, failing the test when the login does not succeed. */
export async function mustLogin(baseUrl: string, username: string, password: string): Promise<string> {
  const res = await login(baseUrl, username, password);
  if (res.code !== "ok" || !res.cookie) throw new Error(`login as ${username} failed: ${res.status} ${res.text}`);
  return res.cookie;
}

/**
 * A user just added by an admin must choose their own password first (#11.6). For tests that
 * need the account in use: signs in and changes the password away and back, so the user keeps
 * `password` and may act at once.
 */
export async function chooseOwnPassword(baseUrl: string, username: string, password: string): Promise<void> {
  const cookie = await mustLogin(baseUrl, username, password);
  const interim = `${password}~interim`;
  for (const [currentPassword, newPassword] of [
    [password, interim],
    [interim, password],
  ]) {
    const res = await rpc(baseUrl, "statusthing.v1.AuthService/ChangePassword", { currentPassword, newPassword }, { cookie });
    if (res.code !== "ok") throw new Error(`password change for ${username} failed: ${res.text}`);
  }
  await rpc(baseUrl, "statusthing.v1.AuthService/Logout", {}, { cookie });
}

/** A real client transport that sends a session cookie (or nothing, or a token) on every call. */
export function transportAs(baseUrl: string, caller: Caller, kind: "connect-json" | "grpc-h2c" | "connect-json-h2c" = "connect-json"): Transport {
  const headers = credentialHeaders(baseUrl, caller);
  const interceptors: Interceptor[] = [
    (next) => (req) => {
      for (const [k, v] of Object.entries(headers)) req.header.set(k, v);
      return next(req);
    },
  ];
  switch (kind) {
    case "connect-json":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors });
    case "connect-json-h2c":
      return createConnectTransport({ baseUrl, httpVersion: "2", interceptors });
    case "grpc-h2c":
      return createGrpcTransport({ baseUrl, interceptors });
  }
}

/** The full procedure name of a method, as the access policy names it. */
export function procedureOf(method: DescMethod): string {
  return `${method.parent.typeName}/${method.name}`;
}

/** Every method of the given services. */
export function methodsOf(services: readonly DescService[]): DescMethod[] {
  return services.flatMap((s) => s.methods);
}

type AnyMethod = (input: unknown, options?: CallOptions) => unknown;

/**
 * Calls one method with an empty request through a real client and returns "ok" or the error
 * code. Streams are read up to their first message, then closed.
 */
export async function invokeEmpty(transport: Transport, method: DescMethod, timeoutMs = 5_000): Promise<string> {
  const client = createClient(method.parent, transport) as unknown as Record<string, AnyMethod>;
  const call = client[method.localName];
  if (!call) throw new Error(`no client method for ${procedureOf(method)}`);
  const abort = new AbortController();
  const options: CallOptions = { signal: abort.signal, timeoutMs };
  const input = create(method.input);
  try {
    switch (method.methodKind) {
      case "unary":
        await (call(input, options) as Promise<unknown>);
        return "ok";
      case "server_streaming": {
        for await (const _ of call(input, options) as AsyncIterable<unknown>) break;
        return "ok";
      }
      case "bidi_streaming":
      case "client_streaming": {
        const requests = (async function* () {
          yield input;
        })();
        const result = call(requests, options);
        if (method.methodKind === "client_streaming") {
          await (result as Promise<unknown>);
          return "ok";
        }
        for await (const _ of result as AsyncIterable<unknown>) break;
        return "ok";
      }
    }
  } catch (error) {
    return codeString(ConnectError.from(error).code);
  } finally {
    abort.abort();
  }
}

/** What the server answered a `/ws` upgrade: the HTTP status of a refusal, or the first message. */
export type WsAnswer = { refused: number } | { opened: true; first: Record<string, unknown> };

export function wsAnswer(baseUrl: string, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<WsAnswer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(new URL("/ws", baseUrl.replace(/^http/, "ws")).toString(), { headers, perMessageDeflate: false });
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`/ws gave no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      resolve({ refused: res.statusCode ?? 0 });
      res.resume();
      socket.terminate();
    });
    socket.on("message", (data: WebSocket.RawData) => {
      clearTimeout(timer);
      resolve({ opened: true, first: JSON.parse(data.toString()) as Record<string, unknown> });
      socket.terminate();
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
