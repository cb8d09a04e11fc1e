import { Code } from "@connectrpc/connect";

/**
 * The catalog of domain errors. Services, stores, auth and the live feeds throw these; the RPC
 * layer turns them into Connect errors with machine-readable details in one place
 * (`wire/client-error.ts`, applied by `rpc/error-interceptor.ts`), and `/ws` reuses it. Anything else that is thrown is a bug and
 * reaches clients only as a generic `internal` error.
 *
 * Each entry has a stable reason (clients branch on it, never on the message), a kind (its
 * Connect code) and a message template; its factory below is the only way to make one.
 */
export type DomainErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "unauthenticated"
  | "permission_denied"
  | "resource_exhausted"
  | "unavailable"
  | "unimplemented"
  | "deadline_exceeded"
  | "canceled"
  | "internal";

/** Maps each domain error kind to its Connect code. */
export const codeOfKind: Record<DomainErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  unimplemented: Code.Unimplemented,
  deadline_exceeded: Code.DeadlineExceeded,
  canceled: Code.Canceled,
  internal: Code.Internal,
};

/** One entry of the catalog: what a client may branch on, and when it happens (for the README). */
export interface ErrorEntry {
  /** Stable, UPPER_SNAKE_CASE; sent as google.rpc.ErrorInfo.reason. */
  readonly reason: string;
  readonly kind: DomainErrorKind;
  /** When the error happens, in a few words. */
  readonly when: string;
}

/** What a template fills in beside the message. */
interface ErrorFacts {
  readonly message: string;
  /** The request field at fault, when one is: sent as a google.rpc.BadRequest field violation. */
  readonly field?: string;
  /** Values a client may use (an id, a count): sent as google.rpc.ErrorInfo.metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** When a retry may succeed: sent as google.rpc.RetryInfo and a `retry-after` header. */
  readonly retryAfterSeconds?: number;
}

/** A failure the caller can act on; its message is safe to show to clients. */
export class DomainError extends Error {
  readonly reason: string;
  readonly kind: DomainErrorKind;
  readonly field: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly retryAfterSeconds: number | undefined;

  /** Use the catalog's factories: an entry is only made there. */
  constructor(entry: ErrorEntry, facts: ErrorFacts) {
    super(facts.message);
    this.name = "DomainError";
    this.reason = entry.reason;
    this.kind = entry.kind;
    this.field = facts.field;
    this.metadata = facts.metadata ?? {};
    this.retryAfterSeconds = facts.retryAfterSeconds;
  }
}

const entries: ErrorEntry[] = [];

/** Every entry of the catalog, in the order defined. */
export const errorCatalog: readonly ErrorEntry[] = entries;

/** Adds an entry to the catalog and returns its factory. */
function defineError<A extends unknown[]>(reason: string, kind: DomainErrorKind, when: string, template: (...args: A) => ErrorFacts): (...args: A) => DomainError {
  const entry: ErrorEntry = { reason, kind, when };
  entries.push(entry);
  return (...args) => new DomainError(entry, template(...args));
}

// --- invalid_argument

/** A request field is missing or malformed. The message names the field. */
export const invalidArgument = defineError("FIELD_INVALID", "invalid_argument", "a request field is missing or malformed", (field: string, problem: string) => ({
  message: `${field}: ${problem}`,
  field,
}));

/** A webhook URL whose host is (or resolves to) a loopback, private or other non-public address, without --allow-private-webhooks. */
export const webhookAddressRefused = defineError(
  "WEBHOOK_ADDRESS_REFUSED",
  "invalid_argument",
  "a webhook URL points at a loopback, private, link-local or other non-public address (see --allow-private-webhooks)",
  (problem: string) => ({
    message: `url: ${problem}; webhooks go only to public addresses unless the server runs with --allow-private-webhooks`,
    field: "url",
  }),
);

