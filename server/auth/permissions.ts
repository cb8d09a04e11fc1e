/**
 * The permission table: every RPC of every service, and every HTTP endpoint, with who may call
 * it. It is the only place that decides (checked by `authorize` in access-policy.ts, through the
 * guard, for the Connect router, the hand-written WatchItems endpoint, `/ws` and the documents);
 * no handler decides on its own. A test walks every RPC of the descriptors, and `createApp`
 * refuses to start with an RPC that has no rule here.
 */

import type { Role, TokenScope } from "../domain.js";

export type { Role, TokenScope };

export const ROLES: readonly Role[] = ["viewer", "editor", "admin"];
export const TOKEN_SCOPES: readonly TokenScope[] = ["read", "status", "write", "admin"];

/** How far each role and scope reaches, for comparisons. */
export const roleRank = (role: Role): number => ROLES.indexOf(role);
export const scopeRank = (scope: TokenScope): number => TOKEN_SCOPES.indexOf(scope);

/** The widest scope a token made by a user of this role may have. */
export function widestScopeFor(role: Role): TokenScope {
  return role === "admin" ? "admin" : role === "editor" ? "write" : "read";
}

/** What each role may do, in the words refusals use. */
export const ROLE_CAN: Record<Role, string> = {
  admin: "everything",
  editor: "read, and change items, statuses, notes, incidents and maintenance (not users or others' tokens)",
  viewer: "read, change your own password and manage your own tokens",
};

/** What each scope lets a token do, in the words refusals use. */
export const SCOPE_CAN: Record<TokenScope, string> = {
  read: "only read",
  status: "read, set an item's status (UpdateItem with only status_id) and add notes",
  write: "read, and change items, statuses, notes, incidents and maintenance",
  admin: "whatever its owner may",
};

/** The caller a request-dependent check looks at. */
export interface Caller {
  userId: string;
  role: Role;
  /** Set for API tokens; sessions act with their user's whole role. */
  token?: { scope: TokenScope; itemIds: readonly string[] };
}

/** One procedure's rule. */
export interface Rule {
  /** Anyone may call it, signed in or not, unless the server runs with --private. */
  publicRead?: true;
  /** For getting or dropping credentials: anyone may call it, always (Login, Logout, hints; and the subscription links, whose token is their own credential). */
  credentials?: true;
  /** A user who must still change the initial password may call it. */
  beforePasswordChange?: true;
  /** The least role that may call it. */
  role: Role;
  /** The least token scope that may call it. */
  scope: TokenScope;
  /**
   * For tokens limited to items: the item a call changes (from its request). A rule for a write
   * without it refuses item-limited tokens, since the write is not about one item.
   */
  itemOf?: (message: unknown) => string | undefined;
  /** A check of the request itself (a field only some callers may set): why not, or undefined. */
  refine?: (message: unknown, caller: Caller) => string | undefined;
}

const read = (extra: Partial<Rule> = {}): Rule => ({ publicRead: true, role: "viewer", scope: "read", ...extra });
const edit = (scope: TokenScope, extra: Partial<Rule> = {}): Rule => ({ role: "editor", scope, ...extra });
const own = (scope: TokenScope, extra: Partial<Rule> = {}): Rule => ({ role: "viewer", scope, ...extra });
const admin = (scope: TokenScope): Rule => ({ role: "admin", scope });
const field =
  <T>(name: string) =>
  (message: unknown) =>
    (message as Record<string, T> | undefined)?.[name];
const itemIdOf = (message: unknown) => field<string>("itemId")(message) || undefined;

