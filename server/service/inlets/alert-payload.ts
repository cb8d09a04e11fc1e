/**
 * Reads an alert webhook's JSON: Alertmanager's webhook payload (version 4) or Grafana's webhook
 * contact point payload (a superset of it, version 1). Only what StatusThing uses is checked;
 * anything else is refused with a reason (HOOK_PAYLOAD_INVALID), never half-applied.
 */
import { createHash } from "node:crypto";
import { hookPayloadInvalid } from "../../errors.js";

/** One alert, as both senders describe it. */
export interface IncomingAlert {
  /** The sender's fingerprint, or one computed from the labels as Alertmanager does (a hash of the sorted label set). */
  fingerprint: string;
  firing: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface AlertPayload {
  source: "alertmanager" | "grafana";
  alerts: IncomingAlert[];
}

/** More alerts than this in one call is not a real sender (Alertmanager batches by group). */
export const MAX_ALERTS_PER_CALL = 1000;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function stringMap(value: unknown, where: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw hookPayloadInvalid(`${where} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw hookPayloadInvalid(`${where}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

/** Alertmanager's own fingerprint is a hash of the label set; ours is stable in the same way. */
function labelsFingerprint(labels: Record<string, string>): string {
  const sorted = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join("\u0001");
  return createHash("sha256").update(sorted).digest("hex").slice(0, 16);
}

/** Parses the request body's text; throws HOOK_PAYLOAD_INVALID saying what is wrong. */
export function parseAlertPayload(text: string): AlertPayload {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw hookPayloadInvalid("not JSON");
  }
  if (!isObject(body)) throw hookPayloadInvalid("must be a JSON object");
  const grafana = "orgId" in body || "state" in body || "title" in body;
  const version = body.version;
  if (version !== undefined && typeof version !== "string") throw hookPayloadInvalid("version must be a string");
  if (!grafana && version !== undefined && version !== "4") throw hookPayloadInvalid(`version ${JSON.stringify(version)} is not Alertmanager's webhook version 4`);
  if (!Array.isArray(body.alerts)) throw hookPayloadInvalid("alerts must be an array");
  if (body.alerts.length > MAX_ALERTS_PER_CALL) throw hookPayloadInvalid(`more than ${MAX_ALERTS_PER_CALL} alerts in one call`);
  const alerts = body.alerts.map((raw: unknown, i: number): IncomingAlert => {
    const where = `alerts[${i}]`;
    if (!isObject(raw)) throw hookPayloadInvalid(`${where} must be an object`);
    if (raw.status !== "firing" && raw.status !== "resolved") throw hookPayloadInvalid(`${where}.status must be "firing" or "resolved"`);
    const labels = stringMap(raw.labels, `${where}.labels`);
    const annotations = stringMap(raw.annotations, `${where}.annotations`);
    if (raw.fingerprint !== undefined && (typeof raw.fingerprint !== "string" || raw.fingerprint.length > 200))
      throw hookPayloadInvalid(`${where}.fingerprint must be a short string`);
    const fingerprint = typeof raw.fingerprint === "string" && raw.fingerprint !== "" ? raw.fingerprint : labelsFingerprint(labels);
    return { fingerprint, firing: raw.status === "firing", labels, annotations };
  });
  return { source: grafana ? "grafana" : "alertmanager", alerts };
}