/** ChangePassword with a current password that is not the user's. */
export const wrongCurrentPassword = defineError("WRONG_CURRENT_PASSWORD", "invalid_argument", "ChangePassword's current_password is wrong", () => ({
  message: "current_password: is wrong",
  field: "current_password",
}));

/** A request header (not a message field) is malformed. */
export const headerInvalid = defineError("HEADER_INVALID", "invalid_argument", "a request header is malformed", (header: string, problem: string) => ({
  message: `the ${header} header ${problem}`,
  metadata: { header },
}));

/** An uploaded logo or favicon that is not an image type the page serves. */
export const imageTypeUnsupported = defineError(
  "IMAGE_TYPE_UNSUPPORTED",
  "invalid_argument",
  "an uploaded logo or favicon is not PNG, JPEG, WebP, GIF, ICO (favicon) or SVG, judged by its bytes",
  (field: string) => ({
    message: `${field}: is not a PNG, JPEG, WebP, GIF${field.startsWith("favicon") ? ", ICO" : ""} or SVG image (judged by its first bytes, not its name)`,
    field,
  }),
);

/** An uploaded logo or favicon over its size limit. */
export const imageTooLarge = defineError(
  "IMAGE_TOO_LARGE",
  "invalid_argument",
  "an uploaded logo (256 KiB) or favicon (64 KiB) over its size limit",
  (field: string, bytes: number, maxBytes: number) => ({
    message: `${field}: is ${bytes} bytes; at most ${maxBytes} bytes are accepted`,
    field,
    metadata: { bytes: String(bytes), max_bytes: String(maxBytes) },
  }),
);

/** An uploaded SVG that could run script or load something when shown. */
export const svgUnsafe = defineError(
  "SVG_UNSAFE",
  "invalid_argument",
  "an uploaded SVG with script, event handlers, external references, entities or other active content",
  (field: string, found: string) => ({
    message: `${field}: this SVG contains ${found}; upload one without scripts, event handlers, external references or entities, or a PNG`,
    field,
    metadata: { found },
  }),
);

/** An accent color too faint (or too dark) against the page's light or dark background. */
export const accentContrastLow = defineError(
  "ACCENT_CONTRAST_LOW",
  "invalid_argument",
  "an accent color under 3:1 against the page's light or dark backgrounds",
  (color: string, theme: string, background: string, ratio: number, min: number) => ({
    message: `accent_color: ${color} has only ${ratio.toFixed(2)}:1 against the ${theme} background ${background}; it needs ${min}:1 against the light and the dark backgrounds`,
    field: "accent_color",
    metadata: { theme, background, ratio: ratio.toFixed(2), min_ratio: String(min) },
  }),
);

/** A command line the admin CLI cannot run. */
export const commandInvalid = defineError("COMMAND_INVALID", "invalid_argument", "the admin CLI was given a command it cannot run", (problem: string) => ({
  message: problem,
}));

// --- not_found

/** What `notFound` can name. */
export type RecordKind = "item" | "status" | "note" | "user" | "API token" | "incident" | "maintenance" | "group" | "webhook" | "subscriber";

const notFoundOf = (what: RecordKind, reason: string) =>
  defineError(reason, "not_found", what === "user" ? "no user has the id (in the CLI, the username) given" : `no ${what} has the id given`, (id: string) => ({
    message: `${what} ${JSON.stringify(id)} not found`,
    metadata: { id },
  }));

const notFoundFactories: Record<RecordKind, (id: string) => DomainError> = {
  item: notFoundOf("item", "ITEM_NOT_FOUND"),
  status: notFoundOf("status", "STATUS_NOT_FOUND"),
  note: notFoundOf("note", "NOTE_NOT_FOUND"),
  user: notFoundOf("user", "USER_NOT_FOUND"),
  "API token": notFoundOf("API token", "API_TOKEN_NOT_FOUND"),
  incident: notFoundOf("incident", "INCIDENT_NOT_FOUND"),
  maintenance: notFoundOf("maintenance", "MAINTENANCE_NOT_FOUND"),
  group: notFoundOf("group", "GROUP_NOT_FOUND"),
  webhook: notFoundOf("webhook", "WEBHOOK_NOT_FOUND"),
  subscriber: notFoundOf("subscriber", "SUBSCRIBER_NOT_FOUND"),
};