/** Every RPC → who may call it. Keys are "package.Service/Method". */
export const PERMISSIONS: Readonly<Record<string, Rule>> = {
  "statusthing.v1.ItemsService/GetItem": read(),
  "statusthing.v1.ItemsService/ListItems": read(),
  "statusthing.v1.ItemsService/WatchItems": read(),
  "statusthing.v1.ItemsService/AddItem": edit("write"),
  "statusthing.v1.ItemsService/UpdateItem": edit("status", {
    itemOf: itemIdOf,
    refine: (message, caller) => {
      if (caller.token?.scope !== "status") return undefined;
      const touched = ["name", "description"].filter((f) => field<string>(f)(message));
      return touched.length ? `this token's scope is status: it may set only status_id, not ${touched.join(" or ")}` : undefined;
    },
  }),
  "statusthing.v1.ItemsService/DeleteItem": edit("write", { itemOf: itemIdOf }),

  "statusthing.v1.StatusService/GetStatus": read(),
  "statusthing.v1.StatusService/ListStatus": read(),
  "statusthing.v1.StatusService/AddStatus": edit("write"),
  "statusthing.v1.StatusService/UpdateStatus": edit("write"),
  "statusthing.v1.StatusService/DeleteStatus": edit("write"),

  // Arranging the page (groups, order) is the admins': editors change what items say, not where.
  "statusthing.v1.GroupsService/ListGroups": read(),
  "statusthing.v1.GroupsService/GetGroup": read(),
  "statusthing.v1.GroupsService/AddGroup": admin("admin"),
  "statusthing.v1.GroupsService/UpdateGroup": admin("admin"),
  "statusthing.v1.GroupsService/DeleteGroup": admin("admin"),
  "statusthing.v1.GroupsService/MoveItem": admin("admin"),
  "statusthing.v1.GroupsService/MoveGroup": admin("admin"),

  "statusthing.v1.HistoryService/GetItemHistory": read(),
  "statusthing.v1.HistoryService/GetUptime": read(),
  "statusthing.v1.HistoryService/GetPageAt": read(),

  // Incidents and maintenance change several items at once: item-limited tokens may not (no itemOf).
  "statusthing.v1.IncidentsService/CreateIncident": edit("write"),
  "statusthing.v1.IncidentsService/AddIncidentUpdate": edit("write"),
  "statusthing.v1.IncidentsService/UpdateIncident": edit("write"),
  "statusthing.v1.IncidentsService/ResolveIncident": edit("write"),
  "statusthing.v1.IncidentsService/DeleteIncident": edit("write"),
  "statusthing.v1.IncidentsService/GetIncident": read(),
  "statusthing.v1.IncidentsService/ListIncidents": read(),
  "statusthing.v1.IncidentsService/ScheduleMaintenance": edit("write"),
  "statusthing.v1.IncidentsService/UpdateMaintenance": edit("write"),
  "statusthing.v1.IncidentsService/CancelMaintenance": edit("write"),
  "statusthing.v1.IncidentsService/CompleteMaintenance": edit("write"),
  "statusthing.v1.IncidentsService/GetMaintenance": read(),
  "statusthing.v1.IncidentsService/ListMaintenance": read(),

  "statusthing.v1.NotesService/GetNote": read(),
  "statusthing.v1.NotesService/ListNotes": read(),
  "statusthing.v1.NotesService/AddNote": edit("status", { itemOf: itemIdOf }),
  // By note id: not tied to an item the table can see, so item-limited tokens may not.
  "statusthing.v1.NotesService/UpdateNote": edit("write"),
  "statusthing.v1.NotesService/DeleteNote": edit("write"),

  "statusthing.v1.AuthService/Login": { credentials: true, role: "viewer", scope: "read" },
  "statusthing.v1.AuthService/GetSignInHints": { credentials: true, role: "viewer", scope: "read" },
  "statusthing.v1.AuthService/Logout": { credentials: true, beforePasswordChange: true, role: "viewer", scope: "read" },
  "statusthing.v1.AuthService/WhoAmI": own("read", { beforePasswordChange: true }),
  "statusthing.v1.AuthService/ChangePassword": own("admin", { beforePasswordChange: true }),
  "statusthing.v1.AuthService/CreateApiToken": own("admin"),
  "statusthing.v1.AuthService/ListApiTokens": own("read", {
    refine: (message, caller) => (field<boolean>("allUsers")(message) && caller.role !== "admin" ? "only admins may list other users' tokens (all_users)" : undefined),
  }),
  "statusthing.v1.AuthService/RevokeApiToken": own("admin", {
    refine: (message, caller) => {
      const owner = (field<string>("userId")(message) ?? "").trim();
      return owner !== "" && owner !== caller.userId && caller.role !== "admin" ? "only admins may revoke other users' tokens" : undefined;
    },
  }),

  "statusthing.v1.UsersService/ListUsers": admin("read"),
  "statusthing.v1.UsersService/GetUser": admin("read"),
  "statusthing.v1.UsersService/AddUser": admin("admin"),
  "statusthing.v1.UsersService/UpdateUser": admin("admin"),
  "statusthing.v1.UsersService/DeleteUser": admin("admin"),

  "statusthing.v1.AuditService/ListAuditEvents": admin("admin"),
  "statusthing.v1.SettingsService/GetSettings": read(),
  "statusthing.v1.SettingsService/UpdateSettings": admin("admin"),

  // Hooks and heartbeats decide statuses on their own, so only admins configure them.
  "statusthing.v1.HooksService/ListHooks": admin("read"),
  "statusthing.v1.HooksService/AddHook": admin("admin"),
  "statusthing.v1.HooksService/UpdateHook": admin("admin"),
  "statusthing.v1.HooksService/DeleteHook": admin("admin"),
  "statusthing.v1.HooksService/ListHookCalls": admin("read"),
  "statusthing.v1.HooksService/ListHeartbeats": admin("read"),
  "statusthing.v1.HooksService/SetHeartbeat": admin("admin"),
  "statusthing.v1.HooksService/RotateHeartbeatSecret": admin("admin"),
  "statusthing.v1.HooksService/DeleteHeartbeat": admin("admin"),

  // Webhook URLs can be secrets themselves (a Slack URL is its own credential): every call is an admin's.
  "statusthing.v1.WebhooksService/AddWebhook": admin("admin"),
  "statusthing.v1.WebhooksService/UpdateWebhook": admin("admin"),
  "statusthing.v1.WebhooksService/DeleteWebhook": admin("admin"),
  "statusthing.v1.WebhooksService/ListWebhooks": admin("admin"),
  "statusthing.v1.WebhooksService/TestWebhook": admin("admin"),
  "statusthing.v1.WebhooksService/ListDeliveries": admin("admin"),

  // Email subscriptions: visitors subscribe (with --private, signed-in callers only); the confirm
  // and unsubscribe links work for anyone, always (the token from the mail is the credential);
  // addresses are shown to admins only.
  "statusthing.v1.SubscriptionsService/GetSubscribeOptions": read(),
  "statusthing.v1.SubscriptionsService/Subscribe": read(),
  "statusthing.v1.SubscriptionsService/ConfirmSubscription": { credentials: true, role: "viewer", scope: "read" },
  "statusthing.v1.SubscriptionsService/Unsubscribe": { credentials: true, role: "viewer", scope: "read" },
  "statusthing.v1.SubscriptionsService/ListSubscribers": admin("admin"),
  "statusthing.v1.SubscriptionsService/RemoveSubscriber": admin("admin"),

  // Reflection (served only with --devmode) describes the API, never data.
  "grpc.reflection.v1.ServerReflection/ServerReflectionInfo": read(),
  "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": read(),
};

