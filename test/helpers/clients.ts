import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { ItemsService, NotesService, StatusService } from "../../shared/gen/statusthing/v1/services_pb.js";

/** Every wire protocol and HTTP version a client may use against the one port. */
export const PROTOCOLS = ["connect-json", "connect-binary", "grpc-h2c", "grpc-web", "connect-json-h2c"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** A real client transport of the given protocol to `baseUrl`. */
export function createTransport(protocol: Protocol, baseUrl: string): Transport {
  switch (protocol) {
    case "connect-json":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false });
    case "connect-binary":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true });
    case "connect-json-h2c":
      return createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: false });
    case "grpc-h2c":
      return createGrpcTransport({ baseUrl });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true });
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

/** POSTs a JSON body as a script would with curl; returns status and parsed body. */
export async function postJson(
  baseUrl: string,
  procedure: string,
  body: string | object,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${baseUrl}/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
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