/** The record named by `id` does not exist (reason `ITEM_NOT_FOUND`, `STATUS_NOT_FOUND`, …). */
export function notFound(what: RecordKind, id: string): DomainError {
  return notFoundFactories[what](id);
}

/** A confirmation link's token that is unknown, used or expired: the same answer for each, so it tells nothing. */
export const subscriptionLinkExpired = defineError(
  "SUBSCRIPTION_LINK_EXPIRED",
  "not_found",
  "ConfirmSubscription with a token that is unknown, already used or past its 24 hours",
  () => ({ message: "this confirmation link is unknown, used or expired: subscribe again to get a new one" }),
);

// --- already_exists

/** Another item or status already has this name. */
export const nameTaken = defineError(
  "NAME_TAKEN",
  "already_exists",
  "another item (or status, or group) has this name, after trimming and ignoring case",
  (what: "item" | "status" | "group", name: string) => ({
    message: `${what === "item" ? "an item" : what === "group" ? "a group" : "a status"} named ${JSON.stringify(name)} already exists`,
    field: "name",
    metadata: { name },
  }),
);

/** Another user already has this username. */
export const usernameTaken = defineError("USERNAME_TAKEN", "already_exists", "another user has this username", (username: string) => ({
  message: `a user named ${JSON.stringify(username)} already exists`,
  field: "username",
  metadata: { username },
}));

// --- failed_precondition

/** A status cannot be deleted while items use it. */
export const statusInUse = defineError("STATUS_IN_USE", "failed_precondition", "DeleteStatus on a status that items still use", (items: number) => ({
  message: `status is used by ${items} ${items === 1 ? "item" : "items"}`,
  metadata: { items: String(items) },
}));

/** A status that an upcoming or active maintenance window will show cannot be deleted. */
export const statusInMaintenance = defineError(
  "STATUS_IN_MAINTENANCE",
  "failed_precondition",
  "DeleteStatus on a status that an upcoming or active maintenance window shows",
  (windows: number) => ({
    message: `status is shown by ${windows} upcoming or active maintenance ${windows === 1 ? "window" : "windows"}; change or cancel ${windows === 1 ? "it" : "them"} first`,
    metadata: { maintenances: String(windows) },
  }),
);

/** GetPageAt before the oldest change the log still keeps (pruned by an older version). */
export const historyNotKept = defineError("HISTORY_NOT_KEPT", "failed_precondition", "GetPageAt before the change log's oldest kept change", (oldest: number) => ({
  message: `the change log before revision ${oldest} is not kept, so the page cannot be shown from before then`,
  metadata: { oldest_revision: String(oldest) },
}));

/** A user cannot delete their own account. */
export const cannotDeleteSelf = defineError("CANNOT_DELETE_SELF", "failed_precondition", "DeleteUser on the caller's own account", () => ({
  message: "you cannot delete your own account; ask another user to",
}));

/** The last user cannot be deleted: nobody could log in after. */
export const lastUser = defineError("LAST_USER", "failed_precondition", "DeleteUser on the only user", () => ({
  message: "cannot delete the last user",
}));

/** Demoting or deleting the only admin: nobody could manage users again but the CLI. */
export const lastAdmin = defineError(
  "LAST_ADMIN",
  "failed_precondition",
  "UpdateUser or DeleteUser that would leave no admin",
  (username: string, action: "demote" | "delete") => ({
    message: `cannot ${action} ${username}: the last admin; make another user admin first`,
    metadata: { username },
  }),
);

/** ListAuditEvents on a store that keeps no audit log (a store of one's own may not). */
export const auditNotKept = defineError("AUDIT_NOT_KEPT", "failed_precondition", "ListAuditEvents on a store that keeps no audit log", () => ({
  message: "this server's store keeps no audit log",
}));

