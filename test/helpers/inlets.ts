/**
 * The inlets' docs (docs/inlets/, shown in the README) as the tests use them, and small helpers
 * to post alerts and read what they did.
 */
import { readFileSync } from "node:fs";
import { rpc, type Caller } from "./auth.js";

const doc = (name: string) => readFileSync(new URL(`../../docs/inlets/${name}`, import.meta.url), "utf8");

/** Grafana's documented webhook payload, as published. */
export const grafanaExample = (): Record<string, unknown> & { alerts: Array<Record<string, unknown>> } => JSON.parse(doc("grafana-webhook-example.json"));

/** The Alertmanager config the README shows, pointed at `baseUrl` with `token`. */
export function alertmanagerConfig(baseUrl: string, token: string): string {
  return doc("alertmanager.yml").replace("https://status.example.com", baseUrl).replace("st_your_api_token", token);
}

/** The Grafana contact point the README shows: its URL (pointed at `baseUrl`) and its Authorization header. */
export function grafanaContactPoint(baseUrl: string, token: string): { url: string; method: string; authorization: string } {
  const text = doc("grafana-contact-point.yml");
  const field = (name: string) => new RegExp(`^\\s*${name}: (.+)$`, "m").exec(text)![1]!.trim();
  return {
    url: field("url").replace("https://status.example.com", baseUrl),
    method: field("httpMethod"),
    authorization: `${field("authorization_scheme")} ${field("authorization_credentials").replace("st_your_api_token", token)}`,
  };
}

/** The cron line's command (after the schedule and the job), pointed at `baseUrl` with `secret`. */
export function heartbeatCurl(baseUrl: string, secret: string): string {
  const line = doc("heartbeat.cron")
    .split("\n")
    .find((l) => l.trim() !== "" && !l.startsWith("#"))!;
  const command = line.slice(line.indexOf("curl "));
  return command.replace("https://status.example.com", baseUrl).replace("hb_your_heartbeat_secret", secret);
}

/** One Alertmanager-style alert. */
export function alert(item: string, severity: string, firing: boolean, extra: { fingerprint?: string; summary?: string; alertname?: string } = {}) {
  return {
    status: firing ? "firing" : "resolved",
    labels: { alertname: extra.alertname ?? "HighErrorRate", statusthing_item: item, severity },
    annotations: { summary: extra.summary ?? `${item} is failing` },
    startsAt: "2026-01-01T00:00:00Z",
    endsAt: firing ? "0001-01-01T00:00:00Z" : "2026-01-01T00:05:00Z",
    fingerprint: extra.fingerprint ?? `fp-${item}-${extra.alertname ?? "HighErrorRate"}`,
  };
}

/** An Alertmanager webhook (version 4) carrying `alerts`. */
export function alertmanagerPayload(alerts: unknown[]) {
  return {
    version: "4",
    groupKey: "{}:{}",
    truncatedAlerts: 0,
    status: "firing",
    receiver: "statusthing",
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://am",
    alerts,
  };
}

export interface HookAnswer {
  status: number;
  body: { alerts?: Array<{ fingerprint: string; item: string; item_id: string; result: string; detail: string }>; code?: string; reason?: string; message?: string };
  headers: Headers;
}

/** POSTs `body` to /hooks/alertmanager with a bearer token. */
export async function postHook(baseUrl: string, token: string | undefined, body: unknown, query = "", headers: Record<string, string> = {}): Promise<HookAnswer> {
  const res = await fetch(`${baseUrl}/hooks/alertmanager${query}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as HookAnswer["body"], headers: res.headers };
}

/** The statuses by name (the defaults: UP, DOWN, WARNING). */
export async function statusIds(baseUrl: string): Promise<Record<string, string>> {
  const statuses = (await rpc(baseUrl, "statusthing.v1.StatusService/ListStatus")).body.statuses as Array<{ id: string; name: string }>;
  return Object.fromEntries(statuses.map((s) => [s.name, s.id]));
}

export async function addItem(baseUrl: string, name: string, statusId: string, caller: Caller = "admin"): Promise<string> {
  const res = await rpc(baseUrl, "statusthing.v1.ItemsService/AddItem", { name, initialStatusId: statusId }, caller);
  if (res.code !== "ok") throw new Error(res.text);
  return (res.body.item as { id: string }).id;
}

/** The item's status name and its notes' texts. */
export async function itemState(baseUrl: string, id: string): Promise<{ status: string; notes: string[] }> {
  const item = (await rpc(baseUrl, "statusthing.v1.ItemsService/GetItem", { itemId: id })).body.item as { status?: { name: string }; notes?: Array<{ text: string }> };
  return { status: item.status?.name ?? "", notes: (item.notes ?? []).map((n) => n.text) };
}

/** Creates an API token as the admin; returns its secret. */
export async function createToken(baseUrl: string, name: string, fields: Record<string, unknown> = {}, caller: Caller = "admin"): Promise<string> {
  const res = await rpc(baseUrl, "statusthing.v1.AuthService/CreateApiToken", { name, ...fields }, caller);
  if (res.code !== "ok") throw new Error(res.text);
  return res.body.secret as string;
}