/**
 * The HTTP endpoints outside the Connect router, and whose rule applies to each: a procedure's
 * (the data it shows is that procedure's), "open" (no data: anyone, even with --private), or
 * "operator" (loopback clients, or the --metrics-token; see ops/metrics-access.ts).
 */
export const HTTP_ENDPOINTS: Readonly<Record<string, string>> = {
  "GET /ws": "statusthing.v1.ItemsService/WatchItems",
  "GET /api/v2/*.json, /feed.*, /items/<id>/feed.atom, /badge*.svg": "statusthing.v1.ItemsService/ListItems",
  "GET /branding/logo, /branding/favicon": "statusthing.v1.SettingsService/GetSettings",
  "POST /hooks/alertmanager": "statusthing.v1.ItemsService/UpdateItem, for each alert's item (API tokens only; scope status or wider)",
  "GET, POST /hooks/heartbeat/<secret>": "open: the secret in the URL is the credential",
  "POST /subscription/unsubscribe?token=…": "open: the token is the credential (RFC 8058 one-click unsubscribe)",
  "GET /healthz": "open: anyone, always (revision and watchers only for who may WatchItems)",
  "GET /readyz": "open: anyone, always",
  "GET /metrics": "operator: loopback clients, or others with `Authorization: Bearer <--metrics-token>`",
  "GET /* (the web app)": "open: anyone, always (its data comes through the RPCs above)",
};

/** The rule for `procedure`, or undefined when the table has none (then nobody may call it). */
export function ruleFor(procedure: string): Rule | undefined {
  return Object.hasOwn(PERMISSIONS, procedure) ? PERMISSIONS[procedure] : undefined;
}