/** An update, change or resolve of an incident that is already resolved. */
export const incidentResolved = defineError(
  "INCIDENT_RESOLVED",
  "failed_precondition",
  "AddIncidentUpdate, UpdateIncident or ResolveIncident on a resolved incident",
  (id: string) => ({
    message: `incident ${JSON.stringify(id)} is resolved; open a new incident instead`,
    metadata: { id },
  }),
);

/** An incident that already has as many updates as one may have. */
export const incidentFull = defineError("INCIDENT_FULL", "failed_precondition", "AddIncidentUpdate on an incident that has the most updates one may have", (max: number) => ({
  message: `an incident may have at most ${max} updates; resolve it and open a new one`,
  metadata: { max: String(max) },
}));

/** A change to a maintenance window that has ended or was cancelled. */
export const maintenanceOver = defineError(
  "MAINTENANCE_OVER",
  "failed_precondition",
  "UpdateMaintenance, CancelMaintenance or CompleteMaintenance on a window that has ended or was cancelled",
  (id: string) => ({
    message: `maintenance ${JSON.stringify(id)} has already ended or was cancelled`,
    metadata: { id },
  }),
);

/** Changing the items, status or start of a window that has started. */
export const maintenanceStarted = defineError(
  "MAINTENANCE_STARTED",
  "failed_precondition",
  "UpdateMaintenance changing starts_at, items or status of a window that has started",
  (id: string, field: string) => ({
    message: `maintenance ${JSON.stringify(id)} has started: its ${field} can no longer change (complete it, or schedule another)`,
    field,
    metadata: { id },
  }),
);

/** Ending early a window that has not started. */
export const maintenanceNotStarted = defineError("MAINTENANCE_NOT_STARTED", "failed_precondition", "CompleteMaintenance on a window that has not started", (id: string) => ({
  message: `maintenance ${JSON.stringify(id)} has not started; cancel it instead`,
  metadata: { id },
}));

/** WebhooksService on a store that keeps no outbox (a store of one's own may not). */
export const outboxNotKept = defineError("OUTBOX_NOT_KEPT", "failed_precondition", "WebhooksService on a store that keeps no outbox", () => ({
  message: "this server's store keeps no outbox, so it cannot send webhooks",
}));

/** SubscriptionsService (but GetSubscribeOptions) on a server without --smtp-url. */
export const emailNotConfigured = defineError(
  "EMAIL_NOT_CONFIGURED",
  "failed_precondition",
  "SubscriptionsService on a server without --smtp-url (GetSubscribeOptions says so)",
  () => ({
    message: "this page does not send email: the server runs without --smtp-url",
  }),
);

// --- unauthenticated

/** /metrics from another client without the right --metrics-token. */
export const metricsTokenRequired = defineError("METRICS_TOKEN_REQUIRED", "unauthenticated", "/metrics from a non-loopback client without the --metrics-token bearer", () => ({
  message: "/metrics needs 'Authorization: Bearer <the --metrics-token>' from clients other than loopback",
}));

/** The call needs a login or an API token and has neither. */
export const loginRequired = defineError("LOGIN_REQUIRED", "unauthenticated", "a write (or, with --private, a read) without a session or token", () => ({
  message: "log in, or send an API token as 'Authorization: Bearer <token>'",
}));

/** The Authorization header is there but not a bearer token. */
export const authorizationHeaderInvalid = defineError("AUTHORIZATION_HEADER_INVALID", "unauthenticated", "an Authorization header that is not 'Bearer <token>'", () => ({
  message: "the Authorization header must be 'Bearer <token>'",
}));

/** Login with a username or password that does not match; which of them is never said. */
export const wrongCredentials = defineError("WRONG_CREDENTIALS", "unauthenticated", "Login with a wrong username or password", () => ({
  message: "wrong username or password",
}));

/** A bearer token that is not one of ours, or was revoked. */
export const apiTokenInvalid = defineError("API_TOKEN_INVALID", "unauthenticated", "a bearer token that is unknown or revoked", () => ({
  message: "invalid API token",
}));

