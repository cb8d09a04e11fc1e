import { toJson, type DescMessage, type Message } from "@bufbuild/protobuf";

/** Fields never written to the audit log, whatever message they are in. */
const SECRET_FIELD = /password|secret|token$/i;

/** Longest summary kept: the log records what changed, not whole documents. */
export const SUMMARY_MAX = 500;

/**
 * A request as the audit log shows it: its proto-JSON with every password, secret or token field
 * left out (at any depth), cut at SUMMARY_MAX characters.
 */
export function summarizeRequest(schema: DescMessage, message: Message): string {
  const json = toJson(schema, message, { alwaysEmitImplicit: false });
  // Most requests (UpdateItem's) cannot hold a key to remove: their JSON is written as it is.
  const text = JSON.stringify(mayHoldSecrets(schema) ? withoutSecrets(json) : json);
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text;
}

/** Well-known types whose JSON has keys of its own choosing (any other one is a scalar, a list of them or {}). */
const FREE_FORM_TYPES = new Set(["google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Any"]);

const secretsByType = new WeakMap<DescMessage, boolean>();

/**
 * Whether a message of this type can have, at any depth, a key that withoutSecrets changes: a
 * secret-like or `url` field, a map (its keys are data) or a free-form well-known type. Decided
 * once per type.
 */
function mayHoldSecrets(schema: DescMessage): boolean {
  let answer = secretsByType.get(schema);
  if (answer === undefined) {
    answer = scanForSecrets(schema, new Set());
    secretsByType.set(schema, answer);
  }
  return answer;
}

function scanForSecrets(schema: DescMessage, seen: Set<DescMessage>): boolean {
  if (schema.typeName.startsWith("google.protobuf.")) return FREE_FORM_TYPES.has(schema.typeName);
  // A type met again (a recursive one) is being scanned already.
  if (seen.has(schema)) return false;
  seen.add(schema);
  for (const field of schema.fields) {
    if (field.fieldKind === "map" || field.jsonName === "url" || SECRET_FIELD.test(field.jsonName)) return true;
    const nested = field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message") ? field.message : undefined;
    if (nested && scanForSecrets(nested, seen)) return true;
  }
  return false;
}

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !SECRET_FIELD.test(key))
      .map(([key, v]) => [key, key === "url" && typeof v === "string" ? originOnly(v) : withoutSecrets(v)]),
  );
}

/** A webhook URL's origin only: its path or query is often the credential (a Slack webhook URL is). */
function originOnly(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname === "/" && parsed.search === "" ? parsed.origin : `${parsed.origin}/…`;
  } catch {
    return "…";
  }
}
