import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { adminTokenFor } from "./credentials.js";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { ItemsService } from "../../shared/gen/statusthing/v1/services_pb.js";
import { NotesService } from "../../shared/gen/statusthing/v1/notes_service_pb.js";
import { StatusService } from "../../shared/gen/statusthing/v1/status_service_pb.js";

/** Every wire protocol and HTTP version a client may use against the one port. */
export const PROTOCOLS = ["connect-json", "connect-binary", "grpc-h2c", "grpc-web", "connect-json-h2c"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Who a test client acts as: the test server's admin (its registered token), anonymous, or a given token. */
export interface ClientIdentity {
  anonymous?: boolean;
  token?: string;
}

function bearer(token: string | undefined): Interceptor[] {
  if (token === undefined) return [];
  return [
    (next) => (req) => {
      req.header.set("authorization", `Bearer ${token}`);
      return next(req);
    },
  ];
}

/**
 * A real client transport of the given protocol to `baseUrl`. It acts as the test server's admin
 * (see credentials.ts) unless `identity` says otherwise.
 */
export function createTransport(protocol: Protocol, baseUrl: string, identity: ClientIdentity = {}): Transport {
  const interceptors = bearer(identity.anonymous ? undefined : (identity.token ?? adminTokenFor(baseUrl)));
  switch (protocol) {
    case "connect-json":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors });
    case "connect-binary":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors });
    case "connect-json-h2c":
      return createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: false, interceptors });
    case "grpc-h2c":
      return createGrpcTransport({ baseUrl, interceptors });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true, interceptors });
  }
}

/** Clients for the three statusthing.v1 services over one transport. */
export interface ApiClients {
  items: Client<typeof ItemsService>;
  statuses: Client<typeof StatusService>;
  notes: Client<typeof NotesService>;
}

export function createClients(transport: Transport): ApiClients {
  const make = <S extends DescService>(s: S) => createClient(s, transport);
  return { items: make(ItemsService), statuses: make(StatusService), notes: make(NotesService) };
}

/**
 * POSTs a JSON body as a script would with curl; returns status and parsed body. Sends the test
 * server's admin token unless `headers` has its own authorization (or `identity` says anonymous).
 */
export async function postJson(
  baseUrl: string,
  procedure: string,
  body: string | object,
  headers: Record<string, string> = {},
  identity: ClientIdentity = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const token = identity.anonymous ? undefined : (identity.token ?? adminTokenFor(baseUrl));
  const auth: Record<string, string> = token && !("authorization" in headers) && !("cookie" in headers) ? { authorization: `Bearer ${token}` } : {};
  const res = await fetch(`${baseUrl}/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...auth, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