/** A bearer token past its expiry. */
export const apiTokenExpired = defineError("API_TOKEN_EXPIRED", "unauthenticated", "a bearer token past its expiry", () => ({
  message: "API token expired",
}));

/** An open stream's credentials were revoked; it ends with this. */
export const credentialsRevoked = defineError(
  "CREDENTIALS_REVOKED",
  "unauthenticated",
  "a stream that needed a login, after its token was revoked, its session ended or its user was deleted",
  () => ({
    message: "the credentials of this stream were revoked (token revoked, session ended or user deleted); log in again",
  }),
);

// --- permission_denied

/** An RPC missing from the permission table: nobody may call it (createApp refuses to start first). */
export const noPermissionRule = defineError("NO_PERMISSION_RULE", "permission_denied", "an RPC without an entry in the permission table", (procedure: string) => ({
  message: `${procedure} has no entry in the permission table, so nobody may call it`,
  metadata: { procedure },
}));

/** The caller's role is below what the RPC needs. */
export const roleInsufficient = defineError(
  "ROLE_INSUFFICIENT",
  "permission_denied",
  "a call that needs a higher role than the caller's",
  (role: string, mayDo: string, procedure: string, needed: string) => ({
    message: `your role is ${role}: you may ${mayDo}; ${procedure} needs the ${needed} role`,
    metadata: { role, needed },
  }),
);

/** The API token's scope is below what the RPC needs. */
export const scopeInsufficient = defineError(
  "TOKEN_SCOPE_INSUFFICIENT",
  "permission_denied",
  "a call that needs a wider token scope than the token's",
  (scope: string, mayDo: string, procedure: string, needed: string) => ({
    message: `this token's scope is ${scope}: it may ${mayDo}; ${procedure} needs scope ${needed}`,
    metadata: { scope, needed },
  }),
);

/** The request asks for something the caller's role or token may not do (a field, another user's token). */
export const requestNotPermitted = defineError(
  "REQUEST_NOT_PERMITTED",
  "permission_denied",
  "a request whose fields ask for more than the caller may do (e.g. a status token setting a name)",
  (message: string) => ({
    message,
  }),
);

/** An item-limited token used on another item. */
export const tokenItemLimit = defineError("TOKEN_ITEM_LIMIT", "permission_denied", "an item-limited token used on another item", (message: string) => ({
  message,
}));

/** A token asked for with a scope wider than its creator's role allows. */
export const scopeTooWide = defineError(
  "TOKEN_SCOPE_TOO_WIDE",
  "permission_denied",
  "CreateApiToken with a scope wider than the creator's role allows",
  (role: string, widest: string, scope: string) => ({
    message: `your role is ${role}: a token you make may have scope ${widest} at most, not ${scope}`,
    metadata: { role, widest },
  }),
);

/** /metrics from a client that is not loopback, without --metrics-token set. */
export const metricsLoopbackOnly = defineError("METRICS_LOOPBACK_ONLY", "permission_denied", "/metrics from a non-loopback client when no --metrics-token is set", () => ({
  message: "/metrics is served to loopback clients only; start the server with --metrics-token to allow others",
}));

/** Until the first (or reset) password is changed, only ChangePassword and reads are allowed. */
export const passwordChangeRequired = defineError("PASSWORD_CHANGE_REQUIRED", "permission_denied", "any write but ChangePassword by a user who must change their password", () => ({
  message: "change your password first (AuthService/ChangePassword)",
}));

/** A cookie-authenticated write from another Origin. */
export const crossSiteRefused = defineError("CROSS_SITE_REFUSED", "permission_denied", "a cookie-authenticated write whose Origin is not this server", () => ({
  message: "cross-site request refused: the Origin is not this server",
}));

/** The Host header names a host this server does not answer to (DNS rebinding guard). */
export const hostNotAllowed = defineError(
  "HOST_NOT_ALLOWED",
  "permission_denied",
  "a Host that is not loopback, the listen address, --public-url or --allowed-hosts",
  (host: string) => ({
    message:
      `this server does not answer to the host name ${JSON.stringify(host)} (a guard against DNS rebinding); ` +
      "if that is its name, start it with --public-url or --allowed-hosts",
    metadata: { host },
  }),
);

// --- resource_exhausted

/** Too many failed logins from this address (or for this username from it). */
export const loginThrottled = defineError(
  "LOGIN_THROTTLED",
  "resource_exhausted",
  "Login after too many failures from the address; RetryInfo says when to try again",
  (retryAfterSeconds: number) => ({
    message: `too many failed logins; try again in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  }),
);

/** Subscribe too often from one client or for one address; RetryInfo says when to try again. */
export const subscribeThrottled = defineError(
  "SUBSCRIBE_THROTTLED",
  "resource_exhausted",
  "Subscribe too often from one client, or for one address; RetryInfo says when to try again",
  (retryAfterSeconds: number) => ({
    message: `too many subscription requests; try again in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  }),
);

/** A request body over the size limit: smaller requests only (not a wait) will do. */
export const requestTooLarge = defineError("REQUEST_TOO_LARGE", "resource_exhausted", "a request body over the size limit (1 MiB)", (maxBytes: number) => ({
  message: `request body over ${maxBytes} bytes`,
  metadata: { max_bytes: String(maxBytes) },
}));

/** Seconds a client refused a watch stream waits before asking again. */
const WATCHER_RETRY_SECONDS = 10;

/** Too many open watch streams (WatchItems and /ws together) from one address. */
export const watcherLimitReached = defineError(
  "WATCHER_LIMIT_REACHED",
  "resource_exhausted",
  "a watch stream over the per-address limit; RetryInfo says when to try again",
  (maxPerClient: number) => ({
    message: `too many watch streams from this address (at most ${maxPerClient}); close some or retry later`,
    metadata: { max_per_client: String(maxPerClient) },
    retryAfterSeconds: WATCHER_RETRY_SECONDS,
  }),
);

/** A watcher that stopped reading is dropped; it may resume at once from its last revision. */
export const watcherTooSlow = defineError("WATCHER_TOO_SLOW", "resource_exhausted", "a watch stream whose client fell too far behind; resume with since_revision", () => ({
  message: "watcher fell too far behind; reconnect with since_revision to resume",
  retryAfterSeconds: 0,
}));

// --- unavailable

/** The server is stopping; a client should reconnect (to another replica, or after the restart). */
export const shuttingDown = defineError("SHUTTING_DOWN", "unavailable", "a stream started or ended while the server stops; reconnect", () => ({
  message: "server is shutting down; reconnect",
  retryAfterSeconds: 1,
}));

/** The database cannot be reached or stopped taking writes: nothing was done, the caller may retry. */
export const unavailable = defineError("DATABASE_UNAVAILABLE", "unavailable", "the database cannot be reached or refuses writes; nothing was done", (message: string) => ({
  message,
  retryAfterSeconds: 1,
}));

// --- inlets (hooks and heartbeats)

/** No hook has the id or name given. */
export const hookNotFound = defineError("HOOK_NOT_FOUND", "not_found", "no hook has the id or name given", (id: string) => ({
  message: `hook ${JSON.stringify(id)} not found`,
  metadata: { id },
}));

/** Another hook already has this name. */
export const hookNameTaken = defineError("HOOK_NAME_TAKEN", "already_exists", "another hook already has the name (compared case-insensitively)", (name: string) => ({
  message: `a hook named ${JSON.stringify(name)} already exists`,
  field: "name",
  metadata: { name },
}));

/** The item has no heartbeat. */
export const heartbeatNotFound = defineError("HEARTBEAT_NOT_FOUND", "not_found", "the item has no heartbeat, or no heartbeat has the secret in the ping URL", (id: string) => ({
  message: `no heartbeat ${id}`,
  metadata: { id },
}));

/** An alert payload (`POST /hooks/alertmanager`) that is not Alertmanager's or Grafana's webhook JSON. */
export const hookPayloadInvalid = defineError(
  "HOOK_PAYLOAD_INVALID",
  "invalid_argument",
  "a hook's payload is not Alertmanager's (version 4) or Grafana's webhook JSON",
  (problem: string) => ({
    message: `payload: ${problem}`,
    field: "payload",
  }),
);

/** A token or heartbeat called an inlet too often. */
export const hookThrottled = defineError(
  "HOOK_THROTTLED",
  "resource_exhausted",
  "a token (or heartbeat URL) called an inlet too often; Retry-After says when to try again",
  (retryAfterSeconds: number) => ({
    message: `too many calls; try again in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  }),
);

// --- the protocol: what Connect's own code decides, before or around a handler

/**
 * A request the protocol cannot read: a body that is not the request message in the JSON or
 * binary protobuf its content type names, a malformed envelope, or a bad timeout or protocol
 * version header. The message says which (Connect's words, never the server's internals).
 */
export const requestMalformed = defineError(
  "REQUEST_MALFORMED",
  "invalid_argument",
  "a request the protocol cannot read: a body that is not the request message in its JSON or protobuf form, a malformed envelope, a bad timeout or version header",
  (message: string) => ({ message }),
);

/** A POST to an RPC with a content type none of its protocols speaks (answered HTTP 415). */
export const contentTypeUnsupported = defineError(
  "CONTENT_TYPE_UNSUPPORTED",
  "invalid_argument",
  "a call whose content type is not JSON, protobuf, Connect streaming, gRPC or gRPC-Web (HTTP 415), or whose HTTP method the RPC does not take (HTTP 405)",
  (
    contentType: string,
    httpMethod: string,
    accepted = "application/json, application/proto, application/connect+json, application/connect+proto, application/grpc or application/grpc-web",
  ) => ({
    message: `this RPC takes POST with ${accepted} (got ${httpMethod} ${contentType || "without a content type"})`,
    metadata: { content_type: contentType, http_method: httpMethod },
  }),
);

/** A request that needs what the server does not speak: an unknown compression, or no request message (or two) where one is due. */
export const protocolUnsupported = defineError(
  "PROTOCOL_UNSUPPORTED",
  "unimplemented",
  "a call with a compression the server does not accept (it takes gzip and br), or with no request message (or two) where one is due",
  (message: string) => ({ message }),
);

/** A gRPC, gRPC-Web or Connect streaming call of a procedure this server does not have. */
export const procedureNotFound = defineError(
  "PROCEDURE_NOT_FOUND",
  "unimplemented",
  "a gRPC, gRPC-Web or Connect streaming call of an RPC this server does not have",
  (path: string) => ({
    message: `no RPC at ${path}`,
    metadata: { path },
  }),
);

/** A request to a path that is no RPC, page or endpoint (a JSON or protobuf POST to an unknown RPC among them). */
export const pathNotFound = defineError("PATH_NOT_FOUND", "not_found", "a request to a path that is no RPC, page or endpoint", (path: string) => ({
  message: "no such path",
  metadata: { path },
}));

/** The call outlived the deadline the client gave it (`connect-timeout-ms`, `grpc-timeout`). */
export const deadlineExceeded = defineError("DEADLINE_EXCEEDED", "deadline_exceeded", "the call outlived the deadline its client gave (connect-timeout-ms, grpc-timeout)", () => ({
  message: "the operation timed out",
}));

/** The client cancelled the call (it rarely reads the answer; the request log does). */
export const canceled = defineError("CANCELED", "canceled", "the client cancelled the call or went away", () => ({
  message: "the call was cancelled",
}));

/** A fault in the server: the cause is in its log, never sent to the client. */
export const internalError = defineError("INTERNAL", "internal", "a fault in the server; the cause is in its log and never sent", () => ({
  message: "internal error",
}));
